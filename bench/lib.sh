# bench/lib.sh — what the bench scripts share; source it after `cd` to the repository root.
#
# start_nginx: nginx serving a 3-byte reply on a free port of 127.0.0.1–127.0.0.4, pinned to
#   core 0, stopped (by its PID) when the script exits; sets PORT and URL. NGINX_WORKERS
#   (default 1) worker processes share the connections (reuseport), each up to 19,000: the
#   machine's hard limit on open files per process is about 20,000. stop_nginx (the EXIT trap
#   start_nginx sets; a script with a trap of its own calls it there) stops it.
# measure CMD...: runs CMD on core 1 under /usr/bin/time; prints "cpu_seconds max_rss_kb".
#   Its output goes to $OUT/tool.out and $OUT/tool.err.
# median: the median of the numbers on stdin, one per line.

start_nginx() {
  if ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  fi
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  NGX=$(mktemp -d)
  REUSE=""
  [ "${NGINX_WORKERS:-1}" -gt 1 ] && REUSE=" reuseport"
  cat >"$NGX/nginx.conf" <<CONF
worker_processes ${NGINX_WORKERS:-1};
worker_rlimit_nofile 20000;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $NGX; proxy_temp_path $NGX; fastcgi_temp_path $NGX; uwsgi_temp_path $NGX; scgi_temp_path $NGX;
  server {
    listen 127.0.0.1:$PORT$REUSE backlog=65535;
    listen 127.0.0.2:$PORT$REUSE backlog=65535;
    listen 127.0.0.3:$PORT$REUSE backlog=65535;
    listen 127.0.0.4:$PORT$REUSE backlog=65535;
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
CONF
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # many connections need the hard limit
  taskset -c 0 nginx -c "$NGX/nginx.conf" -p "$NGX"
  trap stop_nginx EXIT
  URL="http://127.0.0.1:$PORT/"
  for _ in $(seq 50); do curl -sf "$URL" >/dev/null && return 0; sleep 0.1; done
  echo "nginx did not answer on $URL" >&2
  return 1
}

stop_nginx() {
  kill "$(cat "$NGX/nginx.pid" 2>/dev/null)" 2>/dev/null || true
  rm -rf "$NGX"
}

measure() {
  [ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
  /usr/bin/time -f '%U %S %M' -o "$OUT/time.txt" taskset -c 1 "$@" >"$OUT/tool.out" 2>"$OUT/tool.err" || true
  # the last line: time writes "Command exited with non-zero status N" first when CMD fails
  # (ramp exits 4 for a run without thresholds: nothing to judge)
  awk 'END {printf "%.3f %d\n", $1+$2, $3}' "$OUT/time.txt"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

#!/usr/bin/env bash
# Checks scripts/test.sh's install path (`scripts/test.sh services`) on a fresh Debian without
# touching this machine's own PostgreSQL, Redis or Chromium: a minimal Debian 12 made by
# debootstrap in a directory, its packages downloaded once, then test.sh run inside it in an
# empty network namespace (only its own loopback, so nothing on this machine's 5432/6379 can
# answer for it, and apt-get update fails as it does offline) and a PID namespace (whatever it
# starts ends with it). Three machines in turn:
#
#   1. fresh:      no PostgreSQL, Redis, Chromium or Prometheus — all installed, the servers
#                  started, trust set;
#   2. again:      everything running — nothing changes (pg_hba.conf's checksum kept);
#   3. dropped:    installed but stopped, the PostgreSQL cluster removed — recreated, started.
#
#   sudo scripts/check-fresh-install.sh [DIR]     (DIR default /tmp/ramp-fresh-debian; ~1.5 GB)
#
# Needs root, debootstrap (apt-get install debootstrap), unshare and ip (iproute2), and the
# network for the first run's downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/tmp/ramp-fresh-debian}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "apt-get install debootstrap" >&2; exit 1; }

if [ ! -x "$root/bin/bash" ]; then
  echo "== debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# As in Debian's container images: packages may not start services themselves.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/root/ramp/scripts" && cp scripts/test.sh "$root/root/ramp/scripts/test.sh"

echo "== downloading (not installing) postgresql, redis-server, chromium and prometheus"
unshare --mount --fork bash -c "mount -t proc proc '$root/proc' && chroot '$root' bash -c \
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install --download-only -y -qq --no-install-recommends postgresql redis-server chromium prometheus >/dev/null'"

inside() { # runs the steps in an empty network and PID namespace, the machine's /dev bound in
  unshare --net --mount --pid --fork --mount-proc bash -euo pipefail -c "
    ip link set lo up
    mount -t proc proc '$root/proc'; mount --rbind /dev '$root/dev'; mount -t tmpfs tmpfs '$root/dev/shm'
    run_in() { chroot '$root' /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \"\$@\"; }
    services() { run_in bash /root/ramp/scripts/test.sh services; }
    check() {
      run_in psql -w -h 127.0.0.1 -U postgres -d test -tAc \"select 'PostgreSQL answers: ' || current_database()\"
      run_in bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379; printf \"PING\r\n\" >&3; timeout 2 head -c 7 <&3'; echo
      run_in chromium --version 2>/dev/null | grep -q Chromium && echo 'Chromium installed'
      run_in prometheus --version 2>&1 | grep -q 'prometheus, version' && echo 'Prometheus installed'
    }
    $1"
}

echo "== 1. fresh machine (2. then run again: nothing changes)"
inside "
  run_in env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq 'postgresql*' redis-server redis-tools chromium chromium-common prometheus >/dev/null 2>&1 || true
  run_in env DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null 2>&1 || true
  rm -rf '$root/etc/postgresql' '$root/var/lib/postgresql'
  if run_in bash -c 'command -v psql || command -v redis-server || command -v chromium || command -v prometheus'; then echo 'not purged' >&2; exit 1; fi
  (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && { echo 'something answers on 5432 in the namespace' >&2; exit 1; } || true
  services; check
  before=\$(md5sum '$root'/etc/postgresql/*/main/pg_hba.conf)
  services; check
  [ \"\$before\" = \"\$(md5sum '$root'/etc/postgresql/*/main/pg_hba.conf)\" ] && echo 'second run: pg_hba.conf unchanged'"

echo "== 3. installed but stopped, the cluster dropped"
inside "
  run_in pg_dropcluster \$(ls '$root/usr/lib/postgresql') main
  services; check"
echo "== all three machines passed"

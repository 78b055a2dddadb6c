package k8s

// The containers' shell scripts. Each is a constant run as `sh -c SCRIPT NAME ARG...`: its
// inputs come from the container's environment (the variables below) and its ramp arguments
// as "$@", so that no value is ever quoted into shell text. They need a POSIX sh with date,
// cut, sleep and mkdir (busybox has them), and ramp on the PATH.
//
// A failure leaves a marker, RESULTS/<what>.failed holding the exit code, so that whoever
// waits on the shared volume stops at once instead of at its deadline.
const (
	// envResults is the run's directory on the shared volume.
	envResults = "RAMP_RESULTS"
	// envSequence is the execution segment sequence, "0,1/4,1/2,3/4,1".
	envSequence = "RAMP_SEGMENT_SEQUENCE"
	// envRegions, when set, is the region tag of each segment, "eu-west,us-east".
	envRegions = "RAMP_REGIONS"
	// envSegments is how many segments the merge waits for.
	envSegments = "RAMP_SEGMENTS"
	// envDeadline is when a wait gives up, in Unix seconds.
	envDeadline = "RAMP_DEADLINE"
	// envIndex is the Job's completion index, which picks the segment.
	envIndex = "JOB_COMPLETION_INDEX"
)

// setupScript runs `ramp setup …` and marks its failure.
const setupScript = `mkdir -p "$RAMP_RESULTS" || exit
ramp "$@" && exit 0
code=$?
echo "$code" >"$RAMP_RESULTS/setup.failed"
exit "$code"
`

// segmentScript runs `ramp run … --execution-segment FROM:TO --out snapshot=…` for the segment
// of the sequence that the completion index picks (index i runs fields i+1 to i+2), tagged
// with its region when regions are given. It forwards SIGTERM to ramp, which then still
// writes what it measured (a shell as PID 1 would ignore the signal).
//
// A segment that measured its share succeeds whatever its share alone would conclude (ramp's
// exit codes 0, 1 and 4 with the snapshot written): the merge judges the whole test, and a
// failed pod would fail the Job (backoffLimit 0), which ends every other segment.
const segmentScript = `mkdir -p "$RAMP_RESULTS" || exit
i=$JOB_COMPLETION_INDEX
out=$RAMP_RESULTS/segment-$i.snap
to=
case $i in
'' | *[!0-9]*) ;;
*)
  from=$(echo "$RAMP_SEGMENT_SEQUENCE" | cut -d, -f$((i + 1)))
  to=$(echo "$RAMP_SEGMENT_SEQUENCE" | cut -d, -f$((i + 2)))
  ;;
esac
if [ -z "$to" ]; then
  echo "ramp k8s: no segment $i in the sequence $RAMP_SEGMENT_SEQUENCE" >&2
  code=2
else
  set -- "$@" --execution-segment "$from:$to" --out "snapshot=$out"
  if [ -n "$RAMP_REGIONS" ]; then
    set -- "$@" --tag "region=$(echo "$RAMP_REGIONS" | cut -d, -f$((i + 1)))"
  fi
  ramp "$@" &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
  wait "$pid"
  code=$?
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid"
    code=$?
  done
  case $code in
  0 | 1 | 4) [ -s "$out" ] && exit 0 ;;
  esac
  [ "$code" = 0 ] && code=1
fi
echo "$code" >"$RAMP_RESULTS/segment-$i.failed"
exit "$code"
`

// waitSetupScript waits for the setup Job's data. It gives up when setup failed, or at the
// start time (the deadline), when the load was to begin.
const waitSetupScript = `until [ -s "$RAMP_RESULTS/setup.json" ]; do
  if [ -e "$RAMP_RESULTS/setup.failed" ]; then
    echo "ramp k8s: setup failed (exit $(cat "$RAMP_RESULTS/setup.failed")): see the setup Job's log" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$RAMP_DEADLINE" ]; then
    echo "ramp k8s: no $RAMP_RESULTS/setup.json at the start time" >&2
    mkdir -p "$RAMP_RESULTS" && echo timeout >"$RAMP_RESULTS/setup.failed"
    exit 1
  fi
  sleep 2
done
`

// waitSnapshotsScript waits for segments 0 to RAMP_SEGMENTS-1 to write their snapshots. It
// gives up at the first failure marker or at the deadline, naming the segments missing.
const waitSnapshotsScript = `while :; do
  missing=
  i=0
  while [ "$i" -lt "$RAMP_SEGMENTS" ]; do
    [ -s "$RAMP_RESULTS/segment-$i.snap" ] || missing="$missing $i"
    i=$((i + 1))
  done
  [ -z "$missing" ] && exit 0
  for f in "$RAMP_RESULTS"/*.failed; do
    if [ -e "$f" ]; then
      echo "ramp k8s: $(basename "$f" .failed) failed (exit $(cat "$f")); segments without a snapshot:$missing" >&2
      exit 1
    fi
  done
  if [ "$(date +%s)" -ge "$RAMP_DEADLINE" ]; then
    echo "ramp k8s: segments without a snapshot at the deadline:$missing" >&2
    exit 1
  fi
  sleep 5
done
`

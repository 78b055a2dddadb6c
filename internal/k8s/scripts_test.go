package k8s

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The pods' scripts run here as the manifests give them, under busybox's sh with only
// busybox's applets (the image's shell and tools) when busybox is installed and under the
// system's sh, with a fake ramp on the PATH that records its arguments: what each pod would
// run, and what it does on each outcome.

// fakeRamp records its arguments in $FAKE_LOG/args-NAME (NAME: the completion index, else
// "setup"), writes the file its --out names (setup) or its --out snapshot= names (run) unless
// FAKE_WRITE is empty, and exits FAKE_CODE. With FAKE_TERM set it waits for SIGTERM, writes,
// and exits 3, as ramp does when interrupted.
const fakeRamp = `#!/bin/sh
name=${JOB_COMPLETION_INDEX:-setup}
printf '%s\n' "$@" >"$FAKE_LOG/args-$name"
out=
prev=
for a; do
  case $prev:$a in
  --out:snapshot=*) out=${a#snapshot=} ;;
  --out:*) out=$a ;;
  esac
  prev=$a
done
write() { [ -n "$FAKE_WRITE" ] && echo "$FAKE_WRITE" >"$out"; }
if [ -n "$FAKE_TERM" ]; then
  trap 'echo TERM >"$FAKE_LOG/term-$name"; write; exit 3' TERM
  touch "$FAKE_LOG/started-$name"
  while :; do sleep 0.05; done
fi
write
exit "${FAKE_CODE:-0}"
`

// shell is a shell to run the scripts with, and the PATH they find commands on.
type shell struct {
	argv []string
	path string
}

// shells are busybox's sh with nothing but busybox's applets on the PATH — what the image's
// distroless base has — when busybox is installed, and the system's sh.
func shells(t *testing.T) map[string]shell {
	t.Helper()
	out := map[string]shell{}
	if bb, err := exec.LookPath("busybox"); err == nil {
		list, err := exec.Command(bb, "--list").Output()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, applet := range strings.Fields(string(list)) {
			if err := os.Symlink(bb, filepath.Join(dir, applet)); err != nil {
				t.Fatal(err)
			}
		}
		out["busybox"] = shell{[]string{bb, "sh"}, dir}
	}
	if sh, err := exec.LookPath("sh"); err == nil {
		out["sh"] = shell{[]string{sh}, os.Getenv("PATH")}
	}
	if len(out) == 0 {
		t.Skip("no sh here")
	}
	return out
}

// pod is where a container's script runs: a results directory, a log of the fake ramp's
// calls and the container's environment.
type pod struct {
	shell   shell
	results string
	log     string
	env     []string
}

func newPod(t *testing.T, shell shell, c *corev1.Container, extra ...string) *pod {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	p := &pod{shell: shell, results: filepath.Join(dir, "results", "run"), log: filepath.Join(dir, "log")}
	for _, d := range []string{bin, p.log} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "ramp"), []byte(fakeRamp), 0o755); err != nil {
		t.Fatal(err)
	}
	p.env = []string{"PATH=" + bin + string(os.PathListSeparator) + shell.path, "FAKE_LOG=" + p.log, "FAKE_WRITE=data"}
	for _, e := range c.Env {
		switch {
		case e.Name == envResults:
			p.env = append(p.env, envResults+"="+p.results)
		case e.ValueFrom == nil:
			p.env = append(p.env, e.Name+"="+e.Value)
		}
	}
	p.env = append(p.env, extra...)
	return p
}

// command is the container's command and arguments with the shell in place of "sh", its
// results directory in place of the pod's.
func (p *pod) command(ctx context.Context, c *corev1.Container) *exec.Cmd {
	if len(c.Command) < 3 || c.Command[0] != "sh" || c.Command[1] != "-c" {
		panic(fmt.Sprintf("%s: command %q is not sh -c", c.Name, c.Command))
	}
	args := slices.Concat(p.shell.argv[1:], c.Command[1:], c.Args)
	cmd := exec.CommandContext(ctx, p.shell.argv[0], args...)
	cmd.Env = p.env
	// The script and what it starts are one process group, ended together if the test
	// gives up, so that no fake ramp outlives it holding its output open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// run runs the container's script to its end: its exit code and stderr.
func (p *pod) run(t *testing.T, c *corev1.Container) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := p.command(ctx, c)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &ee) && ctx.Err() == nil:
		return ee.ExitCode(), stderr.String()
	}
	t.Fatalf("%s: %v (%v)\n%s", c.Name, err, ctx.Err(), stderr.String())
	return 0, ""
}

// args are the arguments the fake ramp was called with, as name.
func (p *pod) args(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.log, "args-"+name))
	if err != nil {
		t.Fatalf("ramp was not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func (p *pod) file(name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(p.results, name))
	return strings.TrimSpace(string(b)), err == nil
}

func (p *pod) put(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(p.results, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.results, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// flagValue is the value after a flag in args, and how many times the flag is there.
func flagValue(args []string, flag string) (string, int) {
	v, n := "", 0
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			v, n = args[i+1], n+1
		}
	}
	return v, n
}

// Each pod of N runs segment i of the sequence: the segments follow one another from 0 to 1,
// every pod starts at the same time, writes its snapshot where the merge looks, and carries
// its region.
func TestSegmentPodsCoverTheTest(t *testing.T) {
	t.Parallel()
	for name, shell := range shells(t) {
		for _, n := range []int{1, 2, 4} {
			t.Run(fmt.Sprintf("%s/N=%d", name, n), func(t *testing.T) {
				t.Parallel()
				r := testRun(t, n, false, true)
				for i := range n {
					r.Regions = append(r.Regions, fmt.Sprintf("region-%d", i))
				}
				got := decodeStrict(t, encode(t, r))
				c := onlyContainer(t, got.jobs[r.Name+"-segments"])
				var froms, tos, starts []string
				for i := range n {
					p := newPod(t, shell, c, "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
					if code, stderr := p.run(t, c); code != 0 {
						t.Fatalf("pod %d: exit %d\n%s", i, code, stderr)
					}
					args := p.args(t, strconv.Itoa(i))
					if !slices.Equal(args[:len(c.Args)], c.Args) {
						t.Errorf("pod %d: ramp %q, want the manifest's %q first", i, args, c.Args)
					}
					seg, k := flagValue(args, "--execution-segment")
					from, to, ok := strings.Cut(seg, ":")
					if k != 1 || !ok {
						t.Fatalf("pod %d: --execution-segment %q (%d times) in %q", i, seg, k, args)
					}
					froms, tos = append(froms, from), append(tos, to)
					start, _ := flagValue(args, "--start-at")
					starts = append(starts, start)
					if out, _ := flagValue(args, "--out"); out != "snapshot="+filepath.Join(p.results, fmt.Sprintf("segment-%d.snap", i)) {
						t.Errorf("pod %d: --out %s", i, out)
					}
					if tag, _ := flagValue(args, "--tag"); tag != "region="+r.Regions[i] {
						t.Errorf("pod %d: --tag %q, want region=%s", i, tag, r.Regions[i])
					}
					if _, failed := p.file(fmt.Sprintf("segment-%d.failed", i)); failed {
						t.Errorf("pod %d left a failure marker", i)
					}
				}
				if froms[0] != "0" || tos[n-1] != "1" || !slices.Equal(froms[1:], tos[:n-1]) {
					t.Errorf("segments %q → %q: want consecutive from 0 to 1", froms, tos)
				}
				checkSequence(t, strings.Join(append(froms, "1"), ","), n)
				for _, s := range starts {
					if s != r.StartAt.UTC().Format(time.RFC3339) {
						t.Errorf("start times %q, want all %s", starts, r.StartAt.UTC().Format(time.RFC3339))
					}
				}
			})
		}
	}
}

// A segment that measured its share succeeds whatever its share alone concluded; anything
// else fails the pod with ramp's code and leaves a marker for the merge.
func TestSegmentPodOutcomes(t *testing.T) {
	t.Parallel()
	for name, shell := range shells(t) {
		for _, tc := range []struct {
			name   string
			index  string
			code   string // the fake ramp's exit code
			write  bool   // whether it writes its snapshot
			want   int
			marker string // the failure marker's content; "" for none
		}{
			{"pass", "0", "0", true, 0, ""},
			{"its share failed", "1", "1", true, 0, ""},            // the merge judges the whole
			{"its share inconclusive", "1", "4", true, 0, ""},      // likewise
			{"usage error", "0", "2", false, 2, "2"},               // the file does not run
			{"interrupted", "1", "3", true, 3, "3"},                // a partial share
			{"no snapshot written", "0", "0", false, 1, "1"},       // nothing to merge
			{"failed without a snapshot", "0", "1", false, 1, "1"}, // likewise
			{"index beyond the sequence", "2", "0", true, 2, "2"},
			{"no index", "", "0", true, 2, "2"},
			{"index not a number", "1+1", "0", true, 2, "2"},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := testRun(t, 2, false, false)
				c := onlyContainer(t, decodeStrict(t, encode(t, r)).jobs[r.Name+"-segments"])
				write := "FAKE_WRITE="
				if tc.write {
					write += "snapshot"
				}
				p := newPod(t, shell, c, "JOB_COMPLETION_INDEX="+tc.index, "FAKE_CODE="+tc.code, write)
				code, stderr := p.run(t, c)
				if code != tc.want {
					t.Errorf("exit %d, want %d\n%s", code, tc.want, stderr)
				}
				marker, ok := p.file("segment-" + tc.index + ".failed")
				if ok != (tc.marker != "") || marker != tc.marker {
					t.Errorf("failure marker %q (present %v), want %q", marker, ok, tc.marker)
				}
			})
		}
	}
}

// SIGTERM to the pod's shell (PID 1 in the container) reaches ramp, which still writes what
// it measured; the interrupted segment then fails its pod.
func TestSegmentPodForwardsSIGTERM(t *testing.T) {
	t.Parallel()
	for name, shell := range shells(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testRun(t, 2, false, false)
			c := onlyContainer(t, decodeStrict(t, encode(t, r)).jobs[r.Name+"-segments"])
			p := newPod(t, shell, c, "JOB_COMPLETION_INDEX=1", "FAKE_TERM=1")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := p.command(ctx, c)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			for {
				if _, err := os.Stat(filepath.Join(p.log, "started-1")); err == nil {
					break
				}
				if ctx.Err() != nil {
					t.Fatal("ramp did not start")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("exit %v, want 3 (ramp's, interrupted)\n%s", err, stderr.String())
			}
			if _, err := os.Stat(filepath.Join(p.log, "term-1")); err != nil {
				t.Error("ramp did not get SIGTERM")
			}
			if _, ok := p.file("segment-1.snap"); !ok {
				t.Error("no snapshot of the interrupted segment")
			}
			if m, _ := p.file("segment-1.failed"); m != "3" {
				t.Errorf("failure marker %q, want 3", m)
			}
		})
	}
}

// The setup pod runs ramp setup and marks its failure; the segments wait for its data and
// stop waiting when it failed or the start time came without it.
func TestSetupPods(t *testing.T) {
	t.Parallel()
	for name, shell := range shells(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testRun(t, 2, false, true)
			got := decodeStrict(t, encode(t, r))
			setup := onlyContainer(t, got.jobs[r.Name+"-setup"])
			wait := &got.jobs[r.Name+"-segments"].Spec.Template.Spec.InitContainers[0]
			past := "RAMP_DEADLINE=" + strconv.FormatInt(time.Now().Add(-time.Second).Unix(), 10)
			future := "RAMP_DEADLINE=" + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)

			t.Run("setup passes", func(t *testing.T) {
				p := newPod(t, shell, setup, "FAKE_WRITE={}")
				if code, stderr := p.run(t, setup); code != 0 {
					t.Fatalf("exit %d\n%s", code, stderr)
				}
				if out, _ := flagValue(p.args(t, "setup"), "--out"); out != r.setupData() {
					t.Errorf("setup --out %s, want %s", out, r.setupData())
				}
				if _, failed := p.file("setup.failed"); failed {
					t.Error("marker after a setup that passed")
				}
			})
			t.Run("setup fails", func(t *testing.T) {
				p := newPod(t, shell, setup, "FAKE_WRITE=", "FAKE_CODE=1")
				if code, _ := p.run(t, setup); code != 1 {
					t.Errorf("exit %d, want ramp's 1", code)
				}
				if m, _ := p.file("setup.failed"); m != "1" {
					t.Errorf("marker %q, want 1", m)
				}
				p.env = append(p.env, future)
				if code, stderr := p.run(t, wait); code != 1 || !strings.Contains(stderr, "setup failed (exit 1)") {
					t.Errorf("the segments' wait: exit %d, %q: want 1, setup failed", code, stderr)
				}
			})
			t.Run("data there", func(t *testing.T) {
				p := newPod(t, shell, wait, past)
				p.put(t, "setup.json", "{}")
				if code, stderr := p.run(t, wait); code != 0 {
					t.Errorf("exit %d\n%s", code, stderr)
				}
			})
			t.Run("data comes", func(t *testing.T) {
				p := newPod(t, shell, wait, future)
				time.AfterFunc(300*time.Millisecond, func() { p.put(t, "setup.json", "{}") })
				if code, stderr := p.run(t, wait); code != 0 {
					t.Errorf("exit %d\n%s", code, stderr)
				}
			})
			t.Run("start time passed", func(t *testing.T) {
				p := newPod(t, shell, wait, past)
				if code, stderr := p.run(t, wait); code != 1 || !strings.Contains(stderr, "at the start time") {
					t.Errorf("exit %d, %q: want 1, no setup data at the start time", code, stderr)
				}
				if m, _ := p.file("setup.failed"); m != "timeout" {
					t.Errorf("marker %q, want timeout: the merge must stop waiting too", m)
				}
			})
		})
	}
}

// The merge waits for the N snapshots; it stops at a failure marker or at its deadline,
// naming the segments missing.
func TestMergeWait(t *testing.T) {
	t.Parallel()
	for name, shell := range shells(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testRun(t, 3, false, false)
			wait := &decodeStrict(t, encode(t, r)).jobs[r.Name+"-merge"].Spec.Template.Spec.InitContainers[0]
			past := "RAMP_DEADLINE=" + strconv.FormatInt(time.Now().Add(-time.Second).Unix(), 10)
			future := "RAMP_DEADLINE=" + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
			for _, tc := range []struct {
				name     string
				deadline string
				files    []string
				later    []string // written after the wait began
				want     int
				stderr   string
			}{
				{"all there", past, []string{"segment-0.snap", "segment-1.snap", "segment-2.snap"}, nil, 0, ""},
				{"the last comes", future, []string{"segment-0.snap", "segment-1.snap"}, []string{"segment-2.snap"}, 0, ""},
				{"a segment failed", future, []string{"segment-0.snap", "segment-1.failed"}, nil, 1, "segment-1 failed (exit x); segments without a snapshot: 1 2"},
				{"setup failed", future, []string{"setup.failed"}, nil, 1, "setup failed"},
				{"deadline", past, []string{"segment-1.snap"}, nil, 1, "segments without a snapshot at the deadline: 0 2"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					p := newPod(t, shell, wait, tc.deadline)
					for _, f := range tc.files {
						p.put(t, f, "x")
					}
					if tc.later != nil {
						time.AfterFunc(300*time.Millisecond, func() {
							for _, f := range tc.later {
								p.put(t, f, "x")
							}
						})
					}
					code, stderr := p.run(t, wait)
					if code != tc.want || !strings.Contains(stderr, tc.stderr) {
						t.Errorf("exit %d, %q: want %d, %q", code, stderr, tc.want, tc.stderr)
					}
				})
			}
		})
	}
}

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/k8s"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// k8sFlags are the options of `ramp k8s`.
type k8sFlags struct {
	file         string
	parallelism  int
	image        string
	namespace    string
	vars         map[string]string
	output       string
	startIn      time.Duration
	startAt      string
	name         string
	pvc          string
	storageClass string
	storageSize  string
	regions      string
}

// The longest run name: Job names hold at most 63 characters, and the longest suffix
// (-segments) and a pod's index come after it.
const maxRunName = 45

// mergeSlack is how long after a test's planned end the merge still waits for snapshots.
const mergeSlack = 10 * time.Minute

// register adds `ramp k8s`'s flags to fs.
func (f *k8sFlags) register(fs *pflag.FlagSet) {
	f.vars = map[string]string{}
	fs.SortFlags = false
	fs.IntVar(&f.parallelism, "parallelism", 0, "run the test as `N` segments, one pod each (required)")
	fs.StringVar(&f.image, "image", "", "the container `IMAGE` holding ramp and a shell (the repository's Dockerfile; required)")
	fs.StringVar(&f.namespace, "namespace", "default", "the `NS` of every object")
	fs.VarP(varsFlag(f.vars), "env", "e", "set a variable the file reads as ${KEY}, here and in the pods (repeatable)")
	fs.StringVar(&f.output, "output", "", "write the manifests to `PATH` instead of stdout")
	fs.DurationVar(&f.startIn, "start-in", 2*time.Minute, "the segments start together this long (`D`) from now: apply the manifests before then")
	fs.StringVar(&f.startAt, "start-at", "", "the segments start together at `RFC3339` time (instead of --start-in)")
	fs.StringVar(&f.name, "name", "", "`NAME` prefixes the objects' names and names the results directory: new for each run (default ramp-FILE-STARTTIME)")
	fs.StringVar(&f.pvc, "pvc", "", "an existing ReadWriteMany PersistentVolumeClaim `NAME` for the results")
	fs.StringVar(&f.storageClass, "storage-class", "", "create the results claim (ReadWriteMany) of storage `CLASS` instead")
	fs.StringVar(&f.storageSize, "storage-size", "1Gi", "the `SIZE` of a claim created with --storage-class")
	fs.StringVar(&f.regions, "region-per-segment", "", "tag segment i with region i of this comma-separated `LIST` (--tag region=…)")
}

// finish checks the parsed flags and the positional arguments (the one scenario file).
func (f *k8sFlags) finish(fs *pflag.FlagSet, files []string) error {
	if len(files) != 1 {
		return fmt.Errorf("ramp k8s: name exactly one scenario file (got %d)", len(files))
	}
	f.file = files[0]
	set := map[string]bool{}
	fs.Visit(func(fl *pflag.Flag) { set[fl.Name] = true })
	var errs []error
	if f.parallelism < 1 {
		errs = append(errs, fmt.Errorf("--parallelism %d: want the number of segments, at least 1", f.parallelism))
	}
	if f.image == "" {
		errs = append(errs, errors.New("--image: name the image holding ramp (build it with the repository's Dockerfile)"))
	}
	switch {
	case f.pvc == "" && f.storageClass == "":
		errs = append(errs, errors.New("name the volume for the results: --pvc NAME (an existing ReadWriteMany claim) or --storage-class CLASS (a ReadWriteMany class to create one)"))
	case f.pvc != "" && f.storageClass != "":
		errs = append(errs, errors.New("--pvc and --storage-class are exclusive: use an existing claim or create one"))
	}
	if set["storage-size"] && f.storageClass == "" {
		errs = append(errs, errors.New("--storage-size sizes the claim that --storage-class creates"))
	}
	if set["start-at"] && set["start-in"] {
		errs = append(errs, errors.New("--start-at and --start-in are exclusive"))
	}
	if !set["start-at"] && f.startIn < 0 {
		errs = append(errs, fmt.Errorf("--start-in %v: must not be negative", f.startIn))
	}
	errs = append(errs, checkName("--namespace", f.namespace, validation.IsDNS1123Label)...)
	errs = append(errs, checkName("--pvc", f.pvc, validation.IsDNS1123Subdomain)...)
	errs = append(errs, checkName("--storage-class", f.storageClass, validation.IsDNS1123Subdomain)...)
	errs = append(errs, checkName("--name", f.name, isRunName)...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ramp k8s: %w", err)
	}
	return nil
}

// checkName checks a name the flag gives, if any.
func checkName(flag, name string, valid func(string) []string) []error {
	if name == "" {
		return nil
	}
	var errs []error
	for _, msg := range valid(name) {
		errs = append(errs, fmt.Errorf("%s %q: %s", flag, name, msg))
	}
	return errs
}

// isRunName checks a run's name: a DNS label short enough for every object's name.
func isRunName(name string) []string {
	msgs := validation.IsDNS1123Label(name)
	if len(name) > maxRunName {
		msgs = append(msgs, fmt.Sprintf("must be no more than %d characters", maxRunName))
	}
	return msgs
}

// k8sSpec is `ramp k8s`.
func k8sSpec(stdout, stderr io.Writer) spec {
	return spec{
		use:   "k8s FILE --parallelism N --image IMAGE (--pvc NAME | --storage-class CLASS) [flags]",
		files: scenarioFiles,
		short: "Kubernetes manifests of one test run as N segments, one verdict",
		long: `Write the Kubernetes manifests of one test run as N segments on N pods (an Indexed Job) that
start together, and a merge Job that judges them as one run: one summary, one HTML report,
one verdict (the merge Job's exit code).`,
		example: `  ramp k8s examples/constant-rate.yaml --parallelism 4 --image registry.example.com/ramp:1 \
      --namespace load --storage-class nfs-client -e BASE_URL=http://api:8080 > job.yaml
  kubectl apply --server-side -f job.yaml`,
		bind: func(fs *pflag.FlagSet) body {
			f := &k8sFlags{}
			f.register(fs)
			return func(args []string) int {
				if err := f.finish(fs, args); err != nil {
					fmt.Fprintln(stderr, err)
					return ExitUsage
				}
				return k8sCommand(f, stdout, stderr)
			}
		},
	}
}

// k8sCommand is `ramp k8s`: the manifests of a distributed run of one test (package k8s).
func k8sCommand(f *k8sFlags, stdout, stderr io.Writer) int {
	run, err := f.run(time.Now())
	if err != nil {
		var fe fileError
		if errors.As(err, &fe) {
			printFileError(stderr, f.file, fe.err)
		} else {
			fmt.Fprintln(stderr, "ramp k8s:", err)
		}
		return ExitUsage
	}
	objs, err := k8s.Manifests(run)
	if err != nil {
		fmt.Fprintln(stderr, "ramp k8s:", err)
		return ExitUsage
	}
	var b bytes.Buffer
	comment := fmt.Sprintf("ramp k8s %s: %d segments from %s, in namespace %s.\n"+
		"Apply before the start time: kubectl apply --server-side -f FILE\n"+
		"The verdict is the exit code of job/%s-merge; the results are in %s/%s on the claim.",
		filepath.Base(f.file), run.Segments, run.StartAt.UTC().Format(time.RFC3339), run.Namespace,
		run.Name, k8s.ResultsMount, run.Name)
	if err := k8s.Write(&b, comment, objs); err != nil {
		fmt.Fprintln(stderr, "ramp k8s:", err)
		return ExitUsage
	}
	if f.output == "" {
		if _, err := stdout.Write(b.Bytes()); err != nil {
			fmt.Fprintln(stderr, "ramp k8s:", err)
			return ExitFail
		}
	} else if err := outfile.WriteFile(f.output, b.Bytes()); err != nil {
		fmt.Fprintf(stderr, "ramp k8s: --output %s: %v\n", f.output, err)
		return ExitFail
	}
	when := fmt.Sprintf("in %v: apply the manifests before then", time.Until(run.StartAt).Round(time.Second))
	if time.Until(run.StartAt) <= 0 {
		when = "already past: each segment would start when its pod does, not together"
	}
	fmt.Fprintf(stderr, "ramp k8s: %s: %d segments start at %s (%s)\n",
		run.Name, run.Segments, run.StartAt.UTC().Format(time.RFC3339), when)
	return ExitPass
}

// fileError is a scenario file's error, printed with file:line:column.
type fileError struct{ err error }

func (e fileError) Error() string { return e.err.Error() }

// run compiles the file, packs it with its data files and says what the manifests run.
func (f *k8sFlags) run(now time.Time) (*k8s.Run, error) {
	env := map[string]string{}
	p, err := scenario.Load(f.file, f.vars, recordEnv(env))
	var extra []plan.Monitor
	if err == nil {
		extra, err = extraMonitors(f.vars)
	}
	if err == nil {
		// The checks a run makes before it sends anything, as `ramp validate` does.
		err = engine.Validate(p, engine.Options{Monitors: extra})
	}
	if err != nil {
		return nil, fileError{err}
	}
	source, err := os.ReadFile(f.file)
	if err != nil {
		return nil, err
	}
	var data []string
	for _, d := range p.Data {
		data = append(data, d.Path)
	}
	files, err := k8s.Pack(f.file, source, data)
	if err != nil {
		return nil, err
	}
	vars, err := podVars(f.vars, env, files)
	if err != nil {
		return nil, err
	}
	if err := checkInPods(files, vars, p.Data); err != nil {
		return nil, err
	}
	start := now.Add(f.startIn).Truncate(time.Second)
	if f.startAt != "" {
		if start, err = time.Parse(time.RFC3339, f.startAt); err != nil {
			return nil, fmt.Errorf("--start-at %q: want an RFC3339 time such as 2026-12-01T10:00:00Z", f.startAt)
		}
	}
	r := &k8s.Run{
		Name:         f.name,
		Namespace:    f.namespace,
		Image:        f.image,
		Segments:     f.parallelism,
		StartAt:      start,
		Deadline:     k8s.Deadline(p, start, mergeSlack),
		Written:      now,
		Files:        files,
		Vars:         files.Vars(vars, k8s.ScenarioMount),
		Setup:        p.Setup != nil,
		Claim:        f.pvc,
		StorageClass: f.storageClass,
	}
	if !r.Deadline.After(now) {
		return nil, fmt.Errorf("--start-at %s: the test would be over by now", f.startAt)
	}
	if r.Name == "" {
		r.Name = defaultRunName(f.file, start)
	}
	if f.storageClass != "" {
		if r.StorageSize, err = resource.ParseQuantity(f.storageSize); err != nil || r.StorageSize.Sign() <= 0 {
			return nil, fmt.Errorf("--storage-size %q: want a size such as 1Gi", f.storageSize)
		}
	}
	if f.regions != "" {
		r.Regions = strings.Split(f.regions, ",")
		if len(r.Regions) != f.parallelism {
			return nil, fmt.Errorf("--region-per-segment %q: %d regions for %d segments: name one per segment", f.regions, len(r.Regions), f.parallelism)
		}
		for _, reg := range r.Regions {
			if reg == "" || strings.ContainsAny(reg, "=, \t") {
				return nil, fmt.Errorf("--region-per-segment %q: region %q: want a name such as eu-west", f.regions, reg)
			}
		}
	}
	return r, nil
}

// podVars are the variables the pods compile the file with: the -e ones, and those the file
// read from this environment that name a data file (the pods do not have this environment).
// Any other variable read from the environment is refused: the pods would compile another
// test, and it is for the user to choose to write its value into the manifests with -e.
func podVars(vars, env map[string]string, files *k8s.Files) (map[string]string, error) {
	out := maps.Clone(vars)
	var unshipped []string
	for k, v := range env {
		if files.Ships(v) {
			out[k] = v
			continue
		}
		unshipped = append(unshipped, k)
	}
	if len(unshipped) > 0 {
		slices.Sort(unshipped)
		return nil, fmt.Errorf("the file reads %s from this shell's environment, which the pods do not have: "+
			"pass each with -e NAME=VALUE (the value is written into the manifests)", strings.Join(unshipped, ", "))
	}
	return out, nil
}

// checkInPods compiles the shipped scenario as a pod will — in a directory laid out as the
// ConfigMap's mount, with the pods' variables and no environment — and checks that each
// feeder reads the file shipped for it. A data path the layout cannot carry over (written
// absolute in the file, or built from a variable and more text) is refused here rather than
// in every pod.
func checkInPods(files *k8s.Files, vars map[string]string, want []plan.Feeder) error {
	dir, err := os.MkdirTemp("", "ramp-k8s-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, file := range files.List {
		p := filepath.Join(dir, filepath.FromSlash(file.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, file.Data, 0o644); err != nil {
			return err
		}
	}
	noEnv := func(string) (string, bool) { return "", false }
	got, err := scenario.Load(filepath.Join(dir, filepath.FromSlash(files.Scenario)), files.Vars(vars, dir), noEnv)
	if err != nil {
		return fmt.Errorf("the file does not compile as the pods will see it (below %s, with -e only): %w", k8s.ScenarioMount, err)
	}
	shipped := map[string]string{} // path on this machine → path in the pods
	for _, file := range files.List {
		shipped[file.From] = file.Path
	}
	for i, d := range want {
		rel, err := filepath.Rel(dir, got.Data[i].Path)
		if err != nil || !filepath.IsLocal(rel) || filepath.ToSlash(rel) != shipped[d.Path] {
			return fmt.Errorf("data %s: its file %s would not be found in the pods: "+
				"name it relative to the scenario file, or by a variable set with -e to the whole path", d.Name, d.Path)
		}
	}
	return nil
}

// notNameChar matches what a run's name may not hold.
var notNameChar = regexp.MustCompile(`[^a-z0-9-]+`)

// defaultRunName is ramp-FILE-STARTTIME, FILE cut to fit: a new name for each run, so that its
// Jobs and its results directory are its own.
func defaultRunName(file string, start time.Time) string {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	base = strings.Trim(notNameChar.ReplaceAllString(base, "-"), "-")
	stamp := start.UTC().Format("20060102-150405")
	base = strings.Trim(base[:min(len(base), maxRunName-len("ramp--")-len(stamp))], "-")
	if base == "" {
		return "ramp-" + stamp
	}
	return "ramp-" + base + "-" + stamp
}

package k8s

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ramp-dev/ramp/internal/plan"
)

// objects are the documents of a manifest stream, each decoded strictly into its k8s.io/api
// type.
type objects struct {
	configMap *corev1.ConfigMap
	claim     *corev1.PersistentVolumeClaim
	jobs      map[string]*batchv1.Job // by name
	kinds     []string                // in stream order
}

// decodeStrict splits a YAML stream at its "---" lines and decodes every document into the
// type its kind names, failing on any field the type does not have (and on a duplicate
// field), as the API server's strict field validation does.
func decodeStrict(t *testing.T, stream []byte) objects {
	t.Helper()
	got := objects{jobs: map[string]*batchv1.Job{}}
	for i, doc := range splitDocuments(stream) {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var err error
		switch head.APIVersion + " " + head.Kind {
		case "v1 ConfigMap":
			if got.configMap != nil {
				t.Fatalf("document %d: a second ConfigMap", i)
			}
			got.configMap = &corev1.ConfigMap{}
			err = yaml.UnmarshalStrict(doc, got.configMap)
		case "v1 PersistentVolumeClaim":
			if got.claim != nil {
				t.Fatalf("document %d: a second PersistentVolumeClaim", i)
			}
			got.claim = &corev1.PersistentVolumeClaim{}
			err = yaml.UnmarshalStrict(doc, got.claim)
		case "batch/v1 Job":
			j := &batchv1.Job{}
			err = yaml.UnmarshalStrict(doc, j)
			if got.jobs[j.Name] != nil {
				t.Fatalf("document %d: a second Job %s", i, j.Name)
			}
			got.jobs[j.Name] = j
		default:
			t.Fatalf("document %d: unexpected %q %q:\n%s", i, head.APIVersion, head.Kind, doc)
		}
		if err != nil {
			t.Fatalf("document %d (%s) does not decode strictly: %v\n%s", i, head.Kind, err, doc)
		}
		got.kinds = append(got.kinds, head.Kind)
	}
	return got
}

// splitDocuments splits a YAML stream at its "---" lines, dropping documents that hold only
// comments.
func splitDocuments(stream []byte) [][]byte {
	var docs [][]byte
	for _, doc := range bytes.Split(append([]byte("\n"), stream...), []byte("\n---\n")) {
		content := false
		for _, line := range strings.Split(string(doc), "\n") {
			if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
				content = true
			}
		}
		if content {
			docs = append(docs, doc)
		}
	}
	return docs
}

// The strict decoder is strict: a field the type has not, however well placed, fails.
func TestDecodeStrictRefusesUnknownFields(t *testing.T) {
	t.Parallel()
	r := testRun(t, 2, true, true)
	stream := encode(t, r)
	for _, bad := range []struct{ name, from, to string }{
		{"unknown field", "  completionMode: Indexed\n", "  completionMode: Indexed\n  completionsMode: Indexed\n"},
		{"duplicate field", "  completionMode: Indexed\n", "  completionMode: Indexed\n  completionMode: NonIndexed\n"},
		{"wrong type", "  completions: 2\n", "  completions: two\n"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if !bytes.Contains(stream, []byte(bad.from)) {
				t.Fatalf("no %q in the manifests", bad.from)
			}
			doc := bytes.Replace(stream, []byte(bad.from), []byte(bad.to), 1)
			var job batchv1.Job
			for _, d := range splitDocuments(doc) {
				if bytes.Contains(d, []byte(strings.TrimSpace(bad.to))) {
					if err := yaml.UnmarshalStrict(d, &job); err == nil {
						t.Errorf("decoded strictly despite the %s", bad.name)
					}
					return
				}
			}
			t.Fatal("the changed document is missing")
		})
	}
}

// The manifests of N = 1, 2 and 4 segments, for a file with and without data files and with
// and without setup, decode strictly and are wired as designed.
func TestManifests(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 4} {
		for _, tc := range []struct {
			name        string
			data, setup bool
			claim       bool // an existing claim instead of one created
		}{
			{name: "plain"},                               // the scenario alone
			{name: "data", data: true, claim: true},       // data files beside, below and above the scenario
			{name: "setup", setup: true},                  // a setup Job, its data waited for
			{name: "data+setup", data: true, setup: true}, // both
			{name: "data+setup+claim", data: true, setup: true, claim: true},
		} {
			t.Run(fmt.Sprintf("N=%d/%s", n, tc.name), func(t *testing.T) {
				t.Parallel()
				r := testRun(t, n, tc.data, tc.setup)
				if tc.claim {
					r.Claim, r.StorageClass = "shared-results", ""
				}
				checkWiring(t, r, decodeStrict(t, encode(t, r)))
			})
		}
	}
}

// checkWiring checks that the objects do what r says.
func checkWiring(t *testing.T, r *Run, got objects) {
	t.Helper()
	results := "/results/" + r.Name
	n := r.Segments

	// The objects, in the order they must be applied, all in the namespace and labelled.
	wantKinds := []string{"ConfigMap"}
	if r.Claim == "" {
		wantKinds = append(wantKinds, "PersistentVolumeClaim")
	}
	if r.Setup {
		wantKinds = append(wantKinds, "Job")
	}
	wantKinds = append(wantKinds, "Job", "Job")
	if !slices.Equal(got.kinds, wantKinds) {
		t.Fatalf("objects %v, want %v", got.kinds, wantKinds)
	}
	metas := map[string]string{got.configMap.Name: got.configMap.Namespace}
	checkObject(t, got.configMap.Name, got.configMap.Namespace, got.configMap.Labels, r)
	if got.claim != nil {
		checkObject(t, got.claim.Name, got.claim.Namespace, got.claim.Labels, r)
	}
	for name, j := range got.jobs {
		checkObject(t, name, j.Namespace, j.Labels, r)
		metas[name] = j.Namespace
		if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 {
			t.Errorf("job %s: backoffLimit %v, want 0", name, j.Spec.BackoffLimit)
		}
		if want := int64(r.Deadline.Sub(r.Written)/time.Second) + 300; j.Spec.ActiveDeadlineSeconds == nil || *j.Spec.ActiveDeadlineSeconds != want {
			t.Errorf("job %s: activeDeadlineSeconds %v, want %d: to the merge's deadline, and 5 minutes to merge", name, deref(j.Spec.ActiveDeadlineSeconds), want)
		}
		if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("job %s: restartPolicy %q", name, j.Spec.Template.Spec.RestartPolicy)
		}
		checkPod(t, name, &j.Spec.Template.Spec, r, got)
	}

	// The ConfigMap holds the scenario and every data file, each byte for byte.
	cm := got.configMap
	if len(cm.Data)+len(cm.BinaryData) != len(r.Files.List) {
		t.Errorf("ConfigMap holds %d files, want %d", len(cm.Data)+len(cm.BinaryData), len(r.Files.List))
	}
	for _, f := range r.Files.List {
		data, ok := cm.Data[f.Key]
		if b, bin := cm.BinaryData[f.Key]; bin {
			data, ok = string(b), true
		}
		if !ok || data != string(f.Data) {
			t.Errorf("ConfigMap key %q: %d bytes (present %v), want %s's %d", f.Key, len(data), ok, f.From, len(f.Data))
		}
		if msgs := validation.IsConfigMapKey(f.Key); len(msgs) > 0 {
			t.Errorf("ConfigMap key %q: %v", f.Key, msgs)
		}
	}

	// The claim: ReadWriteMany, since pods on many nodes write to it.
	if got.claim != nil {
		if got.claim.Name != r.Name+"-results" || !slices.Equal(got.claim.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) ||
			got.claim.Spec.StorageClassName == nil || *got.claim.Spec.StorageClassName != r.StorageClass ||
			got.claim.Spec.Resources.Requests.Storage().Cmp(r.StorageSize) != 0 {
			t.Errorf("claim %+v", got.claim.Spec)
		}
	}

	// The setup Job: ramp setup of the shipped file, its data to the shared volume.
	setup := got.jobs[r.Name+"-setup"]
	if r.Setup != (setup != nil) {
		t.Fatalf("setup Job present %v, want %v", setup != nil, r.Setup)
	}
	if setup != nil {
		c := onlyContainer(t, setup)
		wantArgs := append([]string{"setup", "/scenario/" + r.Files.Scenario, "--out", results + "/setup.json"}, varArgs(r.Vars)...)
		if !slices.Equal(c.Args, wantArgs) {
			t.Errorf("setup args %q, want %q", c.Args, wantArgs)
		}
	}

	// The segments Job: Indexed, N pods at once, each the same arguments but its index.
	seg := got.jobs[r.Name+"-segments"]
	if seg == nil {
		t.Fatal("no segments Job")
	}
	if seg.Spec.CompletionMode == nil || *seg.Spec.CompletionMode != batchv1.IndexedCompletion ||
		seg.Spec.Completions == nil || *seg.Spec.Completions != int32(n) || seg.Spec.Parallelism == nil || *seg.Spec.Parallelism != int32(n) {
		t.Errorf("segments Job: completionMode %v completions %v parallelism %v, want Indexed %d %d",
			deref(seg.Spec.CompletionMode), deref(seg.Spec.Completions), deref(seg.Spec.Parallelism), n, n)
	}
	c := onlyContainer(t, seg)
	start := r.StartAt.UTC().Format(time.RFC3339)
	wantArgs := []string{"run", "/scenario/" + r.Files.Scenario, "--execution-segment-sequence", Sequence(n), "--start-at", start, "--quiet", "--no-summary"}
	if r.Setup {
		wantArgs = append(wantArgs, "--setup-data", results+"/setup.json")
	}
	wantArgs = append(wantArgs, varArgs(r.Vars)...)
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("segment args %q\nwant %q", c.Args, wantArgs)
	}
	if got := env(t, c, envSequence); got != Sequence(n) {
		t.Errorf("the script's sequence %q, the arguments' %q", got, Sequence(n))
	}
	checkSequence(t, Sequence(n), n)
	idx := envVar(t, c, envIndex)
	if idx.ValueFrom == nil || idx.ValueFrom.FieldRef == nil || idx.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("%s from %+v, want the completion index annotation", envIndex, idx.ValueFrom)
	}
	waits := seg.Spec.Template.Spec.InitContainers
	if r.Setup {
		if len(waits) != 1 || env(t, &waits[0], envDeadline) != strconv.FormatInt(r.StartAt.Unix(), 10) || waits[0].Command[2] != waitSetupScript {
			t.Errorf("segments' init containers %+v: want one waiting for setup until the start", waits)
		}
	} else if len(waits) != 0 {
		t.Errorf("segments wait for %d init containers without a setup", len(waits))
	}

	// The merge Job: waits for the N snapshots, then merges exactly those.
	merge := got.jobs[r.Name+"-merge"]
	if merge == nil {
		t.Fatal("no merge Job")
	}
	mc := onlyContainer(t, merge)
	wantArgs = []string{"merge"}
	for i := range n {
		wantArgs = append(wantArgs, fmt.Sprintf("%s/segment-%d.snap", results, i))
	}
	wantArgs = append(wantArgs, "--summary-export", results+"/summary.json", "--report", results+"/load-test-report.html")
	if !slices.Equal(mc.Command, []string{"ramp"}) || !slices.Equal(mc.Args, wantArgs) {
		t.Errorf("merge %q %q\nwant [ramp] %q", mc.Command, mc.Args, wantArgs)
	}
	mw := merge.Spec.Template.Spec.InitContainers
	if len(mw) != 1 || mw[0].Command[2] != waitSnapshotsScript || env(t, &mw[0], envSegments) != strconv.Itoa(n) ||
		env(t, &mw[0], envDeadline) != strconv.FormatInt(r.Deadline.Unix(), 10) {
		t.Errorf("merge init containers %+v: want one waiting for %d snapshots until the deadline", mw, n)
	}
}

// checkObject checks an object's name, namespace and labels.
func checkObject(t *testing.T, name, namespace string, labels map[string]string, r *Run) {
	t.Helper()
	if namespace != r.Namespace {
		t.Errorf("%s: namespace %q, want %q", name, namespace, r.Namespace)
	}
	if !strings.HasPrefix(name, r.Name+"-") || len(validation.IsDNS1123Label(name)) > 0 {
		t.Errorf("%s: want a DNS label (Job names are label values) starting %s-", name, r.Name)
	}
	if labels["app.kubernetes.io/instance"] != r.Name {
		t.Errorf("%s: labels %v", name, labels)
	}
	for k, v := range labels {
		if len(validation.IsQualifiedName(k)) > 0 || len(validation.IsValidLabelValue(v)) > 0 {
			t.Errorf("%s: label %s=%s invalid", name, k, v)
		}
	}
}

// checkPod checks a pod's containers against its volumes: every mount names a volume, every
// volume is mounted, the ConfigMap's items and the claim are the run's, and every container
// runs as the run's results directory says.
func checkPod(t *testing.T, job string, pod *corev1.PodSpec, r *Run, got objects) {
	t.Helper()
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounted := map[string]bool{}
	names := map[string]bool{}
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		if names[c.Name] || len(validation.IsDNS1123Label(c.Name)) > 0 {
			t.Errorf("%s: container name %q repeated or invalid", job, c.Name)
		}
		names[c.Name] = true
		if c.Image != r.Image {
			t.Errorf("%s/%s: image %q", job, c.Name, c.Image)
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				t.Errorf("%s/%s mounts %q: no such volume", job, c.Name, m.Name)
			}
			mounted[m.Name] = true
		}
		paths := map[string]string{}
		for _, m := range c.VolumeMounts {
			paths[m.MountPath] = m.Name
		}
		if paths[ScenarioMount] != volScenario || paths[ResultsMount] != volResults {
			t.Errorf("%s/%s mounts %v", job, c.Name, paths)
		}
		for _, e := range c.Env {
			if len(validation.IsEnvVarName(e.Name)) > 0 {
				t.Errorf("%s/%s: env %q", job, c.Name, e.Name)
			}
		}
		if got := env(t, &c, envResults); got != "/results/"+r.Name {
			t.Errorf("%s/%s: %s=%q", job, c.Name, envResults, got)
		}
		if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			t.Errorf("%s/%s may escalate privileges", job, c.Name)
		}
	}
	for name := range volumes {
		if !mounted[name] {
			t.Errorf("%s: volume %q is mounted by no container", job, name)
		}
	}
	cmv := volumes[volScenario].ConfigMap
	if cmv == nil || cmv.Name != got.configMap.Name {
		t.Fatalf("%s: scenario volume %+v, want ConfigMap %s", job, volumes[volScenario], got.configMap.Name)
	}
	if len(cmv.Items) != len(r.Files.List) {
		t.Errorf("%s: %d ConfigMap items for %d files", job, len(cmv.Items), len(r.Files.List))
	}
	for i, it := range cmv.Items {
		f := r.Files.List[i]
		_, text := got.configMap.Data[it.Key]
		_, bin := got.configMap.BinaryData[it.Key]
		if it.Key != f.Key || it.Path != f.Path || !(text || bin) || path.IsAbs(it.Path) || slices.Contains(strings.Split(it.Path, "/"), "..") {
			t.Errorf("%s: item %+v, want key %q at %q, in the ConfigMap, below the mount", job, it, f.Key, f.Path)
		}
	}
	claim := r.Claim
	if claim == "" {
		claim = got.claim.Name
	}
	if pvc := volumes[volResults].PersistentVolumeClaim; pvc == nil || pvc.ClaimName != claim {
		t.Errorf("%s: results volume %+v, want claim %s", job, volumes[volResults], claim)
	}
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.FSGroup == nil {
		t.Errorf("%s: pod security %+v: want non-root with an fsGroup for the shared volume", job, sc)
	}
}

// checkSequence checks that a segment sequence cuts 0..1 into n equal parts.
func checkSequence(t *testing.T, seq string, n int) {
	t.Helper()
	parts := strings.Split(seq, ",")
	if len(parts) != n+1 {
		t.Fatalf("sequence %q: %d points, want %d", seq, len(parts), n+1)
	}
	step := big.NewRat(1, int64(n))
	prev := new(big.Rat)
	for i, p := range parts {
		r, ok := new(big.Rat).SetString(p)
		if !ok {
			t.Fatalf("sequence %q: %q is not a fraction", seq, p)
		}
		if i == 0 && r.Sign() != 0 || i > 0 && new(big.Rat).Sub(r, prev).Cmp(step) != 0 {
			t.Errorf("sequence %q: point %d is %s after %s, want steps of %s from 0", seq, i, r.RatString(), prev.RatString(), step.RatString())
		}
		prev = r
	}
	if prev.Cmp(big.NewRat(1, 1)) != 0 {
		t.Errorf("sequence %q ends at %s, want 1", seq, prev.RatString())
	}
}

func TestSequence(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "0,1"},
		{2, "0,1/2,1"},
		{3, "0,1/3,2/3,1"},
		{4, "0,1/4,1/2,3/4,1"},
	} {
		if got := Sequence(tc.n); got != tc.want {
			t.Errorf("Sequence(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	for n := 1; n <= 16; n++ {
		checkSequence(t, Sequence(n), n)
	}
}

// The merge waits until the longest scenario's end, graceful stop and teardown included.
func TestDeadline(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p := &plan.Plan{
		Scenarios: []plan.Scenario{
			{Name: "a", Executor: plan.ConstantVUs, VUs: 1, Duration: time.Minute, GracefulStop: 30 * time.Second},
			{Name: "b", Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, PreAllocatedVUs: 1, MaxVUs: 1,
				StartTime: time.Minute, Duration: 2 * time.Minute, GracefulStop: 30 * time.Second},
		},
		Options: plan.Options{TeardownTimeout: time.Minute},
	}
	got := Deadline(p, start, 10*time.Minute)
	if want := start.Add(3*time.Minute + 30*time.Second + time.Minute + 10*time.Minute); !got.Equal(want) {
		t.Errorf("Deadline = %v, want %v", got, want)
	}
}

// Manifests refuses what it cannot wire.
func TestManifestsRefuse(t *testing.T) {
	t.Parallel()
	r := testRun(t, 2, false, false)
	r.Segments = 0
	if _, err := Manifests(r); err == nil {
		t.Error("0 segments accepted")
	}
	r.Segments, r.Regions = 2, []string{"eu-west"}
	if _, err := Manifests(r); err == nil {
		t.Error("1 region for 2 segments accepted")
	}
	r.Regions, r.Written = nil, r.Deadline
	if _, err := Manifests(r); err == nil {
		t.Error("a deadline before the manifests were written accepted")
	}
}

// testRun is a run of n segments of a scenario written to a temporary directory, with data
// files (beside it, in a subdirectory, above it, two with one name, one not UTF-8) and a
// setup when asked.
func testRun(t *testing.T, n int, data, setup bool) *Run {
	t.Helper()
	root := t.TempDir()
	scenario := write(t, root, "tests/checkout.yaml", "scenarios: {}\n")
	var files []string
	if data {
		files = []string{
			write(t, root, "tests/tokens.csv", "user,token\nu1,t1\n"),
			write(t, root, "tests/data/users.json", `[{"id": 1}]`),
			write(t, root, "shared/tokens.csv", "user,token\nu2,t2\n"),
			write(t, root, "shared/blob.csv", "a\n\xff\xfe\n"),
		}
	}
	source, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Pack(scenario, source, files)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return &Run{
		Name:         "ramp-checkout-20261201-100000",
		Namespace:    "load",
		Image:        "registry.example/ramp:v1",
		Segments:     n,
		StartAt:      start,
		Deadline:     start.Add(time.Hour),
		Written:      start.Add(-2 * time.Minute),
		Files:        f,
		Vars:         map[string]string{"RATE": "100", "BASE_URL": "http://api.load.svc:8080"},
		Setup:        setup,
		StorageClass: "nfs-client",
		StorageSize:  resource.MustParse("2Gi"),
	}
}

func encode(t *testing.T, r *Run) []byte {
	t.Helper()
	objs, err := Manifests(r)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, "a test run\n\nof checkout", objs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func onlyContainer(t *testing.T, j *batchv1.Job) *corev1.Container {
	t.Helper()
	if len(j.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("job %s: %d containers, want 1", j.Name, len(j.Spec.Template.Spec.Containers))
	}
	return &j.Spec.Template.Spec.Containers[0]
}

func envVar(t *testing.T, c *corev1.Container, name string) corev1.EnvVar {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name {
			return e
		}
	}
	t.Errorf("container %s: no %s", c.Name, name)
	return corev1.EnvVar{}
}

func env(t *testing.T, c *corev1.Container, name string) string {
	t.Helper()
	return envVar(t, c, name).Value
}

func varArgs(vars map[string]string) []string {
	return (&Run{Vars: vars}).varArgs()
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

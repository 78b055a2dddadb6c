package k8s

import (
	"bytes"
	"fmt"
	"io"
	"math/big"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// Where the pods mount the scenario's ConfigMap and the shared volume.
const (
	ScenarioMount = "/scenario"
	ResultsMount  = "/results"
)

// The user and group the containers run as: distroless's nonroot, as the Dockerfile's image.
// The shared volume is made writable for the group (fsGroup).
const runAs = 65532

// mergeTime is how long the merge may take once the snapshots are there.
const mergeTime = 5 * time.Minute

// The suffixes of the objects' names, after Run.Name.
const (
	suffixConfigMap = "-scenario"
	suffixClaim     = "-results"
	suffixSetup     = "-setup"
	suffixSegments  = "-segments"
	suffixMerge     = "-merge"
)

// Run is one distributed run of a test: everything its manifests say.
type Run struct {
	// Name prefixes every object's name and names the run's directory on the shared volume.
	Name      string
	Namespace string
	// Image holds ramp (on the PATH) and a POSIX shell: the Dockerfile's.
	Image string
	// Segments is N: the segments Job's completions and parallelism.
	Segments int
	// StartAt is when every segment begins its load.
	StartAt time.Time
	// Deadline is when the merge stops waiting for the segments' snapshots (see Deadline).
	Deadline time.Time
	// Written is when the manifests were written. Every Job ends by Deadline plus
	// mergeTime after it was written (activeDeadlineSeconds, counted from the Job's start,
	// which comes later): a pod that never starts (an image that cannot be pulled, a claim
	// that does not bind) fails its Job instead of leaving it, and whoever waits, waiting.
	Written time.Time
	// Files are the scenario and its data files, mounted at ScenarioMount.
	Files *Files
	// Vars are the -e variables of every ramp command, as the pods must see them (Files.Vars).
	Vars map[string]string
	// Setup says the file has a setup flow: a setup Job runs it once, before the segments.
	Setup bool
	// Claim names an existing ReadWriteMany PersistentVolumeClaim for the results; when empty,
	// one is created of StorageClass, StorageSize large.
	Claim        string
	StorageClass string
	StorageSize  resource.Quantity
	// Regions, when set, tags segment i with region Regions[i] (--tag region=…).
	Regions []string
}

// Deadline is when the merge of a test that starts at start stops waiting for snapshots: at
// the end of its longest scenario (graceful stops included) and teardown, with slack for pods
// that started late and for writing the snapshots.
func Deadline(p *plan.Plan, start time.Time, slack time.Duration) time.Time {
	var longest time.Duration
	for _, sc := range p.Scenarios {
		longest = max(longest, executor.TotalDuration(sc, true))
	}
	return start.Add(longest + p.Options.TeardownTimeout + slack)
}

// Sequence is the execution segment sequence of n equal segments, "0,1/4,1/2,3/4,1" for 4.
func Sequence(n int) string {
	parts := make([]string, n+1)
	for i := range parts {
		parts[i] = big.NewRat(int64(i), int64(n)).RatString()
	}
	return strings.Join(parts, ",")
}

// Manifests returns the run's objects, in the order they are applied: the ConfigMap, the
// PersistentVolumeClaim when it is created here, the setup Job when there is a setup, the
// segments Job and the merge Job.
func Manifests(r *Run) ([]runtime.Object, error) {
	if r.Segments < 1 {
		return nil, fmt.Errorf("k8s: %d segments: want at least 1", r.Segments)
	}
	if !r.Written.Before(r.Deadline) {
		return nil, fmt.Errorf("k8s: the merge's deadline %v is not after the manifests' writing %v", r.Deadline, r.Written)
	}
	if len(r.Regions) > 0 && len(r.Regions) != r.Segments {
		return nil, fmt.Errorf("k8s: %d regions for %d segments: want one per segment", len(r.Regions), r.Segments)
	}
	objs := []runtime.Object{r.configMap()}
	if r.Claim == "" {
		objs = append(objs, r.claim())
	}
	if r.Setup {
		objs = append(objs, r.setupJob())
	}
	return append(objs, r.segmentsJob(), r.mergeJob()), nil
}

// Write writes objects as one YAML stream, the documents separated by "---", after a comment
// that says what they are.
func Write(w io.Writer, comment string, objs []runtime.Object) error {
	var b bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(comment, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// results is the run's directory on the shared volume.
func (r *Run) results() string { return path.Join(ResultsMount, r.Name) }

func (r *Run) configMap() *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: r.meta(suffixConfigMap, "scenario"),
	}
	for _, f := range r.Files.List {
		if utf8.Valid(f.Data) {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[f.Key] = string(f.Data)
		} else {
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[f.Key] = f.Data
		}
	}
	return cm
}

func (r *Run) claim() *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: r.meta(suffixClaim, "results"),
		Spec: corev1.PersistentVolumeClaimSpec{
			// Every segment's pod writes its snapshot, on whichever node it runs.
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: r.StorageSize}},
		},
	}
	if r.StorageClass != "" {
		pvc.Spec.StorageClassName = &r.StorageClass
	}
	return pvc
}

// setupJob runs `ramp setup FILE --out RESULTS/setup.json` once.
func (r *Run) setupJob() *batchv1.Job {
	args := append([]string{"setup", r.scenarioPath(), "--out", r.setupData()}, r.varArgs()...)
	c := r.container("setup", setupScript, args, nil)
	return r.job(suffixSetup, "setup", r.pod("setup", []corev1.Container{c}, nil), nil)
}

// segmentsJob is the Indexed Job whose pod i runs segment i of the sequence, all from the
// same start time, each writing its snapshot to the shared volume.
func (r *Run) segmentsJob() *batchv1.Job {
	args := []string{"run", r.scenarioPath(),
		"--execution-segment-sequence", Sequence(r.Segments),
		"--start-at", r.StartAt.UTC().Format(time.RFC3339),
		"--quiet", "--no-summary"}
	if r.Setup {
		args = append(args, "--setup-data", r.setupData())
	}
	args = append(args, r.varArgs()...)
	env := []corev1.EnvVar{
		// The Job controller sets it too; said here, the manifest shows where it comes from.
		{Name: envIndex, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation)}}},
		{Name: envSequence, Value: Sequence(r.Segments)},
	}
	if len(r.Regions) > 0 {
		env = append(env, corev1.EnvVar{Name: envRegions, Value: strings.Join(r.Regions, ",")})
	}
	c := r.container("segment", segmentScript, args, env)
	var init []corev1.Container
	if r.Setup {
		init = append(init, r.container("wait-for-setup", waitSetupScript, nil,
			[]corev1.EnvVar{{Name: envDeadline, Value: unix(r.StartAt)}}))
	}
	pod := r.pod("segment", []corev1.Container{c}, init)
	// Segments on different nodes, where the cluster has them: one machine's limits are what
	// a distributed run is for.
	pod.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: r.labels("segment")},
				TopologyKey:   corev1.LabelHostname,
			},
		}},
	}}
	indexed := batchv1.IndexedCompletion
	n := int32(r.Segments)
	return r.job(suffixSegments, "segment", pod, func(s *batchv1.JobSpec) {
		s.CompletionMode = &indexed
		s.Completions = &n
		s.Parallelism = &n
	})
}

// mergeJob waits for every segment's snapshot, then runs `ramp merge`: one summary, one
// report, and the verdict as its exit code.
func (r *Run) mergeJob() *batchv1.Job {
	args := []string{"merge"}
	for i := range r.Segments {
		args = append(args, path.Join(r.results(), "segment-"+strconv.Itoa(i)+".snap"))
	}
	args = append(args,
		"--summary-export", path.Join(r.results(), "summary.json"),
		"--report", path.Join(r.results(), "load-test-report.html"))
	c := r.container("merge", "", args, nil)
	wait := r.container("wait-for-segments", waitSnapshotsScript, nil, []corev1.EnvVar{
		{Name: envSegments, Value: strconv.Itoa(r.Segments)},
		{Name: envDeadline, Value: unix(r.Deadline)},
	})
	return r.job(suffixMerge, "merge", r.pod("merge", []corev1.Container{c}, []corev1.Container{wait}), nil)
}

// job is a Job that runs its pod once: a failed pod fails it (backoffLimit 0), since a load
// test run again is another test.
func (r *Run) job(suffix, component string, pod corev1.PodTemplateSpec, spec func(*batchv1.JobSpec)) *batchv1.Job {
	j := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: r.meta(suffix, component),
		Spec: batchv1.JobSpec{
			BackoffLimit:          new(int32(0)),
			ActiveDeadlineSeconds: new(r.activeDeadline()),
			Template:              pod,
		},
	}
	if spec != nil {
		spec(&j.Spec)
	}
	return j
}

// The pods' volumes.
const (
	volScenario = "scenario"
	volResults  = "results"
	volTmp      = "tmp"
)

// pod is a pod template that mounts the scenario, the shared volume and a scratch /tmp, and
// runs as an unprivileged user (the restricted Pod Security Standard).
func (r *Run) pod(component string, containers, init []corev1.Container) corev1.PodTemplateSpec {
	items := make([]corev1.KeyToPath, len(r.Files.List))
	for i, f := range r.Files.List {
		items[i] = corev1.KeyToPath{Key: f.Key, Path: f.Path}
	}
	claim := r.Claim
	if claim == "" {
		claim = r.Name + suffixClaim
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: r.labels(component)},
		Spec: corev1.PodSpec{
			RestartPolicy:  corev1.RestartPolicyNever,
			InitContainers: init,
			Containers:     containers,
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   new(true),
				RunAsUser:      new(int64(runAs)),
				RunAsGroup:     new(int64(runAs)),
				FSGroup:        new(int64(runAs)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Volumes: []corev1.Volume{
				{Name: volScenario, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: r.Name + suffixConfigMap},
					Items:                items,
				}}},
				{Name: volResults, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}},
				{Name: volTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
		},
	}
}

// container runs ramp with args: through `sh -c script` when script is set (the arguments
// then are the script's "$@"), else directly. Every container sees the run's results
// directory as RAMP_RESULTS.
func (r *Run) container(name, script string, args []string, env []corev1.EnvVar) corev1.Container {
	c := corev1.Container{
		Name:  name,
		Image: r.Image,
		Args:  args,
		Env:   append([]corev1.EnvVar{{Name: envResults, Value: r.results()}}, env...),
		VolumeMounts: []corev1.VolumeMount{
			{Name: volScenario, MountPath: ScenarioMount, ReadOnly: true},
			{Name: volResults, MountPath: ResultsMount},
			{Name: volTmp, MountPath: "/tmp"},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: new(false),
			ReadOnlyRootFilesystem:   new(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
	if script != "" {
		c.Command = []string{"sh", "-c", script, "ramp-" + name}
	} else {
		c.Command = []string{"ramp"}
	}
	return c
}

// meta names an object of the run and labels it.
func (r *Run) meta(suffix, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: r.Name + suffix, Namespace: r.Namespace, Labels: r.labels(component)}
}

// labels are the recommended labels: every object of a run carries its name as instance.
func (r *Run) labels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "ramp",
		"app.kubernetes.io/instance":  r.Name,
		"app.kubernetes.io/component": component,
	}
}

func (r *Run) scenarioPath() string { return path.Join(ScenarioMount, r.Files.Scenario) }
func (r *Run) setupData() string    { return path.Join(r.results(), "setup.json") }

// varArgs are the -e arguments, sorted by name.
func (r *Run) varArgs() []string {
	keys := make([]string, 0, len(r.Vars))
	for k := range r.Vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var args []string
	for _, k := range keys {
		args = append(args, "-e", k+"="+r.Vars[k])
	}
	return args
}

// activeDeadline is every Job's activeDeadlineSeconds: from the manifests' writing to the
// merge's deadline and the merge itself, in whole seconds.
func (r *Run) activeDeadline() int64 {
	return int64((r.Deadline.Sub(r.Written) + mergeTime + time.Second - 1) / time.Second)
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

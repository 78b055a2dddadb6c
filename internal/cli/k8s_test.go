package cli

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// k8sScenario reads two data files: one beside it by a literal relative path, one through a
// variable; and it has a setup.
const k8sScenario = constantRate + `data:
  users: { file: data/users.csv }
  tokens: { file: "${TOKENS_CSV}" }
setup:
  - request: { url: "${BASE_URL}/login" }
`

// k8sFiles writes k8sScenario in dir/tests with data/users.csv below it, and tokens.csv in
// dir, outside the scenario's directory; it returns the scenario's and the tokens' paths.
func k8sFiles(t *testing.T) (file, tokens string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"tests/k8s.yaml":           k8sScenario,
		"tests/data/users.csv":     "user\nu1\n",
		"tokens.csv":               "token\nt1\n",
		"tests/absolute-data.yaml": strings.Replace(k8sScenario, "data/users.csv", filepath.Join(dir, "tests/data/users.csv"), 1),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "tests", "k8s.yaml"), filepath.Join(dir, "tokens.csv")
}

// decodeManifests decodes every document strictly (unknown fields fail) into the ConfigMap
// and the Jobs by name.
func decodeManifests(t *testing.T, stream string) (*corev1.ConfigMap, map[string]*batchv1.Job) {
	t.Helper()
	var cm *corev1.ConfigMap
	jobs := map[string]*batchv1.Job{}
	for _, doc := range strings.Split(stream, "\n---\n")[1:] {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		var err error
		switch head.Kind {
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			err = yaml.UnmarshalStrict([]byte(doc), cm)
		case "Job":
			j := &batchv1.Job{}
			err = yaml.UnmarshalStrict([]byte(doc), j)
			jobs[j.Name] = j
		default:
			err = yaml.UnmarshalStrict([]byte(doc), &corev1.PersistentVolumeClaim{})
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", head.Kind, err, doc)
		}
	}
	return cm, jobs
}

// ramp k8s ships the scenario and its data files so that the pods find them: the literal
// relative path unchanged, the variable's absolute path rewritten to the mount.
func TestK8sShipsScenarioAndData(t *testing.T) {
	file, tokens := k8sFiles(t)
	code, stdout, stderr := runRamp(context.Background(), "k8s", file, "--parallelism", "2", "--image", "ramp:test",
		"--namespace", "load", "--pvc", "results", "--start-at", "2099-12-01T10:00:00Z",
		"-e", "BASE_URL=http://api:8080", "-e", "TOKENS_CSV="+tokens)
	if code != ExitPass {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	cm, jobs := decodeManifests(t, stdout)
	name := "ramp-k8s-20991201-100000"
	if cm == nil || cm.Name != name+"-scenario" || cm.Namespace != "load" {
		t.Fatalf("ConfigMap %+v", cm)
	}
	want := map[string]string{"k8s.yaml": k8sScenario, "users.csv": "user\nu1\n", "tokens.csv": "token\nt1\n"}
	if len(cm.Data) != len(want) {
		t.Errorf("ConfigMap keys %v, want %v", slices.Collect(maps.Keys(cm.Data)), slices.Collect(maps.Keys(want)))
	}
	for k, v := range want {
		if cm.Data[k] != v {
			t.Errorf("ConfigMap %s = %q, want %q", k, cm.Data[k], v)
		}
	}
	seg := jobs[name+"-segments"]
	if seg == nil || jobs[name+"-setup"] == nil || jobs[name+"-merge"] == nil {
		t.Fatalf("jobs %v", slices.Collect(maps.Keys(jobs)))
	}
	items := map[string]string{}
	for _, it := range seg.Spec.Template.Spec.Volumes[0].ConfigMap.Items {
		items[it.Key] = it.Path
	}
	// The common directory of the files is the scenario's parent: the scenario keeps its
	// data/ beside it, and tokens.csv its place above.
	if items["k8s.yaml"] != "tests/k8s.yaml" || items["users.csv"] != "tests/data/users.csv" || items["tokens.csv"] != "tokens.csv" {
		t.Errorf("items %v", items)
	}
	args := strings.Join(seg.Spec.Template.Spec.Containers[0].Args, " ")
	for _, w := range []string{"run /scenario/tests/k8s.yaml ", "--start-at 2099-12-01T10:00:00Z", "-e TOKENS_CSV=/scenario/tokens.csv",
		"-e BASE_URL=http://api:8080", "--setup-data /results/" + name + "/setup.json"} {
		if !strings.Contains(args, w) {
			t.Errorf("segment args %q lack %q", args, w)
		}
	}
	if !strings.Contains(stderr, name+": 2 segments start at 2099-12-01T10:00:00Z") {
		t.Errorf("stderr %q", stderr)
	}
}

// A data path read from this shell's environment is shipped and given to the pods with -e;
// any other variable read from the environment is refused, named.
func TestK8sEnvironment(t *testing.T) {
	file, tokens := k8sFiles(t)
	args := []string{"k8s", file, "--parallelism", "1", "--image", "ramp:test", "--storage-class", "nfs", "--start-at", "2099-12-01T10:00:00Z"}
	t.Setenv("TOKENS_CSV", tokens)
	t.Setenv("BASE_URL", "http://api:8080")
	code, _, stderr := runRamp(context.Background(), args...)
	if code != ExitUsage || !strings.Contains(stderr, "reads BASE_URL from this shell's environment") || strings.Contains(stderr, "TOKENS_CSV") {
		t.Fatalf("exit %d, %q: want 2 naming BASE_URL alone", code, stderr)
	}
	code, stdout, stderr := runRamp(context.Background(), append(args, "-e", "BASE_URL=http://api:8080")...)
	if code != ExitPass {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	_, jobs := decodeManifests(t, stdout)
	if a := strings.Join(jobs["ramp-k8s-20991201-100000-segments"].Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(a, "-e TOKENS_CSV=/scenario/tokens.csv") {
		t.Errorf("segment args %q: want the environment's data path mapped to the mount", a)
	}
}

// --output writes the manifests to a file, nothing to stdout.
func TestK8sOutputFile(t *testing.T) {
	file, tokens := k8sFiles(t)
	out := filepath.Join(t.TempDir(), "job.yaml")
	code, stdout, stderr := runRamp(context.Background(), "k8s", file, "--parallelism", "4", "--image", "ramp:test", "--storage-class", "nfs",
		"-e", "BASE_URL=http://api:8080", "-e", "TOKENS_CSV="+tokens, "--output", out, "--region-per-segment", "a,b,c,d")
	if code != ExitPass || stdout != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, jobs := decodeManifests(t, string(b)); len(jobs) != 3 {
		t.Errorf("%d jobs in %s", len(jobs), out)
	}
	if !bytes.Contains(b, []byte("value: a,b,c,d")) {
		t.Error("no regions")
	}
}

// What ramp k8s cannot make run is refused with exit 2 and a reason, and nothing is written.
func TestK8sRefuses(t *testing.T) {
	file, tokens := k8sFiles(t)
	big := filepath.Join(filepath.Dir(file), "big.yaml")
	bigData := filepath.Join(filepath.Dir(file), "data", "big.csv")
	if err := os.WriteFile(bigData, append([]byte("token\n"), bytes.Repeat([]byte("0123456789abcde\n"), 1<<16)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte(strings.Replace(k8sScenario, "data/users.csv", "data/big.csv", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := []string{"-e", "BASE_URL=http://api:8080", "-e", "TOKENS_CSV=" + tokens}
	base := append([]string{"--parallelism", "2", "--image", "ramp:test", "--pvc", "results"}, vars...)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no parallelism", []string{file, "--image", "i", "--pvc", "r"}, "--parallelism 0"},
		{"no image", []string{file, "--parallelism", "2", "--pvc", "r"}, "--image"},
		{"no volume", []string{file, "--parallelism", "2", "--image", "i"}, "--pvc NAME (an existing ReadWriteMany claim) or --storage-class"},
		{"two volumes", append([]string{file, "--storage-class", "nfs"}, base...), "exclusive"},
		{"bad namespace", append([]string{file, "--namespace", "Load_Test"}, base...), `--namespace "Load_Test"`},
		{"name too long", append([]string{file, "--name", strings.Repeat("a", 46)}, base...), "no more than 45"},
		{"bad start", append([]string{file, "--start-at", "tomorrow"}, base...), "RFC3339"},
		{"start past", append([]string{file, "--start-at", "2001-12-01T10:00:00Z"}, base...), "the test would be over by now"},
		{"start twice", append([]string{file, "--start-at", "2099-12-01T10:00:00Z", "--start-in", "1m"}, base...), "exclusive"},
		{"regions", append([]string{file, "--region-per-segment", "eu-west"}, base...), "1 regions for 2 segments"},
		{"two files", append([]string{file, file}, base...), "exactly one scenario file"},
		{"too large", append([]string{big}, base...), "more than a ConfigMap may"},
		{"absolute data path", append([]string{filepath.Join(filepath.Dir(file), "absolute-data.yaml")}, base...), "data users: its file"},
		{"undefined variable", []string{file, "--parallelism", "2", "--image", "i", "--pvc", "r", "-e", "BASE_URL=x"}, "undefined variable TOKENS_CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runRamp(context.Background(), append([]string{"k8s"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %d bytes, stderr %q: want 2 and %q", code, len(stdout), stderr, tc.want)
			}
		})
	}
}

// Package k8s writes the Kubernetes manifests of a distributed run of one test (`ramp k8s`):
// N pods each run one execution segment from one shared start time, and one pod merges their
// snapshots into one summary, one report and one verdict.
//
// The objects, all named NAME-… in one namespace and labelled app.kubernetes.io/instance=NAME:
//
//	ConfigMap NAME-scenario     the scenario file and its data files (Files), mounted read-only
//	                            at /scenario with each file at its place (ConfigMap items)
//	PVC NAME-results            ReadWriteMany, mounted at /results; omitted with an existing claim
//	Job NAME-setup              only when the file has setup: `ramp setup` → /results/NAME/setup.json
//	Job NAME-segments           Indexed, completions = parallelism = N, backoffLimit 0: pod i runs
//	                            `ramp run --execution-segment` of the sequence's i-th part,
//	                            --start-at, --out snapshot=/results/NAME/segment-i.snap
//	                            (--setup-data, after an init container waited for it)
//	Job NAME-merge              an init container waits for the N snapshots, then `ramp merge`
//	                            writes summary.json and load-test-report.html; its exit code is
//	                            the verdict
//
// The pods choose their segment, and wait for files, with small constant shell scripts
// (scripts.go): the image needs a POSIX shell beside ramp, which the Dockerfile's base gives.
//
// The library: the objects are built as the typed structs of k8s.io/api — the very types the
// API server decodes manifests into — so a misspelt field or a wrong type does not compile,
// and the tests decode the output strictly back into them. They are marshalled with
// sigs.k8s.io/yaml, which goes through the types' JSON tags as kubectl reads YAML (a YAML
// library used directly would ignore those tags and their omitempty). client-go is not used:
// ramp writes manifests and never talks to a cluster.
package k8s

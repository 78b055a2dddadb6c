// Package scenario compiles a scenario file (YAML) into a plan.Plan, validating everything and
// reporting every problem at once, each with file:line:column, the key path and a hint:
//
//	01-api-read-load.yaml:12:5: scenarios.read.maxVUs: expected an integer, got "lots"
//	01-api-read-load.yaml:14:7: scenarios.read.preAlocatedVUs: unknown key "preAlocatedVUs" (hint: did you mean "preAllocatedVUs"?)
//
// The user-facing format is documented in docs/scenario-format.md and described for editors
// by schema/scenario.schema.json; a test keeps the three in step by validating every example
// and bundled file against both the schema and this compiler.
//
// # How it works
//
// The file is parsed once into a yaml.Node tree (go.yaml.in/yaml/v3, the maintained
// continuation of gopkg.in/yaml.v3, chosen because its Node API keeps the line and column of
// every key and value, and does not stop at duplicate keys). The compiler then walks the tree
// itself instead of decoding into structs, so that it can:
//
//   - check every mapping's keys against the keys allowed at that place (with a did-you-mean by
//     edit distance), and report duplicates, rather than silently ignoring or overwriting;
//   - type every scalar after substituting ${...} references, so `rate: ${RATE:-100}` is an
//     integer and `duration: ${D:-10s}` a duration;
//   - keep going after an error, so one run of `ramp validate` lists every problem.
//
// Compilation order: a pre-pass collects the names that exist only at run time (every
// capture's `as`, every data feeder, the built-ins __VU, __ITER, __SCENARIO) and the value of
// BASE_URL; then options (the hosts allowlist that request URLs are checked against), slo,
// data, flows, setup, teardown, scenarios (whose exec must name a flow), thresholds (whose
// name, group and scenario selectors must name a request, group or scenario of the file; see
// selectors.go), criteria and monitors.
//
// # Variables
//
// A reference ${NAME} or ${NAME:-default} (grammar in package tmpl) is resolved when the file
// is compiled, in this order:
//
//  1. NAME is an -e variable (vars): its value;
//  2. NAME is in the environment (lookupEnv): its value;
//  3. NAME's root is a run-time name (capture, feeder, built-in) or the reference is a
//     function call: kept as written for the flow runner — allowed only in a request's url,
//     query, headers, json and body; anywhere else it is an error;
//  4. the reference has a default: the default;
//  5. otherwise: "undefined variable NAME", with a did-you-mean over the known names.
//
// In a json body, a string that is exactly one reference resolved at compile time takes the
// type of its value ("${N:-5}" becomes the number 5; "007" stays a string because it would not
// print back the same).
//
// BASE_URL (plan.Options.BaseURL) is -e BASE_URL, else the environment's, else the default of
// the first ${BASE_URL:-…} in the file, else empty. Its host:port is the default hosts
// allowlist; a request whose URL names a literal host that is not allowed is a compile error.
//
// # Defaults
//
// Executor options and their defaults are k6's (lib/executor/*_config.go): gracefulStop 30s,
// gracefulRampDown 30s, timeUnit 1s, maxDuration 10m, vus 1, iterations 1, startVUs 1,
// maxVUs = preAllocatedVUs; exec "default". Durations are read as k6 reads them: Go's form plus
// days ("2d"), and a bare number is milliseconds. A file with no scenarios runs k6's default:
// one VU running the "default" flow once.
//
// # Executor rules
//
// Whether the values make a scenario that can run is asked of executor.Validate — the checks
// executor.New makes before a run, so that a file that compiles never fails to start with a
// configuration error (rate above 0, stages present with non-negative targets and more than
// 0s in all, VU counts up to executor.MaxVUs, maxVUs not below preAllocatedVUs, iterations
// not below vus for shared-iterations, …). Each problem it returns names the option at fault,
// and is reported at that key ("stages[1].target" at the second stage's target), or at the
// scenario when the option is left out. A problem with an option this compiler could not
// read is left out, so one mistake gives one error. This package keeps only what is about
// the file: types, the keys k6 requires, an option that belongs to another executor (an
// error, as k6's strict JSON decoding makes it), and k6's minimum of 1s for duration and
// maxDuration, which the executor does not have because --time-scale compresses a run
// below it.
//
// No global state: each Compile call owns its compiler.
package scenario

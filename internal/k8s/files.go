package k8s

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// MaxConfigMapBytes is the most a ConfigMap may hold (the API server's limit on its data).
const MaxConfigMapBytes = 1 << 20

// Files are what the pods mount at a directory: the scenario file and the data files it
// reads, each at its path below the closest directory that holds them all, as on this
// machine. A data path relative to the scenario file — `tokens.csv`, `data/users.json`,
// `../shared/ids.csv` — therefore names the same file in the pods as here, and the scenario is
// shipped as written: rewriting its YAML would change the test its snapshots name. A data path
// that comes absolute from a variable (`-e TOKENS_CSV=/home/me/tokens.csv`) is the one thing
// the pods must be told differently: Vars maps such values to the mount.
type Files struct {
	// Scenario is the scenario file's path below the mount, slash-separated.
	Scenario string
	// List holds the scenario first, then each data file once, in the order given.
	List []File
	dir  string // the scenario file's directory on this machine
}

// File is one file of the ConfigMap.
type File struct {
	Key  string // its ConfigMap key: the base name, made unique and valid
	Path string // below the mount, slash-separated
	From string // its path on this machine, absolute
	Data []byte
}

// Pack lays out the scenario file (its path and the bytes compiled) and the data files it
// reads (absolute paths, as the compiled plan holds them), reading each data file once. It
// refuses a set larger than a ConfigMap may hold.
func Pack(scenario string, source []byte, data []string) (*Files, error) {
	abs, err := filepath.Abs(scenario)
	if err != nil {
		return nil, err
	}
	froms := []string{abs}
	for _, p := range data {
		p = filepath.Clean(p)
		if !slices.Contains(froms, p) {
			froms = append(froms, p)
		}
	}
	root := filepath.Dir(abs)
	for _, p := range froms[1:] {
		root = commonDir(root, filepath.Dir(p))
	}
	f := &Files{dir: filepath.Dir(abs)}
	keys := map[string]bool{}
	total := 0
	for i, from := range froms {
		b := source
		if i > 0 {
			if b, err = os.ReadFile(from); err != nil {
				return nil, fmt.Errorf("data file: %w", err)
			}
		}
		rel, err := filepath.Rel(root, from)
		if err != nil {
			return nil, err
		}
		total += len(b)
		f.List = append(f.List, File{Key: uniqueKey(filepath.Base(from), keys), Path: filepath.ToSlash(rel), From: from, Data: b})
	}
	f.Scenario = f.List[0].Path
	if total > MaxConfigMapBytes {
		return nil, &TooLargeError{Files: f.List, Total: total}
	}
	return f, nil
}

// Ships reports whether a variable's value names one of the data files, read as the scenario
// compiler reads a data path: relative to the scenario file's directory.
func (f *Files) Ships(value string) bool {
	_, ok := f.find(value)
	return ok
}

// Vars returns vars for the pods, whose mount is at mount: a value that names a data file by
// an absolute path names it below mount instead. Relative values stay as they are: below the
// mount the files keep their places relative to the scenario.
func (f *Files) Vars(vars map[string]string, mount string) map[string]string {
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		if file, ok := f.find(v); ok && filepath.IsAbs(v) {
			v = path.Join(mount, file.Path)
		}
		out[k] = v
	}
	return out
}

// find returns the data file a value names, if any.
func (f *Files) find(value string) (File, bool) {
	if value == "" {
		return File{}, false
	}
	p := value
	if !filepath.IsAbs(p) {
		p = filepath.Join(f.dir, p)
	}
	p = filepath.Clean(p)
	for _, file := range f.List[1:] {
		if file.From == p {
			return file, true
		}
	}
	return File{}, false
}

// TooLargeError says that the scenario and its data files do not fit in a ConfigMap.
type TooLargeError struct {
	Files []File
	Total int
}

func (e *TooLargeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the scenario and its data files hold %d bytes, more than a ConfigMap may (%d bytes = 1 MiB):", e.Total, MaxConfigMapBytes)
	files := append([]File(nil), e.Files...)
	sort.SliceStable(files, func(i, j int) bool { return len(files[i].Data) > len(files[j].Data) })
	for _, file := range files {
		fmt.Fprintf(&b, "\n  %9d  %s", len(file.Data), file.From)
	}
	return b.String()
}

// commonDir is the closest directory that holds both a and b (absolute, clean).
func commonDir(a, b string) string {
	for {
		if rel, err := filepath.Rel(a, b); err == nil && filepath.IsLocal(rel) {
			return a
		}
		parent := filepath.Dir(a)
		if parent == a {
			return a
		}
		a = parent
	}
}

// notKeyChar matches what a ConfigMap key may not hold.
var notKeyChar = regexp.MustCompile(`[^-._a-zA-Z0-9]`)

// uniqueKey makes a ConfigMap key of a file's base name: invalid characters become '_', and
// a name already taken gets -2, -3… before its extension.
func uniqueKey(base string, taken map[string]bool) string {
	base = notKeyChar.ReplaceAllString(base, "_")
	if base == "." || base == ".." {
		base = "_" + base
	}
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	key := base
	for n := 2; taken[key]; n++ {
		key = fmt.Sprintf("%s-%d%s", stem, n, ext)
	}
	taken[key] = true
	return key
}

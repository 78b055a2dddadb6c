package outfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ramp-dev/ramp/internal/outfile"
)

// A summary exported to a link ("latest.json" → this run's file) lands in the linked file;
// the link stays a link. A path under a regular file is refused before any load is sent.
func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "outfile-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "run-1.json"), []byte("{}\n"), 0o644)
	os.Symlink("run-1.json", filepath.Join(dir, "latest.json"))

	latest := filepath.Join(dir, "latest.json")
	if err := outfile.Check(latest); err != nil {
		fmt.Println(err)
		return
	}
	if err := outfile.WriteFile(latest, []byte(`{"passed":true}`+"\n")); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(filepath.Join(dir, "run-1.json"))
	link, _ := os.Readlink(latest)
	fmt.Printf("run-1.json: %slatest.json → %s\n", b, link)

	err = outfile.Check(filepath.Join(dir, "run-1.json", "summary.json"))
	fmt.Println(err != nil)
	// Output:
	// run-1.json: {"passed":true}
	// latest.json → run-1.json
	// true
}

package mina

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MigrationState is one schema migration of a store and whether it is applied, as reported by
// the stores' MigrationStatus and printed by `mina migrate status`.
type MigrationState struct {
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	Applied   bool      `json:"applied"`
	AppliedAt time.Time `json:"applied_at,omitzero"` // zero when not applied
}

// Migration is one versioned schema change with the SQL that applies it (Up) and the SQL that
// reverts it (Down).
type Migration struct {
	Version  int
	Name     string
	Up, Down string
}

// LoadMigrations reads the migrations in dir of fsys. File names follow
//
//	name     = version "_" words ( ".up.sql" | ".down.sql" )
//	version  = digit { digit }            (1, 2, 3, … with no gap, leading zeros allowed)
//	words    = letter-or-digit-or-"_" { … }
//
// Every version needs both an up and a down file with the same words. The result is sorted by
// version. Stores embed their files with //go:embed and share this loader so that both
// number, pair and check migrations the same way.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations in %q: %w", dir, err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if err := addMigrationFile(fsys, dir, e.Name(), byVersion); err != nil {
			return nil, err
		}
	}
	ms := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %d %q: needs both an .up.sql and a .down.sql file", m.Version, m.Name)
		}
		ms = append(ms, *m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %d %q: versions must run 1, 2, 3, … without gaps (expected %d)", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}

// addMigrationFile parses one file name, reads the file and records it in byVersion.
func addMigrationFile(fsys fs.FS, dir, file string, byVersion map[int]*Migration) error {
	base, up := strings.CutSuffix(file, ".up.sql")
	if !up {
		var down bool
		if base, down = strings.CutSuffix(file, ".down.sql"); !down {
			return fmt.Errorf("migration file %q: name must end in .up.sql or .down.sql", file)
		}
	}
	num, words, ok := strings.Cut(base, "_")
	if !ok || words == "" {
		return fmt.Errorf("migration file %q: name must be <version>_<words>.(up|down).sql", file)
	}
	version, err := strconv.Atoi(num)
	if err != nil || version < 1 {
		return fmt.Errorf("migration file %q: version %q is not a positive number", file, num)
	}
	body, err := fs.ReadFile(fsys, path.Join(dir, file))
	if err != nil {
		return fmt.Errorf("read migration %q: %w", file, err)
	}
	m := byVersion[version]
	if m == nil {
		m = &Migration{Version: version, Name: words}
		byVersion[version] = m
	} else if m.Name != words {
		return fmt.Errorf("migration file %q: version %d is already named %q", file, version, m.Name)
	}
	target := &m.Down
	if up {
		target = &m.Up
	}
	if *target != "" {
		return fmt.Errorf("migration file %q: version %d has two such files", file, version)
	}
	if strings.TrimSpace(string(body)) == "" {
		return fmt.Errorf("migration file %q: is empty", file)
	}
	*target = string(body)
	return nil
}

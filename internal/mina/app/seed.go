package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ramp-dev/ramp/internal/mina/seed"
)

// seed runs `mina seed --users N --meetings N [--tokens-out FILE [--force]]`: it migrates the
// store, fills it with realistic data and writes the users' tokens as a CSV (user_id,email,token)
// that ramp's scenarios read as a data feeder.
//
// The store keeps only the tokens' hashes, so a tokens file that cannot be written after the
// users are committed would lose them for good. Hence, before anything is inserted:
//
//   - an existing --tokens-out file is refused without --force (re-seeding would overwrite the
//     tokens of the users seeded before, which then could never be used again);
//   - the file is created, as a temporary file beside it, so an unwritable path fails with
//     nothing committed.
//
// The tokens are written to that temporary file, synced and renamed into place. Should that
// still fail after the commit (a full disk), the tokens go to stdout instead, so nothing is lost.
func (e *Env) seed(ctx context.Context, args []string) error {
	fs := e.flags("seed")
	users := fs.Int("users", 100, "users to create")
	meetings := fs.Int("meetings", 1000, "meetings to create, spread over the users")
	tokensOut := fs.String("tokens-out", "", "write the users' API tokens to this CSV file (default: stdout)")
	force := fs.Bool("force", false, "overwrite an existing --tokens-out file (its tokens are lost)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *users < 1 || *users > 1_000_000 {
		return usagef("seed: --users %d: want 1 to 1000000", *users)
	}
	if *meetings < 0 || *meetings > 10_000_000 {
		return usagef("seed: --meetings %d: want 0 to 10000000", *meetings)
	}
	cfg, err := ConfigFromEnv(e.Getenv)
	if err != nil {
		return err
	}
	var out *tokensFile
	if *tokensOut != "" {
		if out, err = createTokensFile(*tokensOut, *force); err != nil {
			return err
		}
		defer out.abandon()
	}
	db, err := OpenDB(cfg.DatabaseURL, OpenOptions{PoolSize: cfg.PoolSize, Migrate: true})
	if err != nil {
		return err
	}
	defer db.Close()
	seeder, ok := db.(seed.Seeder)
	if !ok {
		return fmt.Errorf("seed: the store for %s cannot bulk-insert", cfg.DatabaseURL)
	}
	res, err := seed.Seed(ctx, seeder, seed.Options{Users: *users, Meetings: *meetings})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if out == nil {
		return writeTokens(e.Stdout, res)
	}
	if err := out.commit(res); err != nil {
		// The users are committed: their tokens must not be lost with the file.
		fmt.Fprintf(e.Stderr, "mina seed: %v\nmina seed: the %d users are stored; their tokens follow on stdout instead\n", err, *users)
		if werr := writeTokens(e.Stdout, res); werr != nil {
			return errors.Join(err, werr)
		}
		return err
	}
	fmt.Fprintf(e.Stderr, "mina seed: %d users, %d meetings; tokens in %s\n", *users, *meetings, *tokensOut)
	return nil
}

// writeTokens writes the tokens CSV to w.
func writeTokens(w io.Writer, res *seed.Result) error {
	bw := bufio.NewWriter(w)
	err := seed.WriteTokensCSV(bw, res)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("seed: writing tokens: %w", err)
	}
	return nil
}

// tokensFile is a tokens CSV being written: a temporary file beside its final path.
type tokensFile struct {
	path  string
	tmp   *os.File
	force bool
	done  bool
}

// createTokensFile checks that path may be written — absent, or force — and creates the
// temporary file beside it, before anything is committed.
func createTokensFile(path string, force bool) (*tokensFile, error) {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return nil, usagef("seed: --tokens-out %s is a directory; name a file", path)
		}
		if !force {
			return nil, usagef("seed: --tokens-out %s exists: its tokens would be lost (the store keeps only hashes); choose another file, or add --force to overwrite it", path)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("seed: --tokens-out %s: %w; nothing was seeded", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("seed: --tokens-out %s cannot be written: %w; nothing was seeded", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil { // the tokens are secrets
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("seed: --tokens-out %s: %w; nothing was seeded", path, err)
	}
	return &tokensFile{path: path, tmp: tmp, force: force}, nil
}

// commit writes the tokens into the temporary file, syncs it and moves it to its path
// (refusing, without force, a file that appeared there meanwhile).
func (f *tokensFile) commit(res *seed.Result) error {
	err := writeTokens(f.tmp, res)
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("seed: --tokens-out %s: %w", f.path, err)
	}
	if f.force {
		err = os.Rename(f.tmp.Name(), f.path)
	} else if err = os.Link(f.tmp.Name(), f.path); err == nil {
		os.Remove(f.tmp.Name())
	}
	if err != nil {
		return fmt.Errorf("seed: --tokens-out %s: %w", f.path, err)
	}
	f.done = true
	return nil
}

// abandon removes the temporary file unless commit moved it into place.
func (f *tokensFile) abandon() {
	if !f.done {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	}
}

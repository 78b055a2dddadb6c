package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ramp-dev/ramp/internal/mina/seed"
)

// seed runs `mina seed --users N --meetings N [--tokens-out FILE]`: it migrates the store,
// fills it with realistic data and writes the users' tokens as a CSV (user_id,email,token)
// that ramp's scenarios read as a data feeder.
func (e *Env) seed(ctx context.Context, args []string) error {
	fs := e.flags("seed")
	users := fs.Int("users", 100, "users to create")
	meetings := fs.Int("meetings", 1000, "meetings to create, spread over the users")
	tokensOut := fs.String("tokens-out", "", "write the users' API tokens to this CSV file (default: stdout)")
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
	var w io.Writer = e.Stdout
	var file *os.File
	if *tokensOut != "" {
		if file, err = os.Create(*tokensOut); err != nil {
			return fmt.Errorf("seed: --tokens-out: %w", err)
		}
		w = file
	}
	bw := bufio.NewWriter(w)
	err = seed.WriteTokensCSV(bw, res)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("seed: writing tokens: %w", err)
	}
	if *tokensOut != "" {
		fmt.Fprintf(e.Stderr, "mina seed: %d users, %d meetings; tokens in %s\n", *users, *meetings, *tokensOut)
	}
	return nil
}

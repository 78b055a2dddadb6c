package app

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

// migrate runs `mina migrate up|down|status`. down reverts the latest applied migration.
func (e *Env) migrate(ctx context.Context, args []string) error {
	fs := e.flags("migrate")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	action := fs.Arg(0)
	switch action {
	case "up", "down", "status":
	case "":
		return usagef("migrate: want up, down or status")
	default:
		return usagef("migrate: unknown action %q; want up, down or status", action)
	}
	cfg, err := ConfigFromEnv(e.Getenv)
	if err != nil {
		return err
	}
	db, err := OpenDB(cfg.DatabaseURL, OpenOptions{PoolSize: cfg.PoolSize})
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		if err := db.MigrateUp(ctx); err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
	case "down":
		if err := db.MigrateDown(ctx); err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
	}
	return e.printStatus(ctx, db)
}

// printStatus prints one line per migration: version, name, and when it was applied.
func (e *Env) printStatus(ctx context.Context, db DB) error {
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATUS")
	for _, s := range states {
		status := "pending"
		if s.Applied {
			status = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, status)
	}
	return tw.Flush()
}

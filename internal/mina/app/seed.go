package app

import (
	"context"
	"fmt"
)

// seed runs `mina seed --users N --meetings N [--tokens-out FILE]`.
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
	_ = tokensOut
	return fmt.Errorf("seed: not built into this binary yet")
}

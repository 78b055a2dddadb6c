// Package seed fills a mina store with realistic data for load tests: users with API tokens,
// meetings spread over the last 90 days, and 0-5 tasks per meeting in mixed statuses, with
// titles drawn from word lists. `mina seed --users 100 --meetings 1000` runs it and writes the
// users' tokens to a CSV that ramp's scenarios read.
//
// Speed comes from the store: a Seeder inserts a whole batch in one transaction through one
// statement. The data is reproducible: the same Options.Rand seed and Now give the same
// meetings and tasks (tokens are always fresh and random: they are secrets).
package seed

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Seeder is what Seed needs from a store: batch inserts, each batch in one transaction that
// either stores every row or none. Both mina stores implement it.
type Seeder interface {
	// InsertUsers stores users, each with a new API token; it fills their IDs and returns the
	// tokens in the same order. An email already taken is ECONFLICT.
	InsertUsers(ctx context.Context, users []mina.User) ([]string, error)
	// InsertMeetings stores meetings of existing users, keeping CreatedAt, and fills their IDs.
	InsertMeetings(ctx context.Context, meetings []mina.Meeting) error
	// InsertTasks stores tasks in existing meetings of their users, keeping CreatedAt and
	// UpdatedAt (a done task was completed at UpdatedAt), and fills their IDs.
	InsertTasks(ctx context.Context, tasks []mina.Task) error
}

// Options says how much to make.
type Options struct {
	Users    int        // at least 1, at most MaxUsers
	Meetings int        // 0 to MaxMeetings, shared among the users at random
	Rand     *rand.Rand // nil means a fixed seed, so two runs make the same data
	Now      time.Time  // the end of the 90 days; zero means time.Now()
}

// Limits on Options, so that a typo cannot fill a disk.
const (
	MaxUsers    = 1_000_000
	MaxMeetings = 10_000_000
	// Span is how far back meetings go.
	Span = 90 * 24 * time.Hour
	// batchSize bounds the rows held in memory and inserted per transaction.
	batchSize = 5000
)

// Result is what Seed made.
type Result struct {
	Users    []mina.User
	Tokens   []string // Tokens[i] is Users[i]'s API token
	Meetings int
	Tasks    mina.TaskCounts
}

// Seed makes o.Users users and o.Meetings meetings with their tasks in st.
func Seed(ctx context.Context, st Seeder, o Options) (*Result, error) {
	if o.Users < 1 || o.Users > MaxUsers {
		return nil, fmt.Errorf("seed: users must be between 1 and %d, not %d", MaxUsers, o.Users)
	}
	if o.Meetings < 0 || o.Meetings > MaxMeetings {
		return nil, fmt.Errorf("seed: meetings must be between 0 and %d, not %d", MaxMeetings, o.Meetings)
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	g := &generator{r: o.Rand, now: o.Now.UTC().Truncate(time.Millisecond)}
	res := &Result{Users: g.users(o.Users)}
	for start := 0; start < len(res.Users); start += batchSize {
		batch := res.Users[start:min(start+batchSize, len(res.Users))]
		tokens, err := st.InsertUsers(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("seed: users: %w", err)
		}
		res.Tokens = append(res.Tokens, tokens...)
	}
	for left := o.Meetings; left > 0; left -= batchSize {
		meetings := g.meetings(res.Users, min(left, batchSize))
		if err := st.InsertMeetings(ctx, meetings); err != nil {
			return nil, fmt.Errorf("seed: meetings: %w", err)
		}
		tasks := g.tasks(meetings)
		if err := st.InsertTasks(ctx, tasks); err != nil {
			return nil, fmt.Errorf("seed: tasks: %w", err)
		}
		res.Meetings += len(meetings)
		for _, t := range tasks {
			res.Tasks.Total++
			switch t.Status {
			case mina.StatusPending:
				res.Tasks.Pending++
			case mina.StatusInProgress:
				res.Tasks.InProgress++
			case mina.StatusDone:
				res.Tasks.Done++
			}
		}
	}
	return res, nil
}

// WriteTokensCSV writes one line per seeded user, under the header user_id,email,token: the
// data file that ramp's scenarios read to authenticate as many users.
func WriteTokensCSV(w io.Writer, r *Result) error {
	if r == nil || len(r.Tokens) != len(r.Users) {
		return errors.New("seed: write tokens: the result has no token for some users")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"user_id", "email", "token"}); err != nil {
		return fmt.Errorf("seed: write tokens: %w", err)
	}
	for i, u := range r.Users {
		if err := cw.Write([]string{strconv.FormatInt(u.ID, 10), u.Email, r.Tokens[i]}); err != nil {
			return fmt.Errorf("seed: write tokens: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("seed: write tokens: %w", err)
	}
	return nil
}

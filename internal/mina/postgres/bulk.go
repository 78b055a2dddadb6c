package postgres

import (
	"context"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// The bulk loaders serve `mina seed` (they satisfy seed.Seeder): each inserts its whole
// slice in one transaction through one prepared statement, which is what makes thousands of
// rows take milliseconds instead of a commit each. Rows are validated like any others;
// CreatedAt is kept as given (the seed backdates its data) and stamped now only when zero.
// A failing row rolls the whole slice back.

// InsertUsers creates users, each with a new API token, filling their IDs and returning
// their tokens in the same order.
func (db *DB) InsertUsers(ctx context.Context, users []mina.User) ([]string, error) {
	for i := range users {
		if err := mina.ValidateUser(users[i].Email, users[i].Name); err != nil {
			return nil, fmt.Errorf("user %d: %w", i, err)
		}
	}
	t, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	tokens := make([]string, len(users))
	for i := range users {
		u := &users[i]
		if u.CreatedAt.IsZero() {
			u.CreatedAt = t.now
		}
		u.CreatedAt = u.CreatedAt.UTC().Truncate(timeUnit)
		token, hash := mina.NewToken()
		if err := insertUser(ctx, t, u, hash); err != nil {
			return nil, fmt.Errorf("user %d: %w", i, err)
		}
		tokens[i] = token
	}
	if err := t.Commit(); err != nil {
		return nil, fmt.Errorf("postgres: insert users: %w", err)
	}
	return tokens, nil
}

// InsertMeetings creates meetings of existing users, filling their IDs.
func (db *DB) InsertMeetings(ctx context.Context, meetings []mina.Meeting) error {
	for i := range meetings {
		if err := mina.ValidateMeeting(&meetings[i]); err != nil {
			return fmt.Errorf("meeting %d: %w", i, err)
		}
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	for i := range meetings {
		if meetings[i].CreatedAt.IsZero() {
			meetings[i].CreatedAt = t.now
		}
		if err := insertMeeting(ctx, t, &meetings[i]); err != nil {
			return fmt.Errorf("meeting %d: %w", i, err)
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: insert meetings: %w", err)
	}
	return nil
}

// InsertTasks creates tasks in existing meetings, filling their IDs. Unlike CreateTask it
// trusts that each meeting belongs to the task's user (the seed made both), so it skips
// the ownership query; the foreign key still rejects a meeting that does not exist.
func (db *DB) InsertTasks(ctx context.Context, tasks []mina.Task) error {
	for i := range tasks {
		if tasks[i].Status == "" {
			tasks[i].Status = mina.StatusPending
		}
		if err := mina.ValidateTask(&tasks[i]); err != nil {
			return fmt.Errorf("task %d: %w", i, err)
		}
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	for i := range tasks {
		if tasks[i].CreatedAt.IsZero() {
			tasks[i].CreatedAt = t.now
		}
		if err := insertTask(ctx, t, &tasks[i]); err != nil {
			return fmt.Errorf("task %d: %w", i, err)
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: insert tasks: %w", err)
	}
	return nil
}

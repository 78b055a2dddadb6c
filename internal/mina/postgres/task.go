package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

const taskColumns = `id, user_id, meeting_id, title, status, due_at, created_at, updated_at`

const queryTask = `SELECT ` + taskColumns + ` FROM tasks WHERE id = $1 AND user_id = $2`

func scanTask(row scanner, t *mina.Task) error {
	var due sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.MeetingID, &t.Title, &t.Status, &due, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return err
	}
	t.DueAt = nil
	if due.Valid {
		d := utc(due.Time)
		t.DueAt = &d
	}
	t.CreatedAt, t.UpdatedAt = utc(t.CreatedAt), utc(t.UpdatedAt)
	return nil
}

func taskNotFound(id int64) error {
	return mina.Errorf(mina.ENOTFOUND, "Task %d not found.", id)
}

// taskWhere is the WHERE clause of a task filter and its arguments, $1, $2, …. There are
// four shapes (user; user and status; user and meeting; user, meeting and status), each its
// own cached statement and index.
func taskWhere(userID int64, f mina.TaskFilter) (string, []any) {
	conds, args := []string{"user_id = $1"}, []any{userID}
	add := func(col string, v any) {
		args = append(args, v)
		conds = append(conds, col+" = $"+strconv.Itoa(len(args)))
	}
	if f.MeetingID > 0 {
		add("meeting_id", f.MeetingID)
	}
	if f.Status != "" {
		add("status", f.Status)
	}
	return strings.Join(conds, " AND "), args
}

// listTasks returns one page of the user's tasks, newest first (created_at, then id),
// filtered by status and/or meeting, with the filter's total, from one snapshot. Filtering by
// a meeting that is not the user's is ENOTFOUND.
func (db *DB) listTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
	page, perPage, offset, err := mina.PageBounds(f.Page)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !mina.ValidStatus(f.Status) {
		return nil, mina.Invalid("status", "status must be pending, in_progress or done, not %q.", f.Status)
	}
	if f.MeetingID < 0 {
		return nil, mina.Invalid("meeting_id", "meeting_id must be positive, not %d.", f.MeetingID)
	}
	t, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer t.Rollback()
	where, args := taskWhere(userID, f)
	list := &mina.TaskList{Tasks: []mina.Task{}, Page: page, PerPage: perPage}
	if err := t.QueryRowContext(ctx, `SELECT count(*) FROM tasks WHERE `+where, args...).Scan(&list.Total); err != nil {
		return nil, fmt.Errorf("postgres: count tasks: %w", err)
	}
	if list.Total == 0 && f.MeetingID > 0 {
		var one int
		err := t.QueryRowContext(ctx, `SELECT 1 FROM meetings WHERE id = $1 AND user_id = $2`, f.MeetingID, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, meetingNotFound(f.MeetingID)
		} else if err != nil {
			return nil, fmt.Errorf("postgres: meeting %d: %w", f.MeetingID, err)
		}
	}
	if offset >= int64(list.Total) {
		return list, nil
	}
	n := len(args)
	rows, err := t.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, perPage, offset)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var task mina.Task
		if err := scanTask(rows, &task); err != nil {
			return nil, fmt.Errorf("postgres: list tasks: %w", err)
		}
		list.Tasks = append(list.Tasks, task)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list tasks: %w", err)
	}
	return list, nil
}

// task returns one of the user's tasks; another user's task is ENOTFOUND.
func (db *DB) task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	return getTask(db.db.QueryRowContext(ctx, queryTask, id, userID), id)
}

func getTask(row *sql.Row, id int64) (*mina.Task, error) {
	var task mina.Task
	err := scanTask(row, &task)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, taskNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: task %d: %w", id, err)
	}
	return &task, nil
}

// createTask validates task (an empty status means pending), checks that its meeting is the
// user's (ENOTFOUND otherwise), locking it against deletion until commit, and stores the task,
// filling its ID and times.
func (db *DB) createTask(ctx context.Context, task *mina.Task) error {
	if task.Status == "" {
		task.Status = mina.StatusPending
	}
	if err := mina.ValidateTask(task); err != nil {
		return err
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var one int
	err = t.QueryRowContext(ctx, `SELECT 1 FROM meetings WHERE id = $1 AND user_id = $2 FOR KEY SHARE`, task.MeetingID, task.UserID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return meetingNotFound(task.MeetingID)
	} else if err != nil {
		return fmt.Errorf("postgres: meeting %d: %w", task.MeetingID, err)
	}
	task.CreatedAt, task.UpdatedAt = t.now, time.Time{}
	if err := insertTask(ctx, t, task); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: create task: %w", err)
	}
	return nil
}

// insertTask inserts a validated task in t and fills its ID. It keeps task.CreatedAt and
// task.UpdatedAt (the bulk loader backdates rows), raising UpdatedAt to CreatedAt when it is
// earlier; a done task's completed_at is its UpdatedAt.
func insertTask(ctx context.Context, t *tx, task *mina.Task) error {
	task.CreatedAt = task.CreatedAt.UTC().Truncate(timeUnit)
	task.UpdatedAt = task.UpdatedAt.UTC().Truncate(timeUnit)
	if task.UpdatedAt.Before(task.CreatedAt) {
		task.UpdatedAt = task.CreatedAt
	}
	var completed sql.NullTime
	if task.Status == mina.StatusDone {
		completed = sql.NullTime{Time: task.UpdatedAt, Valid: true}
	}
	err := t.QueryRowContext(ctx, `INSERT INTO tasks
	(user_id, meeting_id, title, status, due_at, completed_at, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		task.UserID, task.MeetingID, task.Title, task.Status, dueValue(task), completed, task.CreatedAt, task.UpdatedAt).Scan(&task.ID)
	if sqlState(err) == pgForeignKeyViolation {
		return meetingNotFound(task.MeetingID)
	} else if err != nil {
		return fmt.Errorf("postgres: create task: %w", err)
	}
	return nil
}

// dueValue truncates task.DueAt to the stored precision and returns its column value.
func dueValue(task *mina.Task) sql.NullTime {
	if task.DueAt == nil {
		return sql.NullTime{}
	}
	d := task.DueAt.UTC().Truncate(timeUnit)
	task.DueAt = &d
	return sql.NullTime{Time: d, Valid: true}
}

// updateTask changes the non-nil fields of one of the user's tasks and returns it as stored;
// the row is locked from read to write. Becoming done stamps completed_at; leaving done
// clears it.
func (db *DB) updateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	t, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	task, err := getTask(t.QueryRowContext(ctx, queryTask+` FOR UPDATE`, id, userID), id)
	if err != nil {
		return nil, err
	}
	if u.Title != nil {
		task.Title = *u.Title
	}
	if u.Status != nil {
		task.Status = *u.Status
	}
	if u.DueAt != nil {
		d := *u.DueAt
		task.DueAt = &d
	}
	if err := mina.ValidateTask(task); err != nil {
		return nil, err
	}
	task.UpdatedAt = t.now
	// completed_at: unchanged while done stays done, now on becoming done, NULL otherwise.
	if _, err := t.ExecContext(ctx, `UPDATE tasks
	SET title = $1, status = $2, due_at = $3, updated_at = $4,
	    completed_at = CASE WHEN $2 <> 'done' THEN NULL ELSE coalesce(completed_at, $4) END
	WHERE id = $5 AND user_id = $6`,
		task.Title, task.Status, dueValue(task), task.UpdatedAt, id, userID); err != nil {
		return nil, fmt.Errorf("postgres: update task %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return nil, fmt.Errorf("postgres: update task %d: %w", id, err)
	}
	return task, nil
}

// deleteTask deletes one of the user's tasks.
func (db *DB) deleteTask(ctx context.Context, userID, id int64) error {
	err := expectOneRow(db.db.ExecContext(ctx, `DELETE FROM tasks WHERE id = $1 AND user_id = $2`, id, userID))
	if errors.Is(err, errNoRow) {
		return taskNotFound(id)
	} else if err != nil {
		return fmt.Errorf("postgres: delete task %d: %w", id, err)
	}
	return nil
}

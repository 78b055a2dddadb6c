package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

const taskColumns = `id, user_id, meeting_id, title, status, due_at, created_at, updated_at`

const queryTask = `SELECT ` + taskColumns + ` FROM tasks WHERE id = ? AND user_id = ?`

const queryOwnMeeting = `SELECT 1 FROM meetings WHERE id = ? AND user_id = ?`

// queryTaskCount counts the tasks that a taskWhere clause selects.
func queryTaskCount(where string) string { return `SELECT count(*) FROM tasks WHERE ` + where }

// queryTaskPage is one page, newest first, of the tasks that a taskWhere clause selects.
func queryTaskPage(where string) string {
	return `SELECT ` + taskColumns + ` FROM tasks WHERE ` + where + ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
}

func scanTask(row scanner, t *mina.Task) error {
	var due sql.NullInt64
	var created, updated int64
	if err := row.Scan(&t.ID, &t.UserID, &t.MeetingID, &t.Title, &t.Status, &due, &created, &updated); err != nil {
		return err
	}
	t.DueAt = nil
	if due.Valid {
		d := fromMS(due.Int64)
		t.DueAt = &d
	}
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return nil
}

func taskNotFound(id int64) error {
	return mina.Errorf(mina.ENOTFOUND, "Task %d not found.", id)
}

// taskWhere is the WHERE clause of a task filter and its arguments. There are four shapes
// (user; user and status; user and meeting; user, meeting and status), each its own prepared
// statement and index. With a meeting, "+user_id" (SQLite's unary plus) keeps the planner
// off the user_id indexes: a meeting's few tasks are found faster through meeting_id, but
// without statistics SQLite cannot know that.
func taskWhere(userID int64, f mina.TaskFilter) (string, []any) {
	conds, args := []string{"user_id = ?"}, []any{userID}
	if f.MeetingID > 0 {
		conds, args = []string{"meeting_id = ?", "+user_id = ?"}, []any{f.MeetingID, userID}
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, f.Status)
	}
	return strings.Join(conds, " AND "), args
}

// ListTasks returns one page of the user's tasks, newest first (created_at, then id),
// filtered by status and/or meeting, with the filter's total. Filtering by a meeting that is
// not the user's is ENOTFOUND.
func (db *DB) ListTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
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
	t, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	where, args := taskWhere(userID, f)
	list := &mina.TaskList{Tasks: []mina.Task{}, Page: page, PerPage: perPage}
	count, err := db.inTx(ctx, t, false, queryTaskCount(where))
	if err != nil {
		return nil, err
	}
	if err := count.QueryRowContext(ctx, args...).Scan(&list.Total); err != nil {
		return nil, fmt.Errorf("sqlite: count tasks: %w", err)
	}
	if list.Total == 0 && f.MeetingID > 0 {
		if err := db.ownMeeting(ctx, t, false, userID, f.MeetingID); err != nil {
			return nil, err
		}
	}
	if offset >= int64(list.Total) {
		return list, nil
	}
	q, err := db.inTx(ctx, t, false, queryTaskPage(where))
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, append(args, perPage, offset)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var task mina.Task
		if err := scanTask(rows, &task); err != nil {
			return nil, fmt.Errorf("sqlite: list tasks: %w", err)
		}
		list.Tasks = append(list.Tasks, task)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tasks: %w", err)
	}
	return list, nil
}

// ownMeeting returns ENOTFOUND unless meeting id exists and belongs to the user.
func (db *DB) ownMeeting(ctx context.Context, t *tx, write bool, userID, id int64) error {
	s, err := db.inTx(ctx, t, write, queryOwnMeeting)
	if err != nil {
		return err
	}
	var one int
	err = s.QueryRowContext(ctx, id, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return meetingNotFound(id)
	} else if err != nil {
		return fmt.Errorf("sqlite: meeting %d: %w", id, err)
	}
	return nil
}

// Task returns one of the user's tasks; another user's task is ENOTFOUND.
func (db *DB) Task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	s, err := db.readStmt(ctx, queryTask)
	if err != nil {
		return nil, err
	}
	return getTask(ctx, s, userID, id)
}

func getTask(ctx context.Context, s stmt, userID, id int64) (*mina.Task, error) {
	var task mina.Task
	err := scanTask(s.QueryRowContext(ctx, id, userID), &task)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, taskNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: task %d: %w", id, err)
	}
	return &task, nil
}

// CreateTask validates task (an empty status means pending), checks that its meeting is the
// user's (ENOTFOUND otherwise) and stores it, filling its ID and times.
func (db *DB) CreateTask(ctx context.Context, task *mina.Task) error {
	if task.Status == "" {
		task.Status = mina.StatusPending
	}
	if err := mina.ValidateTask(task); err != nil {
		return err
	}
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := db.ownMeeting(ctx, t, true, task.UserID, task.MeetingID); err != nil {
		return err
	}
	task.CreatedAt, task.UpdatedAt = t.now, time.Time{}
	if err := db.insertTask(ctx, t, task); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: create task: %w", err)
	}
	return nil
}

// insertTask inserts a validated task in t and fills its ID. It keeps task.CreatedAt and
// task.UpdatedAt (the bulk loader backdates rows), raising UpdatedAt to CreatedAt when it is
// earlier; a done task's completed_at is its UpdatedAt.
func (db *DB) insertTask(ctx context.Context, t *tx, task *mina.Task) error {
	s, err := db.inTx(ctx, t, true, `INSERT INTO tasks
	(user_id, meeting_id, title, status, due_at, completed_at, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	task.CreatedAt = task.CreatedAt.UTC().Truncate(timeUnit)
	task.UpdatedAt = task.UpdatedAt.UTC().Truncate(timeUnit)
	if task.UpdatedAt.Before(task.CreatedAt) {
		task.UpdatedAt = task.CreatedAt
	}
	due := dueValue(task)
	var completed sql.NullInt64
	if task.Status == mina.StatusDone {
		completed = sql.NullInt64{Int64: ms(task.UpdatedAt), Valid: true}
	}
	res, err := s.ExecContext(ctx, task.UserID, task.MeetingID, task.Title, task.Status, due, completed, ms(task.CreatedAt), ms(task.UpdatedAt))
	if isForeignKey(err) {
		return meetingNotFound(task.MeetingID)
	} else if err != nil {
		return fmt.Errorf("sqlite: create task: %w", err)
	}
	if task.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: create task: %w", err)
	}
	return nil
}

// dueValue truncates task.DueAt to the stored precision and returns its column value.
func dueValue(task *mina.Task) sql.NullInt64 {
	if task.DueAt == nil {
		return sql.NullInt64{}
	}
	d := task.DueAt.UTC().Truncate(timeUnit)
	task.DueAt = &d
	return sql.NullInt64{Int64: ms(d), Valid: true}
}

// UpdateTask changes the non-nil fields of one of the user's tasks and returns it as stored.
// Becoming done stamps completed_at; leaving done clears it.
func (db *DB) UpdateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	get, err := db.inTx(ctx, t, true, queryTask)
	if err != nil {
		return nil, err
	}
	task, err := getTask(ctx, get, userID, id)
	if err != nil {
		return nil, err
	}
	wasDone := task.Status == mina.StatusDone
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
	completed := "NULL"
	if task.Status == mina.StatusDone {
		completed = "completed_at"
		if !wasDone {
			completed = "?7"
		}
	}
	upd, err := db.inTx(ctx, t, true, `UPDATE tasks
	SET title = ?1, status = ?2, due_at = ?3, updated_at = ?4, completed_at = `+completed+`
	WHERE id = ?5 AND user_id = ?6`)
	if err != nil {
		return nil, err
	}
	args := []any{task.Title, task.Status, dueValue(task), ms(task.UpdatedAt), id, userID}
	if completed == "?7" {
		args = append(args, ms(task.UpdatedAt))
	}
	if _, err := upd.ExecContext(ctx, args...); err != nil {
		return nil, fmt.Errorf("sqlite: update task %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: update task %d: %w", id, err)
	}
	return task, nil
}

// DeleteTask deletes one of the user's tasks.
func (db *DB) DeleteTask(ctx context.Context, userID, id int64) error {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	del, err := db.inTx(ctx, t, true, `DELETE FROM tasks WHERE id = ? AND user_id = ?`)
	if err != nil {
		return err
	}
	if err := expectOneRow(del.ExecContext(ctx, id, userID)); err != nil {
		if errors.Is(err, errNoRow) {
			return taskNotFound(id)
		}
		return fmt.Errorf("sqlite: delete task %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete task %d: %w", id, err)
	}
	return nil
}

-- The performance indexes (the seed's PG-5), one per query path of the store. Each comment
-- names the query that uses the index; TestIndexesUsed checks with EXPLAIN QUERY PLAN that
-- SQLite really picks it. An SQLite index ends with the rowid (= id), which is what lets
-- "ORDER BY x DESC, id DESC" walk an index on (…, x) backwards without sorting.

-- CreateUser: the duplicate-email check, and the guarantee behind it.
CREATE UNIQUE INDEX ix_users_email ON users (email);

-- UserByToken: every authenticated request looks its token's hash up here.
CREATE UNIQUE INDEX ix_api_tokens_token_hash ON api_tokens (token_hash);

-- The ON DELETE CASCADE from users: without it, deleting a user scans every token. The
-- service deletes no users yet, so this one serves only that foreign key.
CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

-- ListMeetings: a page of a user's meetings, newest first (starts_at DESC, id DESC).
CREATE INDEX ix_meetings_user_id_starts_at ON meetings (user_id, starts_at);

-- ListMeetings' total: COUNT(*) of a user's meetings over the narrowest index; also the
-- ON DELETE CASCADE from users.
CREATE INDEX ix_meetings_user_id ON meetings (user_id);

-- Dashboard and Trends: meetings and minutes in a starts_at window, covered by the index
-- (the table is never read).
CREATE INDEX ix_meetings_user_id_starts_at_duration ON meetings (user_id, starts_at, duration_minutes);

-- ListMeetings and Meeting: each meeting's task counts by status, covered by the index;
-- ListTasks filtered by meeting and status, newest first.
CREATE INDEX ix_tasks_meeting_id_status_created_at ON tasks (meeting_id, status, created_at);

-- ListTasks filtered by meeting, newest first; DeleteMeeting's delete of the meeting's tasks
-- and the ON DELETE CASCADE from meetings.
CREATE INDEX ix_tasks_meeting_id_created_at ON tasks (meeting_id, created_at);

-- ListTasks without a filter: a user's tasks, newest first; Trends' tasks created per day
-- (covered, once statistics tell SQLite this index is the narrower).
CREATE INDEX ix_tasks_user_id_created_at ON tasks (user_id, created_at);

-- ListTasks filtered by status (GET /api/tasks?status=pending), newest first, and its total.
CREATE INDEX ix_tasks_user_id_status_created_at ON tasks (user_id, status, created_at);

-- Dashboard's task counts by status over a created_at window, covered by the index; Trends'
-- tasks created per day until statistics exist.
CREATE INDEX ix_tasks_user_id_created_at_status ON tasks (user_id, created_at, status);

-- Trends: tasks completed per day.
CREATE INDEX ix_tasks_user_id_completed_at ON tasks (user_id, completed_at);

-- ListTasks' total without a filter: COUNT(*) of a user's tasks over the narrowest index;
-- also the ON DELETE CASCADE from users.
CREATE INDEX ix_tasks_user_id ON tasks (user_id);

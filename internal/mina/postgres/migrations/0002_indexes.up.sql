-- The performance indexes (the seed's PG-5), one per query path of the store, with the same
-- names and purposes as the SQLite store's. Each comment names the query that uses it.
-- PostgreSQL indexes do not end with the id as SQLite's do, so the listing indexes spell out
-- "DESC, id DESC" to serve "ORDER BY x DESC, id DESC" without a sort, and the analytics
-- indexes INCLUDE the one column they aggregate, for index-only scans.

-- CreateUser: the duplicate-email check, and the guarantee behind it.
CREATE UNIQUE INDEX ix_users_email ON users (email);

-- UserByToken: every authenticated request looks its token's hash up here.
CREATE UNIQUE INDEX ix_api_tokens_token_hash ON api_tokens (token_hash);

-- The ON DELETE CASCADE from users: without it, deleting a user scans every token. The
-- service deletes no users yet, so this one serves only that foreign key.
CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

-- ListMeetings: a page of a user's meetings, newest first.
CREATE INDEX ix_meetings_user_id_starts_at ON meetings (user_id, starts_at DESC, id DESC);

-- ListMeetings' total: COUNT(*) of a user's meetings over the narrowest index; also the
-- ON DELETE CASCADE from users.
CREATE INDEX ix_meetings_user_id ON meetings (user_id);

-- Dashboard and Trends: meetings and minutes in a starts_at window, index-only.
CREATE INDEX ix_meetings_user_id_starts_at_duration ON meetings (user_id, starts_at) INCLUDE (duration_minutes);

-- ListTasks filtered by meeting and status, newest first; ListMeetings' and Meeting's task
-- counts by status (index-only once the table is vacuumed; until then the planner may take
-- ix_tasks_meeting_id_created_at, the other meeting_id index).
CREATE INDEX ix_tasks_meeting_id_status_created_at ON tasks (meeting_id, status, created_at DESC, id DESC);

-- ListTasks filtered by meeting, newest first; DeleteMeeting's delete of the meeting's tasks
-- and the ON DELETE CASCADE from meetings.
CREATE INDEX ix_tasks_meeting_id_created_at ON tasks (meeting_id, created_at DESC, id DESC);

-- ListTasks without a filter: a user's tasks, newest first; Trends' tasks created per day.
CREATE INDEX ix_tasks_user_id_created_at ON tasks (user_id, created_at DESC, id DESC);

-- ListTasks filtered by status (GET /api/tasks?status=pending), newest first, and its total.
CREATE INDEX ix_tasks_user_id_status_created_at ON tasks (user_id, status, created_at DESC, id DESC);

-- Dashboard's task counts by status over a created_at window, index-only.
CREATE INDEX ix_tasks_user_id_created_at_status ON tasks (user_id, created_at) INCLUDE (status);

-- Trends: tasks completed per day; partial, since only done tasks have a completed_at.
CREATE INDEX ix_tasks_user_id_completed_at ON tasks (user_id, completed_at) WHERE completed_at IS NOT NULL;

-- ListTasks' total without a filter: COUNT(*) of a user's tasks over the narrowest index;
-- also the ON DELETE CASCADE from users.
CREATE INDEX ix_tasks_user_id ON tasks (user_id);

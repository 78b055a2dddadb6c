-- Mina's tables. Times are INTEGER Unix milliseconds, UTC.
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	email      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

-- An API token is kept only as its SHA-256: a leaked database leaks no usable token.
CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash BLOB    NOT NULL CHECK (length(token_hash) = 32),
	created_at INTEGER NOT NULL
);

CREATE TABLE meetings (
	id               INTEGER PRIMARY KEY,
	user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title            TEXT    NOT NULL,
	description      TEXT    NOT NULL DEFAULT '',
	starts_at        INTEGER NOT NULL,
	duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);

-- completed_at is set when a task becomes done and cleared when it leaves done, so that
-- "completed per day" does not move when a done task is edited later (updated_at would).
CREATE TABLE tasks (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
	title        TEXT    NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('pending', 'in_progress', 'done')),
	due_at       INTEGER,
	completed_at INTEGER,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	CHECK ((status = 'done') = (completed_at IS NOT NULL))
);

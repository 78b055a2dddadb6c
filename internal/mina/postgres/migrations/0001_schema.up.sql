-- Mina's tables.
CREATE TABLE users (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email      text        NOT NULL,
	name       text        NOT NULL,
	created_at timestamptz NOT NULL
);

-- An API token is kept only as its SHA-256: a leaked database leaks no usable token.
CREATE TABLE api_tokens (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
	created_at timestamptz NOT NULL
);

CREATE TABLE meetings (
	id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title            text        NOT NULL,
	description      text        NOT NULL DEFAULT '',
	starts_at        timestamptz NOT NULL,
	duration_minutes integer     NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL
);

-- completed_at is set when a task becomes done and cleared when it leaves done, so that
-- "completed per day" does not move when a done task is edited later (updated_at would).
CREATE TABLE tasks (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	meeting_id   bigint      NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
	title        text        NOT NULL,
	status       text        NOT NULL CHECK (status IN ('pending', 'in_progress', 'done')),
	due_at       timestamptz,
	completed_at timestamptz,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	CHECK ((status = 'done') = (completed_at IS NOT NULL))
);

package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

const queryUserByToken = `SELECT u.id, u.email, u.name, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1`

// userByToken returns the user owning token, or EUNAUTHORIZED.
func (db *DB) userByToken(ctx context.Context, token string) (*mina.User, error) {
	if token == "" || len(token) > 512 {
		return nil, mina.Errorf(mina.EUNAUTHORIZED, "Invalid API token.")
	}
	var u mina.User
	err := db.db.QueryRowContext(ctx, queryUserByToken, mina.HashToken(token)).Scan(&u.ID, &u.Email, &u.Name, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mina.Errorf(mina.EUNAUTHORIZED, "Invalid API token.")
	} else if err != nil {
		return nil, fmt.Errorf("postgres: user by token: %w", err)
	}
	u.CreatedAt = utc(u.CreatedAt)
	return &u, nil
}

// createUser creates a user and its first API token, returned once: only its hash is kept.
// An email already taken is ECONFLICT.
func (db *DB) createUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	if err := mina.ValidateUser(email, name); err != nil {
		return nil, "", err
	}
	t, err := db.begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer t.Rollback()
	u := mina.User{Email: email, Name: name, CreatedAt: t.now}
	token, hash := mina.NewToken()
	if err := insertUser(ctx, t, &u, hash); err != nil {
		return nil, "", err
	}
	if err := t.Commit(); err != nil {
		return nil, "", fmt.Errorf("postgres: create user: %w", err)
	}
	return &u, token, nil
}

// insertUser inserts u and its token hash in t, setting u.ID. The unique index on email
// decides a race between two creations of one email: the loser gets ECONFLICT.
func insertUser(ctx context.Context, t *tx, u *mina.User, hash []byte) error {
	err := t.QueryRowContext(ctx, `INSERT INTO users (email, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
		u.Email, u.Name, u.CreatedAt).Scan(&u.ID)
	if sqlState(err) == pgUniqueViolation {
		return mina.Errorf(mina.ECONFLICT, "A user with email %q already exists.", u.Email)
	} else if err != nil {
		return fmt.Errorf("postgres: create user %q: %w", u.Email, err)
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)`,
		u.ID, hash, u.CreatedAt); err != nil {
		return fmt.Errorf("postgres: create token for %q: %w", u.Email, err)
	}
	return nil
}

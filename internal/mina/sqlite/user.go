package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

const queryUserByToken = `SELECT u.id, u.email, u.name, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ?`

// UserByToken returns the user owning token, or EUNAUTHORIZED. It is one prepared statement
// on the read pool: every authenticated request runs it.
func (db *DB) UserByToken(ctx context.Context, token string) (*mina.User, error) {
	if token == "" || len(token) > 512 {
		return nil, mina.Errorf(mina.EUNAUTHORIZED, "Invalid API token.")
	}
	s, err := db.readStmt(ctx, queryUserByToken)
	if err != nil {
		return nil, err
	}
	var u mina.User
	var created int64
	err = s.QueryRowContext(ctx, mina.HashToken(token)).Scan(&u.ID, &u.Email, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mina.Errorf(mina.EUNAUTHORIZED, "Invalid API token.")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: user by token: %w", err)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateUser creates a user and its first API token, returned once: only its hash is kept.
// An email already taken is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	if err := mina.ValidateUser(email, name); err != nil {
		return nil, "", err
	}
	t, err := db.beginWrite(ctx)
	if err != nil {
		return nil, "", err
	}
	defer t.Rollback()
	u := mina.User{Email: email, Name: name, CreatedAt: t.now}
	token, hash := mina.NewToken()
	if err := db.insertUser(ctx, t, &u, hash); err != nil {
		return nil, "", err
	}
	if err := t.Commit(); err != nil {
		return nil, "", fmt.Errorf("sqlite: create user: %w", err)
	}
	return &u, token, nil
}

// insertUser inserts u and its token hash in t, setting u.ID.
func (db *DB) insertUser(ctx context.Context, t *tx, u *mina.User, hash []byte) error {
	taken, err := db.inTx(ctx, t, true, `SELECT 1 FROM users WHERE email = ?`)
	if err != nil {
		return err
	}
	var one int
	switch err := taken.QueryRowContext(ctx, u.Email).Scan(&one); {
	case err == nil:
		return mina.Errorf(mina.ECONFLICT, "A user with email %q already exists.", u.Email)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	ins, err := db.inTx(ctx, t, true, `INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	res, err := ins.ExecContext(ctx, u.Email, u.Name, ms(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Email, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Email, err)
	}
	tok, err := db.inTx(ctx, t, true, `INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	if _, err := tok.ExecContext(ctx, u.ID, hash, ms(u.CreatedAt)); err != nil {
		return fmt.Errorf("sqlite: create token for %q: %w", u.Email, err)
	}
	return nil
}

package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ramp-dev/ramp/internal/mina"
)

// A lost connection (PostgreSQL restarted, a pooler or an administrator ended the session,
// the network dropped) must not reach the client as a 500 "Internal error": the request did
// nothing wrong, and often nothing happened at all. Every method of DB runs its work through
// retry, which sorts the error:
//
//	error                                          what happened          action
//	pgconn.SafeToRetry, driver.ErrBadConn          nothing was sent       run the method again, once
//	SQLSTATE 57P01/57P02/57P03 (session ended by   the server ended the   run the method again, once
//	  an administrator, a crash, or not accepting)   session: its open
//	                                                 transaction is rolled
//	                                                 back, nothing committed
//	any other connection error (EOF, reset,        unknown: the statement EUNAVAILABLE (503 with
//	  timeout of a sent statement)                   may have run           Retry-After), never retried
//	a second connection loss                                              EUNAVAILABLE
//
// Every method is one transaction or one statement (see the package doc), so running it again
// after a loss that happened before COMMIT could have taken effect repeats nothing.

// retryOnce runs fn, and once more when its error is a connection loss before anything could
// have been committed; a connection loss it cannot retry becomes an EUNAVAILABLE error.
func retryOnce[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	v, err := fn()
	if err == nil || ctx.Err() != nil {
		return v, err
	}
	if notRun(err) {
		v, err = fn()
		if err == nil || ctx.Err() != nil {
			return v, err
		}
	}
	if lostConnection(err) {
		var zero T
		return zero, unavailable(err)
	}
	return v, err
}

// retryOnceErr is retryOnce for methods that return only an error.
func retryOnceErr(ctx context.Context, fn func() error) error {
	_, err := retryOnce(ctx, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

// Session-ending SQLSTATEs: the server closed the session, rolling back its transaction.
const (
	pgAdminShutdown      = "57P01"
	pgCrashShutdown      = "57P02"
	pgCannotConnectNow   = "57P03"
	pgConnectionExcClass = "08" // connection exceptions
)

// notRun reports whether err is a connection loss after which nothing of the method's work
// can have been committed.
func notRun(err error) bool {
	if pgconn.SafeToRetry(err) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	switch sqlState(err) {
	case pgAdminShutdown, pgCrashShutdown, pgCannotConnectNow:
		return true
	}
	return false
}

// lostConnection reports whether err is a connection loss of any kind (including the ones
// notRun recognises), rather than an error of the statement itself.
func lostConnection(err error) bool {
	if notRun(err) {
		return true
	}
	if st := sqlState(err); st != "" {
		return len(st) == 5 && st[:2] == pgConnectionExcClass
	}
	var netErr net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr) ||
		pgconn.Timeout(err) || errors.Is(err, net.ErrClosed)
}

// RetryAfter is what a client is told to wait after a lost connection (the Retry-After of
// the 503 the API answers).
const RetryAfter = time.Second

// unavailable wraps a connection loss as EUNAVAILABLE, keeping the cause for the logs.
func unavailable(err error) error {
	return &unavailableError{err: err}
}

// unavailableError is an EUNAVAILABLE mina.Error that keeps its cause.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string {
	return fmt.Sprintf("postgres: connection lost: %v", e.err)
}

// Unwrap returns the application error (for mina.ErrorCode) and the cause.
func (e *unavailableError) Unwrap() []error {
	return []error{mina.Errorf(mina.EUNAVAILABLE, "the database connection was lost; retry the request"), e.err}
}

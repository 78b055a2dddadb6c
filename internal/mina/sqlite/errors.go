package sqlite

import (
	"database/sql"
	"errors"
	"time"
)

// timeUnit is the precision of stored times.
const timeUnit = time.Millisecond

// errNoRow reports that a statement meant to change one row changed none.
var errNoRow = errors.New("no row changed")

// expectOneRow turns an Exec result that changed no row into errNoRow.
func expectOneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	} else if n == 0 {
		return errNoRow
	}
	return nil
}

// sqliteConstraintForeignKey is SQLite's extended result code SQLITE_CONSTRAINT_FOREIGNKEY.
const sqliteConstraintForeignKey = 787

// isForeignKey reports whether err is SQLite's foreign-key violation: a row refers to a
// parent that does not exist (or was deleted meanwhile).
func isForeignKey(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == sqliteConstraintForeignKey
}

package sqlite_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"path/filepath"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
	"github.com/ramp-dev/ramp/internal/mina/storetest"
)

// MustOpenDB opens a migrated store in a fresh file under tb.TempDir, closed at cleanup.
func MustOpenDB(tb testing.TB, now func() time.Time) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "mina.db"), sqlite.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) mina.Store { return MustOpenDB(t, now) })
}

func TestMemory(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	u, token, err := db.CreateUser(ctx, "a@example.com", "A")
	if err != nil {
		t.Fatal(err)
	}
	// Reads go through the same single connection, so they see the write.
	if got, err := db.UserByToken(ctx, token); err != nil || got.ID != u.ID {
		t.Fatalf("UserByToken = %+v, %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		opts sqlite.Options
	}{
		{"empty path", "", sqlite.Options{}},                                                 // nothing to open
		{"negative pool", filepath.Join(t.TempDir(), "x.db"), sqlite.Options{ReadConns: -1}}, // nonsense size
		{"a directory", t.TempDir(), sqlite.Options{}},
		{"a URI query in the path", filepath.Join(t.TempDir(), "x.db?mode=ro"), sqlite.Options{}}, // would be read as DSN options                                       // not a database file
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := sqlite.Open(tt.path, tt.opts)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	if _, err := db.ListMeetings(t.Context(), 1, mina.Page{}); err != nil {
		t.Fatal(err)
	}
	if s := db.Stats(); s.MaxOpenConnections != sqlite.DefaultReadConns || s.OpenConnections < 1 {
		t.Fatalf("read pool stats = %+v", s)
	}
	if s := db.WriteStats(); s.MaxOpenConnections != 1 {
		t.Fatalf("write pool stats = %+v", s)
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "m.db"), sqlite.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status := func() []mina.MigrationState {
		t.Helper()
		s, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := status()
	if len(s) < 2 || s[0].Version != 1 || s[0].Name != "schema" || s[1].Name != "indexes" || s[0].Applied || s[1].Applied {
		t.Fatalf("fresh status = %+v", s)
	}
	if n := countIndexes(t, db); n != 0 {
		t.Fatalf("%d ix_ indexes before migrating", n)
	}
	if err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range status() {
		if !m.Applied || m.AppliedAt.IsZero() {
			t.Fatalf("after MigrateUp: %+v", m)
		}
	}
	if n := countIndexes(t, db); n < 13 {
		t.Fatalf("%d ix_ indexes after MigrateUp, want at least 13", n)
	}
	if err := db.MigrateUp(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	// The first MigrateDown reverts the transcripts (3): its table and its one index go.
	before := countIndexes(t, db)
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if s := status(); len(s) != 3 || !s[1].Applied || s[2].Applied || s[2].Name != "transcripts" {
		t.Fatalf("after one MigrateDown: %+v", s)
	}
	if n := countIndexes(t, db); n != before-1 {
		t.Fatalf("%d ix_ indexes after reverting the transcripts, want %d", n, before-1)
	}
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countIndexes(t, db); n != 0 {
		t.Fatalf("%d ix_ indexes after two MigrateDowns", n)
	}
	if s := status(); !s[0].Applied || s[1].Applied {
		t.Fatalf("after two MigrateDowns: %+v", s)
	}
	// The store still works on the bare schema, only slower.
	if _, _, err := db.CreateUser(ctx, "a@example.com", "A"); err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ListMeetings(ctx, 1, mina.Page{}); err == nil {
		t.Fatal("ListMeetings worked with no tables")
	}
	if err := db.MigrateDown(ctx); err != nil { // nothing left: a no-op
		t.Fatal(err)
	}
	if err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ListMeetings(ctx, 1, mina.Page{}); err != nil {
		t.Fatalf("after migrating back up: %v", err)
	}
}

func countIndexes(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	var n int
	err := sqlite.QueryRowForTest(db, context.Background(),
		`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix\_%' ESCAPE '\'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTokenStoredHashed checks that api_tokens holds the token's SHA-256, never the token.
func TestTokenStoredHashed(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	u, token, err := db.CreateUser(t.Context(), "a@example.com", "A")
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := sqlite.QueryRowForTest(db, t.Context(), `SELECT token_hash FROM api_tokens WHERE user_id = ?`, u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(token))
	if !bytes.Equal(stored, want[:]) {
		t.Fatalf("stored %x, want the SHA-256 of the token %x", stored, want)
	}
	var n int
	if err := sqlite.QueryRowForTest(db, t.Context(), `SELECT count(*) FROM api_tokens WHERE instr(CAST(token_hash AS TEXT), ?) > 0`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the plain token is in the table: %d rows, %v", n, err)
	}
}

// TestReadsDoNotQueueBehindWrites holds the single writer in an open transaction and checks
// that reads still answer, from the last committed state.
func TestReadsDoNotQueueBehindWrites(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	u, token, err := db.CreateUser(t.Context(), "a@example.com", "A")
	if err != nil {
		t.Fatal(err)
	}
	release, err := sqlite.HoldWriterForTest(db, t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	// A read that queued behind the writer would run into this deadline instead.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := db.UserByToken(ctx, token); err != nil {
		t.Fatalf("UserByToken while a write is open: %v", err)
	}
	list, err := db.ListMeetings(ctx, u.ID, mina.Page{})
	if err != nil {
		t.Fatalf("ListMeetings while a write is open: %v", err)
	}
	if list.Total != 0 {
		t.Fatalf("a read saw an uncommitted meeting: %+v", list)
	}
	// A write, by contrast, waits for the writer: it gives up at its deadline.
	short, cancelShort := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelShort()
	err = db.CreateMeeting(short, &mina.Meeting{UserID: u.ID, Title: "x", StartsAt: time.Now(), DurationMinutes: 1})
	if err == nil {
		t.Fatal("a second write went through while the writer was held")
	}
}

package postgres_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/postgres"
	"github.com/ramp-dev/ramp/internal/mina/seed"
	"github.com/ramp-dev/ramp/internal/mina/storetest"
)

// Both stores are seeders.
var _ seed.Seeder = (*postgres.DB)(nil)

// testURL returns MINA_TEST_POSTGRES_URL, skipping the test when it is not set.
func testURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("MINA_TEST_POSTGRES_URL")
	if u == "" {
		tb.Skip("MINA_TEST_POSTGRES_URL is not set (CI sets it to postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// schemaURL creates a schema of its own for the test, so that tests of this and other
// packages share the database without seeing each other, drops it at cleanup, and returns
// the URL of a connection whose search_path is that schema.
func schemaURL(tb testing.TB) string {
	tb.Helper()
	base := testURL(tb)
	var b [6]byte
	rand.Read(b[:])
	schema := "mina_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpenDB opens a migrated store in a schema of its own, closed and dropped at cleanup.
func MustOpenDB(tb testing.TB, now func() time.Time) *postgres.DB {
	tb.Helper()
	u := schemaURL(tb)
	db, err := postgres.Open(u, postgres.Options{MaxConns: 4, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() }) // runs before the schema's drop: cleanups are LIFO
	return db
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, now func() time.Time) mina.Store { return MustOpenDB(t, now) })
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := postgres.Open(schemaURL(t), postgres.Options{MaxConns: 2, SkipMigrate: true})
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
	indexes := func() []string {
		t.Helper()
		rows, err := postgres.QueryForTest(db, ctx,
			`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'ix\_%' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	if s := status(); len(s) != 3 || s[0].Applied || s[1].Applied || s[2].Applied || s[0].Name != "schema" || s[1].Name != "indexes" || s[2].Name != "transcripts" {
		t.Fatalf("fresh status = %+v", s)
	}
	if err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range status() {
		if !m.Applied || m.AppliedAt.IsZero() {
			t.Fatalf("after MigrateUp: %+v", m)
		}
	}
	if names := indexes(); len(names) < 13 {
		t.Fatalf("after MigrateUp, %d ix_ indexes: %v; want at least 13", len(names), names)
	}
	if err := db.MigrateUp(ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	// The first MigrateDown reverts the transcripts (3): its table and its one index go.
	before := len(indexes())
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if s := status(); !s[1].Applied || s[2].Applied {
		t.Fatalf("after one MigrateDown: %+v", s)
	}
	if names := indexes(); len(names) != before-1 {
		t.Fatalf("after reverting the transcripts, ix_ indexes: %v; want %d", names, before-1)
	}
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if names := indexes(); len(names) != 0 {
		t.Fatalf("after two MigrateDowns, ix_ indexes remain: %v", names)
	}
	if s := status(); !s[0].Applied || s[1].Applied {
		t.Fatalf("after two MigrateDowns: %+v", s)
	}
	if err := db.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateDown(ctx); err != nil { // nothing left: a no-op
		t.Fatal(err)
	}
	if err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateUser(ctx, "a@example.com", "A"); err != nil {
		t.Fatalf("after migrating down and up again: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"",               // nothing to open
		"postgres://%zz", // not a URL
		"postgres://127.0.0.1:1/x?sslmode=disable&connect_timeout=2", // nobody listens on port 1
	} {
		db, err := postgres.Open(u, postgres.Options{})
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := db.Stats(); s.MaxOpenConnections != 4 || s.OpenConnections < 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	res, err := seed.Seed(t.Context(), db, seed.Options{Users: 10, Meetings: 100})
	if err != nil {
		t.Fatal(err)
	}
	var meetings int
	for i, u := range res.Users {
		if got, err := db.UserByToken(t.Context(), res.Tokens[i]); err != nil || got.ID != u.ID {
			t.Fatalf("token of user %d: %+v, %v", u.ID, got, err)
		}
		list, err := db.ListMeetings(t.Context(), u.ID, mina.Page{Page: 1, PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		meetings += list.Total
	}
	if meetings != 100 || res.Meetings != 100 {
		t.Fatalf("%d meetings stored, %d reported; want 100", meetings, res.Meetings)
	}
}

package storetest

import (
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/mina"
)

func testUsers(t *testing.T, open Opener) {
	t.Run("token authenticates its user", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u, token, err := f.st.CreateUser(f.ctx, "ada@example.com", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID <= 0 || u.Email != "ada@example.com" || u.Name != "Ada" || !u.CreatedAt.Equal(Epoch.Truncate(1e6)) {
			t.Fatalf("created user = %+v", u)
		}
		if len(token) < 32 {
			t.Fatalf("token %q is too short to be secret", token)
		}
		got, err := f.st.UserByToken(f.ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if *got != *u {
			t.Fatalf("UserByToken = %+v, want %+v", got, u)
		}
	})
	t.Run("tokens are distinct per user", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		a, ta, err := f.st.CreateUser(f.ctx, "a@example.com", "A")
		if err != nil {
			t.Fatal(err)
		}
		b, tb, err := f.st.CreateUser(f.ctx, "b@example.com", "B")
		if err != nil {
			t.Fatal(err)
		}
		if ta == tb || a.ID == b.ID {
			t.Fatalf("two users share a token or an ID: %q %q %d %d", ta, tb, a.ID, b.ID)
		}
		if got, err := f.st.UserByToken(f.ctx, tb); err != nil || got.ID != b.ID {
			t.Fatalf("UserByToken(b's token) = %+v, %v", got, err)
		}
	})
	t.Run("bad tokens are unauthorized", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		_, token, err := f.st.CreateUser(f.ctx, "a@example.com", "A")
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{
			"",                         // no token at all
			token + "x",                // one character more
			token[:len(token)-1],       // one character less
			strings.ToUpper(token),     // tokens are case-sensitive
			strings.Repeat("x", 10000), // absurdly long
		} {
			_, err := f.st.UserByToken(f.ctx, bad)
			wantCode(t, err, mina.EUNAUTHORIZED)
		}
	})
	t.Run("duplicate email conflicts", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		f.user("dup")
		_, _, err := f.st.CreateUser(f.ctx, "dup@example.com", "again")
		wantCode(t, err, mina.ECONFLICT)
	})
	t.Run("invalid users", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name, email, userName, field string
		}{
			{"empty email", "", "x", "email"},                                // required
			{"no at sign", "example.com", "x", "email"},                      // not an address
			{"nothing before at", "@example.com", "x", "email"},              // not an address
			{"space", "a b@example.com", "x", "email"},                       // not an address
			{"long email", strings.Repeat("a", 250) + "@b.cd", "x", "email"}, // over 254
			{"long name", "a@b.cd", strings.Repeat("n", 201), "name"},        // over 200
			{"bad utf-8", "a@b.cd", "\xff", "name"},                          // not text
		}
		f := newFixture(t, open)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := f.st.CreateUser(f.ctx, tt.email, tt.userName)
				wantInvalid(t, err, tt.field)
			})
		}
	})
}

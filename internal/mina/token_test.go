package mina

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	a, ha := NewToken()
	b, _ := NewToken()
	if !strings.HasPrefix(a, TokenPrefix) || len(a) != len(TokenPrefix)+43 {
		t.Fatalf("token %q: want %q and 43 base64 characters", a, TokenPrefix)
	}
	if a == b {
		t.Fatal("two tokens are equal")
	}
	want := sha256.Sum256([]byte(a))
	if !bytes.Equal(ha, want[:]) || !bytes.Equal(HashToken(a), ha) {
		t.Fatal("the hash is not the token's SHA-256")
	}
}

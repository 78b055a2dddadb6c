package mina

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// TokenPrefix marks mina API tokens, so that a leaked one is recognisable in logs and scans.
const TokenPrefix = "mina_"

// NewToken returns a fresh API token, "mina_" and 32 random bytes in URL-safe base64, and the
// SHA-256 that stores keep instead of it.
func NewToken() (token string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand's documented contract since Go 1.24)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of a token, the form in which stores keep it: a stolen
// database holds no usable token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

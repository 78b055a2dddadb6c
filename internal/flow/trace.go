package flow

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"strings"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/plan"
)

// tracer puts a W3C traceparent (https://www.w3.org/TR/trace-context/) on a sampled share of
// a VU's requests:
//
//	traceparent: 00-<trace-id: 32 hex>-<parent-id: 16 hex>-01
//
// version 00, a random trace id and span id, the sampled flag set (ramp asks the server to
// record this one). Its random source is ChaCha8 seeded from crypto/rand, apart from the VU's
// seeded source: trace ids must differ between runs even when a run's choices are seeded, and
// tracing must not change those choices. An unsampled request costs one random draw.
type tracer struct {
	rate float64
	rng  *rand.Rand
	buf  [55]byte
}

// newTracer returns nil when t is off.
func newTracer(t plan.Tracing) *tracer {
	if t.Propagation == "" || t.SampleRate <= 0 {
		return nil
	}
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails (Go 1.24+)
	return &tracer{rate: t.SampleRate, rng: rand.New(rand.NewChaCha8(seed))}
}

const hexDigits = "0123456789abcdef"

// next returns the header of a sampled request and its trace id (a substring of the header's
// value), or ok false when this request is not sampled.
func (t *tracer) next() (h httpclient.Header, traceID string, ok bool) {
	if t.rate < 1 && t.rng.Float64() >= t.rate {
		return httpclient.Header{}, "", false
	}
	var id [24]byte // trace id (16 bytes), then span id (8)
	for i := 0; i < len(id); i += 8 {
		binary.LittleEndian.PutUint64(id[i:], t.rng.Uint64())
	}
	if isZero(id[:16]) || isZero(id[16:]) {
		id[0], id[16] = 1, 1 // all-zero ids are invalid
	}
	b := t.buf[:0]
	b = append(b, "00-"...)
	for i, c := range id {
		if i == 16 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	b = append(b, "-01"...)
	v := string(b)
	return httpclient.Header{Key: "traceparent", Value: v}, v[3:35], true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// hasHeader reports whether hs has a header named key (case-insensitively).
func hasHeader(hs []httpclient.Header, key string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Key, key) {
			return true
		}
	}
	return false
}

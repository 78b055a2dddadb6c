package metrics

import (
	"strconv"
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Trend values are recorded in microseconds from 1 µs to one hour; larger
// values are recorded as one hour and counted (MetricValue.Clamped).
const (
	maxMicros       = int64(3_600_000_000)
	wholeDigits     = 3 // whole-run trends: 0.1% relative error
	seriesDigits    = 2 // per-interval series points: 1% relative error
	slotsPerSink    = 4 // intervals a shard accumulates per key before handing the oldest over
	maxCacheEntries = 4096
)

// sampleKind names what a recorder call records; each kind feeds a fixed list of metrics.
type sampleKind uint8

const (
	kindHTTP sampleKind = iota
	kindCheck
	kindIteration
	kindGroup
	kindDropped
	kindWSSession
	kindWSSessionEnd
	kindWSSent
	kindWSReceived
	kindWSPing
	kindWSLatency
)

// kindMetrics lists, per kind, the metric fed by each value slot of a sample.
var kindMetrics = [...][]string{
	kindHTTP: {HTTPReqs, HTTPReqDuration, HTTPReqBlocked, HTTPReqConnecting, HTTPReqTLSHandshaking,
		HTTPReqSending, HTTPReqWaiting, HTTPReqReceiving, HTTPReqFailed, DataSent, DataReceived,
		HTTPReqDurationCorrected, HTTPReqLookingUp},
	kindCheck:     {Checks},
	kindIteration: {Iterations, IterationDuration, SessionOK, SessionDuration},
	kindGroup:     {GroupDuration},
	kindDropped:   {DroppedIterations},
	// WebSocket bytes count in data_sent and data_received, as in k6.
	kindWSSession:    {WSSessions, WSConnecting},
	kindWSSessionEnd: {WSSessionDuration},
	kindWSSent:       {WSMsgsSent, DataSent},
	kindWSReceived:   {WSMsgsReceived, DataReceived},
	kindWSPing:       {WSPing},
	kindWSLatency:    {WSMsgLatency},
}

// kindTypes holds the Type of each slot of kindMetrics, to convert values for the Output.
var kindTypes = func() [len(kindMetrics)][]Type {
	var out [len(kindMetrics)][]Type
	for k, names := range kindMetrics {
		for _, n := range names {
			b, _ := Lookup(n)
			out[k] = append(out[k], b.Type)
		}
	}
	return out
}()

// slotCorrected and slotLookingUp are the HTTP slots of http_req_duration_corrected and
// http_req_looking_up, fed only when the sample has a corrected duration or a named host.
const (
	slotCorrected = 11
	slotLookingUp = 12
)

// slotMask marks the value slots of a sample that feed nothing (bit i: slot i).
type slotMask uint32

// has reports whether slot i is marked.
func (m slotMask) has(i int) bool { return m&(1<<i) != 0 }

// cacheKey identifies everything that decides which sinks a sample feeds and its full tags.
type cacheKey struct {
	tags     *TagSet
	kind     sampleKind
	expected bool
	status   int32
	errCode  int32
	check    string
}

// fullTags is the sample's static tags plus k6's dynamic ones.
func (k cacheKey) fullTags() *TagSet {
	switch k.kind {
	case kindHTTP:
		t := k.tags.With("status", strconv.Itoa(int(k.status))).
			With("expected_response", strconv.FormatBool(k.expected))
		if k.errCode != 0 {
			t = t.With("error_code", strconv.Itoa(int(k.errCode)))
		}
		return t
	case kindCheck:
		return k.tags.With("check", k.check)
	}
	return k.tags
}

// entry is what one cacheKey resolves to: the full tags and the sinks each slot feeds.
type entry struct {
	tags *TagSet
	recs []rec
}

type rec struct {
	slot uint8
	s    *sink
}

// shard owns one set of sinks; its mutex guards all of them. Recorders lock one shard per
// sample; snapshots merge all shards.
type shard struct {
	r     *Registry
	mu    sync.Mutex
	sinks []*sink // by keyState.id; nil until fed
	cache map[cacheKey]*entry
	pool  []*hdr.Histogram // reset series-slot histograms, for reuse
}

func newShard(r *Registry) *shard {
	return &shard{r: r, cache: map[cacheKey]*entry{}}
}

// entry returns the cached resolution of k, building it on first use. The caller holds sh.mu.
func (sh *shard) entry(k cacheKey) *entry {
	if e := sh.cache[k]; e != nil {
		return e
	}
	full := k.fullTags()
	e := &entry{tags: full}
	r := sh.r
	r.mu.Lock()
	for slot, name := range kindMetrics[k.kind] {
		for _, ks := range r.resolve(name, full) {
			e.recs = append(e.recs, rec{slot: uint8(slot), s: sh.sink(ks)})
		}
	}
	r.mu.Unlock()
	// Callers are meant to reuse TagSets; one that builds a new set per request would grow
	// the cache without end, so start over when it is full.
	if len(sh.cache) >= maxCacheEntries {
		clear(sh.cache)
	}
	sh.cache[k] = e
	return e
}

// sink returns the shard's sink for ks, creating it.
func (sh *shard) sink(ks *keyState) *sink {
	for len(sh.sinks) <= ks.id {
		sh.sinks = append(sh.sinks, nil)
	}
	if s := sh.sinks[ks.id]; s != nil {
		return s
	}
	s := &sink{ks: ks, typ: ks.b.Type}
	if s.typ == Trend {
		if len(ks.tags) == 0 {
			// Whole metrics take most samples: a dense histogram records in a few ns.
			s.dense = hdr.New(1, maxMicros, wholeDigits)
		} else {
			// Sub-metrics may number in the hundreds: a packed histogram grows with the
			// buckets in use.
			s.packed = hdr.NewPacked(1, maxMicros, wholeDigits)
		}
	}
	for i := range s.slots {
		s.slots[i].bi = -1
	}
	sh.sinks[ks.id] = s
	return s
}

// record feeds vals (one per slot of the entry's kind) to the entry's sinks, skipping the
// slots marked in skip. The caller holds sh.mu.
func (sh *shard) record(e *entry, vals []int64, bi int64, skip slotMask) {
	for _, rc := range e.recs {
		if skip.has(int(rc.slot)) {
			continue
		}
		rc.s.add(vals[rc.slot], bi, sh)
	}
}

// flushAll hands every pending series slot to its series. The caller holds sh.mu.
func (sh *shard) flushAll() {
	for _, s := range sh.sinks {
		if s == nil {
			continue
		}
		for i := range s.slots {
			if s.slots[i].bi >= 0 {
				sh.flushSlot(s, &s.slots[i])
			}
		}
	}
}

// flushSlot merges one slot into its series and frees it.
func (sh *shard) flushSlot(s *sink, sl *slot) {
	s.ks.series.addSlot(sl)
	if sl.h != nil {
		sl.h.Reset()
		sh.pool = append(sh.pool, sl.h)
	}
	*sl = slot{bi: -1}
}

// sink accumulates one key in one shard: the whole run, and the last few series intervals.
// Values are ns for trends, counts or bytes for counters, 0/1 for rates.
type sink struct {
	ks       *keyState
	typ      Type
	n        int64   // samples
	sum      float64 // counter: total; trend: ns
	min, max float64 // trend, ns
	passes   int64   // rate
	clamped  int64   // trend values above maxMicros
	dense    *hdr.Histogram
	packed   *hdr.PackedHistogram
	slots    [slotsPerSink]slot
}

// slot accumulates one series interval of one sink.
type slot struct {
	bi       int64 // base interval index; -1 when free
	n        int64
	sum      float64
	min, max float64
	passes   int64
	h        *hdr.Histogram // trends: µs, seriesDigits
}

func (s *sink) add(v, bi int64, sh *shard) {
	var us int64
	switch s.typ {
	case Counter:
		s.sum += float64(v)
	case Rate:
		if v != 0 {
			s.passes++
		}
	case Trend:
		v = max(v, 0)
		f := float64(v)
		if s.n == 0 || f < s.min {
			s.min = f
		}
		if f > s.max {
			s.max = f
		}
		s.sum += f
		if v < maxMicros*1000 {
			us = (v + 500) / 1000 // round to the µs; cannot overflow below the ceiling
		} else {
			us = maxMicros
			if v > maxMicros*1000 {
				s.clamped++
			}
		}
		if s.dense != nil {
			_ = s.dense.RecordValue(us) // in range by construction
		} else {
			_ = s.packed.RecordValue(us)
		}
	}
	s.n++
	if sl := s.slotFor(bi, sh); sl != nil {
		sl.add(s.typ, v, us, s.ks.seriesHist, sh)
	} else {
		s.ks.series.addOne(bi, s.typ, v, us, s.ks.seriesHist)
	}
}

// slotFor returns the slot of interval bi, handing the oldest slot to the series when none
// matches. It returns nil for a late sample, older than every slot in use: that one goes to
// the series directly rather than evict a busy interval.
func (s *sink) slotFor(bi int64, sh *shard) *slot {
	victim := &s.slots[0]
	for i := range s.slots {
		sl := &s.slots[i]
		if sl.bi == bi {
			return sl
		}
		if sl.bi < victim.bi {
			victim = sl
		}
	}
	if victim.bi >= 0 {
		if bi < victim.bi {
			return nil
		}
		sh.flushSlot(s, victim)
	}
	victim.bi = bi
	return victim
}

func (sl *slot) add(typ Type, v, us int64, hist bool, sh *shard) {
	f := float64(v)
	switch typ {
	case Counter:
		sl.sum += f
	case Rate:
		if v != 0 {
			sl.passes++
		}
	case Trend:
		if sl.n == 0 || f < sl.min {
			sl.min = f
		}
		if f > sl.max {
			sl.max = f
		}
		sl.sum += f
		if !hist {
			break
		}
		if sl.h == nil {
			if n := len(sh.pool); n > 0 {
				sl.h = sh.pool[n-1]
				sh.pool = sh.pool[:n-1]
			} else {
				sl.h = newSlotHist()
			}
		}
		_ = sl.h.RecordValue(us)
	}
	sl.n++
}

func newSlotHist() *hdr.Histogram { return hdr.New(1, maxMicros, seriesDigits) }

func newSeriesHist() *hdr.PackedHistogram { return hdr.NewPacked(1, maxMicros, seriesDigits) }

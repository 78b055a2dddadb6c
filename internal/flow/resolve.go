package flow

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/ramp-dev/ramp/internal/datafile"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// expand appends the expansion of te to dst.
func (v *VU) expand(dst []byte, te *texpr) ([]byte, error) {
	if te.isLit {
		return append(dst, te.lit...), nil
	}
	prev := v.cur
	v.cur = te
	dst, err := te.t.Expand(dst, v.lookupFn)
	v.cur = prev
	return dst, err
}

// lookup answers tmpl.Expand for the template being expanded (v.cur). It is bound once per VU
// (v.lookupFn) so that expanding does not allocate a closure.
func (v *VU) lookup(ref tmpl.Ref) (any, error) {
	for i := range v.cur.res {
		if v.cur.res[i].offset == ref.Offset {
			return v.resolve(&v.cur.res[i])
		}
	}
	return nil, fmt.Errorf("%s: not bound (a bug in the flow runner)", ref)
}

// resolve returns the value r reads. Errors wrap tmpl.ErrUndefined when the value does not
// exist, so a default can stand in.
func (v *VU) resolve(r *resolver) (any, error) {
	switch r.kind {
	case resVU:
		return v.vuBox, nil
	case resIter:
		if v.iterBox == nil {
			v.iterBox = v.iter
		}
		return v.iterBox, nil
	case resScenario:
		return v.scenarioBox, nil
	case resFeeder:
		row := v.row(r.feeder)
		if len(r.path) == 0 {
			return row, nil
		}
		return navigate(row, r.path, r.root)
	case resName:
		val, ok := v.name(r.root)
		if !ok {
			return nil, fmt.Errorf("%q: %w (its capture found nothing, or has not run yet)", r.root, tmpl.ErrUndefined)
		}
		if len(r.path) == 0 {
			return val, nil
		}
		return navigate(val, r.path, r.root)
	case resFunc:
		return v.call(r)
	}
	return nil, fmt.Errorf("%s: unbound reference", r.ref)
}

// name reads a variable: the VU's captures, then setup's, then the plan's.
func (v *VU) name(root string) (any, bool) {
	if val, ok := v.vars[root]; ok {
		return val, true
	}
	if val, ok := v.shared.setup()[root]; ok {
		return val, true
	}
	val, ok := v.shared.vars[root]
	return val, ok
}

// row returns the VU's current row of feeder fi, taking one on first use in the iteration.
func (v *VU) row(fi int) map[string]any {
	f := v.shared.feeders[fi]
	if v.rows[fi] < 0 {
		v.rows[fi] = f.pick(v.id, v.rng.IntN)
	}
	return f.rows[v.rows[fi]]
}

// navigate follows .field and [n] steps into captured objects and lists.
func navigate(val any, path []tmpl.PathElem, root string) (any, error) {
	for _, p := range path {
		switch c := val.(type) {
		case map[string]any:
			if p.IsIndex {
				return nil, fmt.Errorf("%s: [%d] on an object: %w", root, p.Index, tmpl.ErrUndefined)
			}
			next, ok := c[p.Field]
			if !ok {
				return nil, fmt.Errorf("%s: no field %q: %w", root, p.Field, tmpl.ErrUndefined)
			}
			val = next
		case []any:
			if !p.IsIndex {
				return nil, fmt.Errorf("%s: .%s on a list: %w", root, p.Field, tmpl.ErrUndefined)
			}
			if p.Index >= len(c) {
				return nil, fmt.Errorf("%s: index %d out of a list of %d: %w", root, p.Index, len(c), tmpl.ErrUndefined)
			}
			val = c[p.Index]
		default:
			return nil, fmt.Errorf("%s: cannot look into %s: %w", root, datafile.Kind(val), tmpl.ErrUndefined)
		}
	}
	return val, nil
}

// call evaluates a function reference.
func (v *VU) call(r *resolver) (any, error) {
	switch r.ref.Func {
	case tmpl.FuncRandomInt:
		lo, err := v.intArg(&r.args[0])
		if err != nil {
			return nil, err
		}
		hi, err := v.intArg(&r.args[1])
		if err != nil {
			return nil, err
		}
		if hi < lo {
			return nil, fmt.Errorf("randomInt(%d, %d): the second bound is below the first", lo, hi)
		}
		span := uint64(hi - lo)
		if span == math.MaxUint64 {
			return int64(v.rng.Uint64()), nil
		}
		return lo + int64(v.rng.Uint64N(span+1)), nil
	case tmpl.FuncRandomChoice:
		if len(r.args) == 1 {
			val, err := v.argValue(&r.args[0])
			if err != nil {
				return nil, err
			}
			if list, ok := val.([]any); ok {
				if len(list) == 0 {
					return nil, fmt.Errorf("randomChoice(%s): the list is empty: %w", r.ref.Args[0], tmpl.ErrUndefined)
				}
				return list[v.rng.IntN(len(list))], nil
			}
			return val, nil
		}
		return v.argValue(&r.args[v.rng.IntN(len(r.args))])
	case tmpl.FuncUUID:
		var id uuid.UUID
		hi, lo := v.rng.Uint64(), v.rng.Uint64()
		for i := range 8 {
			id[i], id[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
		}
		id[6] = id[6]&0x0f | 0x40 // version 4
		id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
		return id.String(), nil
	case tmpl.FuncNow:
		return v.shared.now().UTC().Format(time.RFC3339), nil
	case tmpl.FuncNowUnix:
		return v.shared.now().Unix(), nil
	case tmpl.FuncNowUnixMilli:
		return v.shared.now().UnixMilli(), nil
	}
	return nil, fmt.Errorf("unknown function %q", r.ref.Func)
}

func (v *VU) argValue(a *funcArg) (any, error) {
	if a.res != nil {
		return v.resolve(a.res)
	}
	return a.lit, nil
}

// intArg reads an integer argument: a literal or a variable holding an integer (as a number
// or as text).
func (v *VU) intArg(a *funcArg) (int64, error) {
	val, err := v.argValue(a)
	if err != nil {
		return 0, err
	}
	switch n := val.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int64(n), nil
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, nil
		}
	case string:
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("randomInt: %v is not an integer", val)
}

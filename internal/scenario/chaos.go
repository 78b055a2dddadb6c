package scenario

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// The chaos keys:
//
//	chaos_adapters:                 # optional; default: one adapter "mina" of kind mina at
//	  NAME:                         # BASE_URL with the token ${MINA_ADMIN_TOKEN}
//	    kind: mina | http
//	    url: URL                    # mina: its base URL
//	    token: TOKEN                # mina: its admin token
//	    set:   { method, url, headers, body }   # http: sent when a fault starts
//	    clear: { method, url, headers, body }   # http: sent when it ends (optional)
//	chaos:
//	  - at: DURATION                # from the load's start
//	    for: DURATION
//	    name: NAME                  # optional; default fault-N
//	    adapter: NAME               # optional when one adapter is declared
//	    fault: { KEY: VALUE, … }    # what the adapter applies
//
// The http adapter's url and body may read the fault: ${fault.name}, ${fault.for} (seconds),
// ${fault.KEY}, ${fault.json}; those references are kept for the engine to fill.

var (
	chaosAdapterKeys = []string{"kind", "url", "token", "set", "clear"}
	chaosEventKeys   = []string{"at", "for", "name", "adapter", "fault"}
	chaosCallKeys    = []string{"method", "url", "headers", "body"}
	// minaFaultKeys are the keys mina's /admin/faults accepts.
	minaFaultKeys = []string{"latency", "route", "error_rate", "db_latency", "db_connection_loss", "db_loss_every", "cache_outage"}
)

// defaultChaosAdapter is the adapter of a timeline without chaos_adapters.
const defaultChaosAdapter = "mina"

// chaos compiles the chaos timeline and its adapters.
func (c *compiler) chaos(top *obj, root *yaml.Node) plan.Chaos {
	var ch plan.Chaos
	if n, path := top.get("chaos_adapters"); n != nil {
		if o := c.object(n, path, nil); o != nil {
			for _, name := range o.order {
				if a, ok := c.chaosAdapter(name, o.vals[name], join(path, name)); ok {
					ch.Adapters = append(ch.Adapters, a)
				}
			}
		}
	}
	n, path := top.get("chaos")
	if n == nil {
		return ch
	}
	items, ok := c.list(n, path)
	if !ok {
		return ch
	}
	if len(ch.Adapters) == 0 && !top.has("chaos_adapters") {
		token := c.vars["MINA_ADMIN_TOKEN"]
		if token == "" {
			token, _ = c.env("MINA_ADMIN_TOKEN")
		}
		ch.Adapters = []plan.ChaosAdapter{{Name: defaultChaosAdapter, Kind: plan.AdapterMina,
			URL: c.baseURLOf(root), Token: token, Line: n.Line}}
	}
	names := map[string]int{}
	for i, item := range items {
		o := c.object(item, index(path, i), chaosEventKeys)
		if o == nil {
			continue
		}
		e, ok := c.chaosEvent(o, i, ch.Adapters)
		if !ok {
			continue
		}
		if first, dup := names[e.Name]; dup {
			c.errAt(o.node, o.path, fmt.Sprintf("two faults are named %q (the first at line %d)", e.Name, first), "give each fault its own name:")
			continue
		}
		names[e.Name] = e.Line
		ch.Events = append(ch.Events, e)
	}
	sort.SliceStable(ch.Events, func(i, j int) bool { return ch.Events[i].At < ch.Events[j].At })
	return ch
}

// chaosEvent compiles one fault of the timeline.
func (c *compiler) chaosEvent(o *obj, i int, adapters []plan.ChaosAdapter) (plan.ChaosEvent, bool) {
	e := plan.ChaosEvent{Name: fmt.Sprintf("fault-%d", i+1), Line: o.node.Line}
	ok := o.require("at", "when the fault starts, from the load's start, e.g. at: 2m")
	ok = o.require("for", "how long the fault lasts, e.g. for: 30s") && ok
	ok = o.require("fault", "what to break, e.g. fault: { latency: 500ms, route: /api/meetings }") && ok
	o.duration("at", &e.At)
	if o.duration("for", &e.For) && e.For <= 0 {
		v, p := o.get("for")
		c.errAt(v, p, "for must be positive", "e.g. for: 30s")
		ok = false
	}
	o.str("name", &e.Name)
	switch {
	case o.has("adapter"):
		o.str("adapter", &e.Adapter)
		if !hasAdapter(adapters, e.Adapter) {
			v, p := o.get("adapter")
			c.errAt(v, p, fmt.Sprintf("no chaos adapter named %q", e.Adapter), didYouMean(e.Adapter, adapterNames(adapters)))
			ok = false
		}
	case len(adapters) == 1:
		e.Adapter = adapters[0].Name
	case len(adapters) > 1:
		c.errAt(o.node, o.path, "which adapter applies this fault?", "add adapter: one of "+strings.Join(adapterNames(adapters), ", "))
		ok = false
	}
	if v, p := o.get("fault"); v != nil {
		f := c.object(v, p, nil)
		if f == nil {
			return e, false
		}
		e.Fault = c.spec(f)
		if len(e.Fault) == 0 {
			c.errAt(f.node, p, "the fault injects nothing", "e.g. fault: { latency: 500ms, route: /api/meetings }")
			ok = false
		}
		for _, a := range adapters {
			if a.Name == e.Adapter && a.Kind == plan.AdapterMina {
				ok = c.minaFault(f, e.Fault) && ok
			}
		}
	}
	return e, ok
}

// minaFault checks a fault for mina's admin API: its keys and their types.
func (c *compiler) minaFault(f *obj, fault map[string]any) bool {
	ok := true
	for _, k := range f.order {
		v, p := f.get(k)
		val := fault[k]
		bad := func(want string) {
			c.errAt(v, p, fmt.Sprintf("%s: want %s, got %v", k, want, val), "")
			ok = false
		}
		switch k {
		case "latency", "db_latency", "db_loss_every":
			s, isStr := val.(string)
			if d, err := time.ParseDuration(s); !isStr || err != nil || d < 0 {
				bad("a duration such as \"500ms\"")
			}
		case "error_rate":
			var r float64
			switch x := val.(type) {
			case float64:
				r = x
			case int64:
				r = float64(x)
			default:
				r = -1
			}
			if r < 0 || r > 1 {
				bad("a fraction from 0 to 1")
			}
		case "route":
			if _, isStr := val.(string); !isStr {
				bad("a path prefix or glob such as /api/meetings")
			}
		case "db_connection_loss", "cache_outage":
			if _, isBool := val.(bool); !isBool {
				bad("true or false")
			}
		default:
			c.errAt(v, p, fmt.Sprintf("mina has no fault %q", k), didYouMean(k, minaFaultKeys))
			ok = false
		}
	}
	return ok
}

// chaosAdapter compiles one adapter.
func (c *compiler) chaosAdapter(name string, n *yaml.Node, path string) (plan.ChaosAdapter, bool) {
	a := plan.ChaosAdapter{Name: name, Line: n.Line}
	o := c.object(n, path, chaosAdapterKeys)
	if o == nil || !o.require("kind", "kind: mina (mina's /admin/faults) or http (requests of your own)") {
		return a, false
	}
	o.str("kind", &a.Kind)
	switch a.Kind {
	case plan.AdapterMina:
		if !o.require("url", "mina's base URL, e.g. url: ${BASE_URL}") {
			return a, false
		}
		o.str("url", &a.URL)
		o.str("token", &a.Token)
		for _, k := range []string{"set", "clear"} {
			if v, p := o.get(k); v != nil {
				c.errAt(v, p, k+" belongs to kind http", "a mina adapter needs only url and token")
				return a, false
			}
		}
	case plan.AdapterHTTP:
		if !o.require("set", "the request that starts a fault, e.g. set: { method: POST, url: …, body: '${fault.json}' }") {
			return a, false
		}
		var ok bool
		if a.Set, ok = c.chaosCall(o, "set"); !ok {
			return a, false
		}
		if o.has("clear") {
			if a.Clear, ok = c.chaosCall(o, "clear"); !ok {
				return a, false
			}
		}
	default:
		v, p := o.get("kind")
		c.errAt(v, p, fmt.Sprintf("unknown adapter kind %q", a.Kind), didYouMean(a.Kind, []string{plan.AdapterMina, plan.AdapterHTTP}))
		return a, false
	}
	return a, true
}

// chaosCall compiles a request of the http adapter, keeping ${fault.…} references.
func (c *compiler) chaosCall(o *obj, key string) (plan.HTTPCall, bool) {
	v, path := o.get(key)
	call := plan.HTTPCall{Method: "POST"}
	co := c.object(v, path, chaosCallKeys)
	if co == nil || !co.require("url", "where to send it") {
		return call, false
	}
	co.str("method", &call.Method)
	call.Method = strings.ToUpper(call.Method)
	ok := true
	for _, k := range []string{"url", "body"} {
		n, p := co.get(k)
		if n == nil {
			continue
		}
		s, good := c.faultTemplate(n, p)
		ok = ok && good
		if k == "url" {
			call.URL = plan.Template(s)
		} else {
			call.Body = plan.Template(s)
		}
	}
	if n, p := co.get("headers"); n != nil {
		if h := c.object(n, p, nil); h != nil {
			for _, name := range h.order {
				var val string
				h.str(name, &val)
				call.Header = append(call.Header, plan.KV{Key: name, Value: plan.Template(val)})
			}
		}
	}
	return call, ok
}

// faultTemplate substitutes a scalar's compile-time references and keeps ${fault.…} ones
// for the engine.
func (c *compiler) faultTemplate(n *yaml.Node, path string) (string, bool) {
	n = c.deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		c.errAt(n, path, "expected text, got "+describe(n), "")
		return "", false
	}
	ok := true
	out, err := tmpl.Substitute(n.Value, func(r tmpl.Ref) (string, bool) {
		if r.Func == "" && r.Root() == "fault" {
			return "", false
		}
		v, resolved, good := c.resolve(n, path, r, atCompile)
		ok = ok && good
		return v, resolved
	})
	if err != nil {
		c.errAt(n, path, fmt.Sprintf("bad reference in %q: %v", n.Value, err), "write ${fault.KEY}, ${fault.json} or ${NAME}")
		return "", false
	}
	return out, ok
}

func hasAdapter(as []plan.ChaosAdapter, name string) bool {
	for _, a := range as {
		if a.Name == name {
			return true
		}
	}
	return false
}

func adapterNames(as []plan.ChaosAdapter) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

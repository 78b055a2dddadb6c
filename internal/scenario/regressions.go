package scenario

import (
	"errors"
	"strings"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// regressions compiles the regression budgets, written like thresholds: a metric key and a
// list of expressions whose number is a change, e.g.
//
//	regressions:
//	  http_req_duration{name:meetings_list}: ["p(95) < +10%"]
//	  http_reqs: ["rate > -5%"]
//
// Each expression is parsed by compare.ParseBudget — the parse ramp compare and ramp suite
// --baseline use — so that a file validate accepts is one a comparison can judge.
func (c *compiler) regressions(top *obj) []plan.Regression {
	n, path := top.get("regressions")
	if n == nil {
		return nil
	}
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	var out []plan.Regression
	for _, key := range o.order {
		k := o.keys[key]
		p := join(path, key)
		if _, _, err := metrics.ParseKey(key); err != nil {
			c.errAt(k, p, err.Error(), "write name or name{tag:value}, e.g. http_req_duration{name:meetings_list}")
			continue
		}
		c.checkSelectors(k, p, key)
		v, _ := o.get(key)
		if v == nil {
			c.errAt(k, p, "a regression budget needs a list of expressions", `e.g. ["p(95) < +10%"]`)
			continue
		}
		items, ok := c.list(v, p)
		if !ok {
			continue
		}
		if len(items) == 0 {
			c.errAt(v, p, "empty list of expressions", `e.g. ["p(95) < +10%"]`)
		}
		for i, item := range items {
			item = c.deref(item)
			s, ok := c.str(item, index(p, i))
			if !ok {
				continue
			}
			if _, err := compare.ParseBudget(key, s); err != nil {
				msg := strings.TrimPrefix(err.Error(), compare.ErrBudget.Error()+" ")
				if !errors.Is(err, compare.ErrBudget) {
					msg = err.Error()
				}
				c.errAt(item, index(p, i), msg, `a statistic, an operator and a change: "p(95) < +10%", "rate > -5%"`)
				continue
			}
			out = append(out, plan.Regression{Metric: key, Expression: s, Line: item.Line})
		}
	}
	return out
}

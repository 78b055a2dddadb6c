package metrics

import (
	"fmt"
	"sort"
	"strings"
)

// Tag is one key/value pair of a sub-metric selector.
type Tag struct {
	Key, Value string
}

// ParseKey splits a metric key as k6 writes it into the metric name and the tag selector of a
// sub-metric, sorted by key:
//
//	key      = name [ "{" [ tag { "," tag } ] "}" ]
//	tag      = tagkey ":" value
//	value    = bare | '"' chars '"' | "'" chars "'"
//
// Whitespace around names, keys and values is ignored. "http_req_duration" has no tags;
// "http_req_duration{name:meetings_list,status:200}" selects the samples carrying both tags.
func ParseKey(key string) (name string, tags []Tag, err error) {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		name = strings.TrimSpace(key)
		if err := checkName(key, name); err != nil {
			return "", nil, err
		}
		return name, nil, nil
	}
	name = strings.TrimSpace(key[:open])
	if err := checkName(key, name); err != nil {
		return "", nil, err
	}
	if !strings.HasSuffix(strings.TrimSpace(key), "}") {
		return "", nil, fmt.Errorf("metric %q: the tag selector must end with '}'", key)
	}
	body := strings.TrimSpace(key[open+1 : strings.LastIndexByte(key, '}')])
	if body == "" {
		return "", nil, fmt.Errorf("metric %q: empty tag selector; remove the braces or name a tag as {key:value}", key)
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(part, ":")
		empty := v == "" // as k6 judges it: before trimming ({a: } passes, {a:} does not)
		k, v = strings.TrimSpace(k), unquote(strings.TrimSpace(v))
		if !ok || k == "" {
			return "", nil, fmt.Errorf("metric %q: tag %q is not key:value", key, strings.TrimSpace(part))
		}
		if empty {
			// k6 refuses {easyas:}: an empty value must be written, as {easyas:""}.
			return "", nil, fmt.Errorf("metric %q: tag %q has no value; write the value, or \"\" for an empty one", key, k)
		}
		if seen[k] {
			return "", nil, fmt.Errorf("metric %q: tag %q appears twice", key, k)
		}
		seen[k] = true
		tags = append(tags, Tag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return name, tags, nil
}

// FormatKey is the inverse of ParseKey: the canonical key of a name and its tags, with the
// tags in key order, e.g. "http_req_duration{name:meetings_list}".
func FormatKey(name string, tags []Tag) string {
	if len(tags) == 0 {
		return name
	}
	sorted := append([]Tag(nil), tags...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, t := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Key)
		b.WriteByte(':')
		if t.Value == "" {
			b.WriteString(`""`) // {group:} does not parse, as in k6: the key must parse again
		}
		b.WriteString(t.Value)
	}
	b.WriteByte('}')
	return b.String()
}

func checkName(key, name string) error {
	if name == "" {
		return fmt.Errorf("metric %q: no metric name", key)
	}
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("metric %q: name %q may hold only letters, digits and '_'", key, name)
		}
	}
	return nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

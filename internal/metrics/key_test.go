package metrics

import (
	"reflect"
	"testing"
)

func TestParseKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key     string
		name    string
		tags    []Tag
		wantErr bool
	}{
		// A plain metric has no selector.
		{key: "http_reqs", name: "http_reqs"},
		// One tag.
		{key: "http_req_duration{name:meetings_list}", name: "http_req_duration", tags: []Tag{{"name", "meetings_list"}}},
		// Tags come back sorted by key, spaces trimmed, quotes removed.
		{key: "http_req_duration{ status:200 , name:'a b' }", name: "http_req_duration", tags: []Tag{{"name", "a b"}, {"status", "200"}}},
		// A value may contain ':' after the first one (URLs).
		{key: `http_req_duration{url:"http://x/"}`, name: "http_req_duration", tags: []Tag{{"url", "http://x/"}}},
		// Errors: empty selector, missing brace, no colon, empty name, bad characters, duplicates.
		{key: "http_reqs{}", wantErr: true},
		{key: "http_reqs{name:x", wantErr: true},
		{key: "http_reqs{name}", wantErr: true},
		{key: "{name:x}", wantErr: true},
		{key: "http-reqs", wantErr: true},
		{key: "http_reqs{a:1,a:2}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			name, tags, err := ParseKey(tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseKey(%q) error = %v, wantErr %v", tt.key, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if name != tt.name || !reflect.DeepEqual(tags, tt.tags) {
				t.Fatalf("ParseKey(%q) = %q %v, want %q %v", tt.key, name, tags, tt.name, tt.tags)
			}
			if back := FormatKey(name, tags); tt.tags != nil && back != FormatKey(tt.name, tt.tags) {
				t.Fatalf("FormatKey round trip = %q", back)
			}
		})
	}
}

package escalatetest

import (
	"encoding/json"
	"slices"
	"strings"
)

// Accessors for decoded JSON (maps with json.Number), so that the checks below read like the
// services' rules. Each returns the zero value and false when the key is missing or of
// another type.

func str(m map[string]any, key string) (string, bool) {
	s, ok := m[key].(string)
	return s, ok
}

func obj(m map[string]any, key string) (map[string]any, bool) {
	o, ok := m[key].(map[string]any)
	return o, ok
}

func arr(m map[string]any, key string) ([]any, bool) {
	a, ok := m[key].([]any)
	return a, ok
}

func objs(a []any) ([]map[string]any, bool) {
	out := make([]map[string]any, 0, len(a))
	for _, v := range a {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, o)
	}
	return out, true
}

// unknownKey returns a key of m that is not in allowed, if any: Google's APIs refuse unknown
// fields by name.
func unknownKey(m map[string]any, allowed ...string) (string, bool) {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return k, true
		}
	}
	return "", false
}

// isLink reports whether u is an absolute http(s) URL, which buttons need.
func isLink(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// raw copies a request body for a record, so the test sees exactly what was posted.
func raw(b []byte) json.RawMessage { return append(json.RawMessage(nil), b...) }

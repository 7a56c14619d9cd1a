package commerce_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// remove, passed to edit as a value, deletes the key.
var remove = new(int)

// edit returns raw with the value at a dotted path ("data.customer.email",
// "data.items.1.sku") replaced, or deleted when value is remove.
func edit(t testing.TB, raw []byte, path string, value any) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	cur := doc
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if value == remove {
					delete(c, k)
				} else {
					c[k] = value
				}
			} else {
				cur = c[k]
			}
		case []any:
			var n int
			if err := json.Unmarshal([]byte(k), &n); err != nil || n >= len(c) {
				t.Fatalf("bad index %q in %s", k, path)
			}
			if last {
				c[n] = value
			} else {
				cur = c[n]
			}
		default:
			t.Fatalf("%s: cannot descend into %T", path, cur)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fieldOf returns the Field of the *order.FieldError in err, or "".
func fieldOf(err error) string {
	var fe *order.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

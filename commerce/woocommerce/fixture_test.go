package woocommerce_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
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

// edit returns raw with the value at a dotted path ("billing.email",
// "line_items.1.sku") replaced, or deleted when value is remove.
func edit(t testing.TB, raw []byte, path string, value any) []byte {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber() // keep Shopify's 64-bit ids exact
	var doc any
	if err := dec.Decode(&doc); err != nil {
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

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// checkValid fails unless every event of d validates: commerce events
// fully, tracking events fully when they carry a tracking number, and
// otherwise routed by the delivery's shipment.
func checkValid(t testing.TB, d inbox.Delivery) {
	t.Helper()
	for _, e := range d.Commerce {
		if err := e.Validate(); err != nil {
			t.Errorf("commerce event %s: %v", e.ID, err)
		}
	}
	for _, e := range d.Tracking {
		if e.TrackingNumber == "" {
			if d.ShipmentID == "" || d.OrderID == "" {
				t.Errorf("tracking event %s without tracking number is not routed: %+v", e.ID, d)
			}
			e.TrackingNumber = "routed"
		}
		if err := e.Validate(); err != nil {
			t.Errorf("tracking event %s: %v", e.ID, err)
		}
	}
}

// checkError fails unless err is one the HTTP layer maps to an answer.
func checkError(t testing.TB, err error) {
	t.Helper()
	var (
		fe  *order.FieldError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &fe), errors.As(err, &se), errors.As(err, &ute),
		errors.Is(err, inbox.ErrUnsupported), errors.Is(err, inbox.ErrIgnored):
	default:
		t.Fatalf("unclassified error %T: %v", err, err)
	}
}

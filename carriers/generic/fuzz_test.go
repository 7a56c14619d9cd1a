package generic_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/carriers/generic"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
)

// FuzzParseWebhook checks that no body makes ParseWebhook panic, and that
// whatever it accepts is fit for the inbox: one valid event, storable as
// JSON, the same on a second parse.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"tracking_updated.json", "minimal.json", "order_created.json", "delivered_proof.json"} {
		f.Add(fixture.Load(f, name))
	}
	f.Add([]byte(`{"type":"tracking.updated","timestamp":"0000-01-01T00:30:00+01:00","data":{"tracking_number":" ","status":"unknown"}}`))
	f.Add([]byte(`{"type":"tracking.updated","data":{"tracking_number":"1","status":"exception","occurred_at":"9999-12-31T23:59:59-01:00","location":null}}`))
	f.Add([]byte(`{"type":"tracking.updated","data":{"tracking_number":"1","status":"in_transit","occurred_at":"2026-05-07T10:30:00Z","description":"Sorted\u0000"}}`))
	f.Add([]byte(`{"type":"tracking.updated","data":{"tracking_number":"` + strings.Repeat("7", 5000) + `","status":"in_transit","occurred_at":"2026-05-07T10:30:00Z"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := generic.ParseWebhook(body)
		if err != nil {
			return
		}
		if d.Source != inbox.SourceGeneric || len(d.Tracking) != 1 {
			t.Fatalf("delivery %+v", d)
		}
		if err := d.Tracking[0].Validate(); err != nil {
			t.Fatalf("event invalid: %v: %+v", err, d.Tracking[0])
		}
		if err := d.Check(); err != nil {
			t.Fatalf("accepted what the inbox refuses: %v", err)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("delivery does not store as JSON: %v", err)
		}
		again, err := generic.ParseWebhook(body)
		if err != nil || !reflect.DeepEqual(d, again) {
			t.Fatalf("second parse differs: %v\n%+v\n%+v", err, d, again)
		}
	})
}

package aftership_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
)

// FuzzParseWebhook checks that no body makes ParseWebhook panic, and that
// whatever it accepts is fit for the inbox: valid events, oldest first,
// distinct ids, storable as JSON, the same on a second parse.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"tracking_update.json", "pending.json", "edd_revise.json", "delivered_signed.json"} {
		f.Add(fixture.Load(f, name))
	}
	f.Add([]byte(`{"event":"tracking_update","msg":{"tracking_number":"1","updated_at":"2026-05-07","checkpoints":[]}}`))
	f.Add([]byte(`{"event":"tracking_update","msg":{"tracking_number":"1","checkpoints":[{"checkpoint_time":"2026-05-07T10:30:00","tag":"Exception","subtag":"Exception_011"},{"checkpoint_time":"2026-05-06T10:30:00+14:00"}]}}`))
	f.Add([]byte(`{"event":"tracking_update","msg":{"tracking_number":"1","expected_delivery":"9999-12-31T23:59:59-01:00","checkpoints":[{"checkpoint_time":"0000-01-01T00:00:00+00:00"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := aftership.ParseWebhook(body)
		if err != nil {
			return
		}
		check(t, d)
		again, err := aftership.ParseWebhook(body)
		if err != nil || !reflect.DeepEqual(d, again) {
			t.Fatalf("second parse differs: %v\n%+v\n%+v", err, d, again)
		}
	})
}

func check(t *testing.T, d inbox.Delivery) {
	t.Helper()
	if d.Source != inbox.SourceAfterShip || len(d.Tracking) == 0 {
		t.Fatalf("delivery %+v", d)
	}
	ids := map[string]bool{}
	for i, e := range d.Tracking {
		if err := e.Validate(); err != nil {
			t.Fatalf("event %d invalid: %v: %+v", i, err, e)
		}
		if ids[e.ID] {
			t.Fatalf("event %d repeats id %s", i, e.ID)
		}
		ids[e.ID] = true
		if i > 0 && e.OccurredAt.Before(d.Tracking[i-1].OccurredAt) {
			t.Fatalf("event %d is older than event %d", i, i-1)
		}
		if e.EstimatedDelivery != nil && i != len(d.Tracking)-1 {
			t.Fatalf("event %d is not the newest but carries the estimate", i)
		}
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatalf("delivery does not store as JSON: %v", err)
	}
}

package generic_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/generic"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

// edit returns testdata file name with f applied to its decoded form and
// its data.
func edit(t testing.TB, name string, f func(w, data map[string]any)) []byte {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal(fixture.Load(t, name), &w); err != nil {
		t.Fatal(err)
	}
	data, _ := w["data"].(map[string]any)
	f(w, data)
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, body []byte) order.TrackingEvent {
	t.Helper()
	d, err := generic.ParseWebhook(body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	if d.Source != inbox.SourceGeneric || d.EventID != "" || len(d.Tracking) != 1 {
		t.Fatalf("delivery %+v, want one generic event and no event id", d)
	}
	e := d.Tracking[0]
	if err := e.Validate(); err != nil {
		t.Errorf("event invalid: %v", err)
	}
	return e
}

func TestParseWebhook(t *testing.T) {
	got := parse(t, fixture.Load(t, "tracking_updated.json"))
	want := order.TrackingEvent{
		Source: "generic", Carrier: "DPD", TrackingNumber: "05212345678901",
		Status: order.ShipmentOutForDelivery, Substatus: "on_vehicle", RawStatus: "out_for_delivery",
		Description:       "Parcel is on the delivery vehicle",
		Location:          order.Location{City: "Kaunas", Region: "Kauno apskritis", PostalCode: "LT-44248", Country: "LT"},
		OccurredAt:        fixture.UTC("2026-05-07T07:30:00Z"),
		EstimatedDelivery: fixture.Ptr(fixture.UTC("2026-05-07T14:00:00Z")),
	}
	if b, err := hex.DecodeString(got.ID); err != nil || len(b) != 16 {
		t.Errorf("id %q is not 32 hex digits", got.ID)
	}
	want.ID = got.ID
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got.OccurredAt.Location() != time.UTC || got.EstimatedDelivery.Location() != time.UTC {
		t.Errorf("times not in UTC: %v, %v", got.OccurredAt, got.EstimatedDelivery)
	}
}

func TestMinimal(t *testing.T) {
	got := parse(t, fixture.Load(t, "minimal.json"))
	// No occurred_at: dated by the body's timestamp.
	if got.Status != order.ShipmentDelivered || !got.OccurredAt.Equal(fixture.UTC("2026-05-07T10:31:04Z")) ||
		got.EstimatedDelivery != nil || !got.Location.IsZero() || got.Carrier != "" {
		t.Errorf("got %+v", got)
	}
}

// TestStableID checks that the same scan gets the same id when posted
// again, and another scan another id.
func TestStableID(t *testing.T) {
	first := parse(t, fixture.Load(t, "tracking_updated.json"))
	again := parse(t, edit(t, "tracking_updated.json", func(w, d map[string]any) {
		w["timestamp"] = "2026-05-07T10:45:00Z" // a later report of the same scan
		d["occurred_at"] = "2026-05-07T07:30:00Z"
		d["tracking_number"] = "0521 2345 6789 01"
	}))
	if again.ID != first.ID {
		t.Errorf("same scan: ids %s and %s", first.ID, again.ID)
	}
	for name, f := range map[string]func(w, d map[string]any){
		"time":        func(w, d map[string]any) { d["occurred_at"] = "2026-05-07T10:31:00+03:00" },
		"status":      func(w, d map[string]any) { d["status"] = "delivered" },
		"description": func(w, d map[string]any) { d["description"] = "Delivered to a neighbour" },
		"parcel":      func(w, d map[string]any) { d["tracking_number"] = "05212345678902" },
	} {
		if other := parse(t, edit(t, "tracking_updated.json", f)); other.ID == first.ID {
			t.Errorf("another %s, same id %s", name, other.ID)
		}
	}
}

func TestStatuses(t *testing.T) {
	for _, s := range []order.ShipmentStatus{
		order.ShipmentInfoReceived, order.ShipmentInTransit, order.ShipmentOutForDelivery,
		order.ShipmentAvailableForPickup, order.ShipmentAttemptFailed, order.ShipmentDelivered,
		order.ShipmentException, order.ShipmentReturnedToSender, order.ShipmentCancelled, order.ShipmentUnknown,
	} {
		got := parse(t, edit(t, "tracking_updated.json", func(w, d map[string]any) { d["status"] = string(s) }))
		if got.Status != s || got.RawStatus != string(s) {
			t.Errorf("status %s: got %s (raw %q)", s, got.Status, got.RawStatus)
		}
	}
}

func TestErrors(t *testing.T) {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	for _, tc := range []struct {
		name  string
		body  []byte
		field string // the FieldError's field, or
		as    any    // the error type errors.As must find, or
		is    error  // the error errors.Is must find
		text  string // and a part of the message
	}{
		{name: "truncated", body: []byte(`{"type":"tracking.updated","data":{"status":"delivered"`), as: &syntax},
		{name: "bare word", body: []byte(`delivered`), as: &syntax},
		{name: "array", body: []byte(`[{"type":"tracking.updated"}]`), as: &typ},
		{name: "location as text", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["location"] = "Kaunas" }), as: &typ},
		{name: "no type", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { delete(w, "type") }), field: "type"},
		{name: "commerce event", body: fixture.Load(t, "order_created.json"), is: inbox.ErrUnsupported, text: `"order.created"`},
		{name: "no data", body: []byte(`{"type":"tracking.updated","timestamp":"2026-05-07T10:31:04Z"}`), field: "data"},
		{name: "no tracking number", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { delete(d, "tracking_number") }), field: "data.tracking_number"},
		{name: "no status", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["status"] = "" }), field: "data.status", text: "is required"},
		{name: "carrier status", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["status"] = "InTransit" }),
			field: "data.status", text: `is not a known shipment status: "InTransit"`},
		{name: "status in capitals", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["status"] = "DELIVERED" }), field: "data.status"},
		{name: "no time at all", body: edit(t, "minimal.json", func(w, d map[string]any) { delete(w, "timestamp") }),
			field: "data.occurred_at", text: "is required"},
		{name: "bad occurred_at", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["occurred_at"] = "2026-05-07 10:30" }),
			field: "data.occurred_at", text: "is not an RFC 3339 time"},
		{name: "zoneless occurred_at", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["occurred_at"] = "2026-05-07T10:30:00" }),
			field: "data.occurred_at"},
		{name: "bad timestamp used", body: edit(t, "minimal.json", func(w, d map[string]any) { w["timestamp"] = "now" }), field: "timestamp"},
		{name: "bad estimate", body: edit(t, "tracking_updated.json", func(w, d map[string]any) { d["estimated_delivery"] = "2026-05-08" }),
			field: "data.estimated_delivery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := generic.ParseWebhook(tc.body)
			if err == nil {
				t.Fatalf("no error; delivery %+v", d)
			}
			switch {
			case tc.field != "":
				var fe *order.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Errorf("error %v (%T), want a FieldError on %s", err, err, tc.field)
				}
			case tc.as != nil:
				if !errors.As(err, tc.as) {
					t.Errorf("error %v (%T), want %T", err, err, tc.as)
				}
			case tc.is != nil:
				if !errors.Is(err, tc.is) {
					t.Errorf("error %v, want %v", err, tc.is)
				}
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not say %q", err, tc.text)
			}
		})
	}
}

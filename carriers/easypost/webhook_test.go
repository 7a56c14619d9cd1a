package easypost_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func result(ev map[string]any) map[string]any { return ev["result"].(map[string]any) }

// details replaces the tracker's tracking details.
func details(ds ...map[string]any) func(map[string]any) {
	return func(ev map[string]any) {
		list := make([]any, len(ds))
		for i, d := range ds {
			list[i] = d
		}
		result(ev)["tracking_details"] = list
	}
}

func parse(t *testing.T, body []byte) inbox.Delivery {
	return fixture.MustParse(t, easypost.ParseWebhook, body)
}

func TestParseWebhook(t *testing.T) {
	d := parse(t, fixture.Load(t, "tracker_updated.json"))
	if d.Source != inbox.SourceEasyPost || d.EventID != "evt_c2a6a5b64fb011f0b0c6a1d7b9e0f1a2" {
		t.Errorf("delivery = %q %q", d.Source, d.EventID)
	}
	base := order.TrackingEvent{Source: "easypost", Carrier: "USPS", TrackingNumber: "9461200106068143633117"}
	ev := func(status order.ShipmentStatus, raw, sub, desc string, loc order.Location, at string) order.TrackingEvent {
		e := base
		e.Status, e.RawStatus, e.Substatus, e.Description, e.Location, e.OccurredAt = status, raw, sub, desc, loc, fixture.UTC(at)
		return e
	}
	want := []order.TrackingEvent{
		ev(order.ShipmentInfoReceived, "pre_transit", "status_update", "Pre-Shipment Info Sent to USPS",
			order.Location{}, "2022-10-17T17:18:08Z"),
		ev(order.ShipmentInfoReceived, "pre_transit", "status_update", "Shipping Label Created",
			order.Location{City: "HOUSTON", Region: "TX", PostalCode: "77063"}, "2022-10-18T05:55:08Z"),
		ev(order.ShipmentInTransit, "in_transit", "arrived_at_facility", "Arrived at USPS Origin Facility",
			order.Location{City: "NORTH HOUSTON", Region: "TX", PostalCode: "77315"}, "2022-10-18T16:01:54Z"),
		ev(order.ShipmentInTransit, "in_transit", "departed_facility", "Departed USPS Regional Facility",
			order.Location{City: "NORTH HOUSTON", Region: "TX", Country: "US"}, "2022-10-19T04:40:00Z"),
		ev(order.ShipmentOutForDelivery, "out_for_delivery", "out_for_delivery", "Out for Delivery",
			order.Location{City: "CHARLESTON", Region: "SC", PostalCode: "29401", Country: "US"}, "2022-10-19T12:05:00Z"),
	}
	want[4].EstimatedDelivery = fixture.Ptr(fixture.UTC("2022-10-19T22:00:00Z"))
	got := d.Tracking
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	ids := map[string]bool{}
	for i := range got {
		id := got[i].ID
		if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
			t.Errorf("event %d id %q is not 32 hex digits", i, id)
		}
		if ids[id] {
			t.Errorf("event %d id %q repeats", i, id)
		}
		ids[id] = true
		want[i].ID = id
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// TestStableIDs checks that a scan keeps its id however often EasyPost
// repeats it: a retry, or the same detail in the next tracker.updated.
func TestStableIDs(t *testing.T) {
	first := parse(t, fixture.Load(t, "tracker_updated.json"))
	retry := parse(t, fixture.Load(t, "tracker_updated.json"))
	if !reflect.DeepEqual(first, retry) {
		t.Fatalf("two parses differ:\n%+v\n%+v", first, retry)
	}
	next := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) {
		ev["id"] = "evt_d9f0e1a24fb011f0b0c6a1d7b9e0f1a2"
		r := result(ev)
		r["status"], r["status_detail"] = "delivered", "arrived_at_destination"
		r["tracking_details"] = append(r["tracking_details"].([]any), map[string]any{
			"message":           "Delivered, In/At Mailbox",
			"status":            "delivered",
			"status_detail":     "arrived_at_destination",
			"datetime":          "2022-10-19T13:31:00-04:00",
			"tracking_location": map[string]any{"city": "CHARLESTON", "state": "SC", "country": "US", "zip": "29401"},
		})
	}))
	if len(next.Tracking) != 6 {
		t.Fatalf("got %d events, want 6", len(next.Tracking))
	}
	for i, e := range first.Tracking {
		if next.Tracking[i].ID != e.ID {
			t.Errorf("detail %d: id %s in the first webhook, %s in the next", i, e.ID, next.Tracking[i].ID)
		}
	}
	if last := next.Tracking[5]; last.Status != order.ShipmentDelivered || last.EstimatedDelivery == nil {
		t.Errorf("newest = %+v, want delivered carrying the estimate", last)
	}
	if next.Tracking[4].EstimatedDelivery != nil {
		t.Errorf("the estimate is on an older event too: %+v", next.Tracking[4])
	}
}

// TestOutOfOrder checks that details listed in any order come out oldest
// first, the estimate on the newest.
func TestOutOfOrder(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(
		map[string]any{"status": "in_transit", "datetime": "2022-10-19T04:40:00Z", "message": "b"},
		map[string]any{"status": "out_for_delivery", "datetime": "2022-10-19T12:05:00Z", "message": "c"},
		map[string]any{"status": "pre_transit", "datetime": "2022-10-17T17:18:08Z", "message": "a"},
	)))
	var got string
	for _, e := range d.Tracking {
		got += e.Description
	}
	if got != "abc" || d.Tracking[2].EstimatedDelivery == nil {
		t.Errorf("order %q, newest %+v", got, d.Tracking[2])
	}
}

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		status, detail string
		want           order.ShipmentStatus
	}{
		{"pre_transit", "label_created", order.ShipmentInfoReceived},
		{"in_transit", "arrived_at_facility", order.ShipmentInTransit},
		{"out_for_delivery", "out_for_delivery", order.ShipmentOutForDelivery},
		{"available_for_pickup", "arrived_at_pickup_location", order.ShipmentAvailableForPickup},
		{"delivered", "arrived_at_destination", order.ShipmentDelivered},
		{"return_to_sender", "return", order.ShipmentReturnedToSender},
		{"failure", "delivery_exception", order.ShipmentAttemptFailed},
		{"failure", "delivery_attempt", order.ShipmentAttemptFailed}, // a carrier's pass-through detail
		{"failure", "refused", order.ShipmentException},
		{"failure", "damaged", order.ShipmentException},
		{"failure", "transit_exception", order.ShipmentException},
		{"failure", "", order.ShipmentException},
		{"error", "unknown", order.ShipmentException},
		{"cancelled", "cancelled", order.ShipmentCancelled},
		{"unknown", "unknown", order.ShipmentUnknown},
		{"held_by_customs", "held", order.ShipmentUnknown}, // a status EasyPost may add
	} {
		t.Run(tc.status+"/"+tc.detail, func(t *testing.T) {
			d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(map[string]any{
				"status": tc.status, "status_detail": tc.detail, "datetime": "2022-10-19T12:05:00Z", "message": "scan",
			})))
			e := d.Tracking[0]
			if e.Status != tc.want || e.RawStatus != tc.status || e.Substatus != tc.detail {
				t.Errorf("got %s (raw %q, sub %q), want %s (raw %q, sub %q)", e.Status, e.RawStatus, e.Substatus, tc.want, tc.status, tc.detail)
			}
		})
	}
}

func TestMapStatus(t *testing.T) {
	for _, tc := range []struct {
		status, detail string
		want           order.ShipmentStatus
	}{
		{"DELIVERED", "", order.ShipmentDelivered},
		{" in_transit ", "", order.ShipmentInTransit},
		{"canceled", "", order.ShipmentCancelled},
		{"Failure", "Delivery_Exception", order.ShipmentAttemptFailed},
		{"", "", order.ShipmentUnknown},
	} {
		if got := easypost.MapStatus(tc.status, tc.detail); got != tc.want {
			t.Errorf("MapStatus(%q, %q) = %s, want %s", tc.status, tc.detail, got, tc.want)
		}
	}
}

// TestTrackerCreated covers a tracker with no details yet: the tracker's
// own status makes the one event, dated by updated_at.
func TestTrackerCreated(t *testing.T) {
	d := parse(t, fixture.Load(t, "tracker_created.json"))
	want := order.TrackingEvent{
		Source: "easypost", Carrier: "UPS", TrackingNumber: "1Z999AA10123456784",
		Status: order.ShipmentUnknown, Substatus: "unknown", RawStatus: "unknown",
		OccurredAt: fixture.UTC("2022-10-17T17:16:57Z"),
	}
	if d.EventID != "evt_80ebb94e4e3f11eda77a7d968ee85915" || len(d.Tracking) != 1 {
		t.Fatalf("delivery %+v", d)
	}
	want.ID = d.Tracking[0].ID
	if !reflect.DeepEqual(d.Tracking[0], want) {
		t.Errorf("got  %+v\nwant %+v", d.Tracking[0], want)
	}
}

// TestStatuslessDetail checks that the tracker's status stands in for the
// newest detail only.
func TestStatuslessDetail(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(
		map[string]any{"datetime": "2022-10-19T12:05:00Z", "message": "newest"},
		map[string]any{"datetime": "2022-10-18T12:05:00Z", "message": "older"},
	)))
	if got := d.Tracking[0]; got.Status != order.ShipmentUnknown || got.RawStatus != "" {
		t.Errorf("older detail = %s (raw %q), want unknown", got.Status, got.RawStatus)
	}
	if got := d.Tracking[1]; got.Status != order.ShipmentOutForDelivery || got.RawStatus != "out_for_delivery" {
		t.Errorf("newest detail = %s (raw %q), want the tracker's status", got.Status, got.RawStatus)
	}
}

func TestDescription(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(
		map[string]any{"datetime": "2022-10-19T12:05:00Z", "status": "in_transit", "message": nil, "description": "Arrived at hub"},
	)))
	if got := d.Tracking[0].Description; got != "Arrived at hub" {
		t.Errorf("description %q, want the detail's description when there is no message", got)
	}
}

func TestDuplicateDetail(t *testing.T) {
	td := map[string]any{"datetime": "2022-10-19T12:05:00Z", "status": "in_transit", "message": "Processed"}
	if d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(td, td))); len(d.Tracking) != 1 {
		t.Errorf("got %d events for one detail listed twice", len(d.Tracking))
	}
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2022-10-19T08:05:00-04:00", "2022-10-19T12:05:00Z"},
		{"2022-10-19T12:05:00Z", "2022-10-19T12:05:00Z"},
		{"2022-10-19T12:05:00", "2022-10-19T12:05:00Z"},
		{"2022-10-19T12:05:00.5+00:00", "2022-10-19T12:05:00.5Z"},
		{"2022-10-19 12:05:00", "2022-10-19T12:05:00Z"},
	} {
		d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(map[string]any{"datetime": tc.in, "status": "in_transit"})))
		got := d.Tracking[0].OccurredAt
		if !got.Equal(fixture.UTC(tc.want)) || got.Location() != time.UTC {
			t.Errorf("datetime %q = %v, want %s in UTC", tc.in, got, tc.want)
		}
	}
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) { result(ev)["est_delivery_date"] = "2022-10-20" }))
	if got := d.Tracking[len(d.Tracking)-1].EstimatedDelivery; got == nil || !got.Equal(fixture.UTC("2022-10-20T00:00:00Z")) {
		t.Errorf("est_delivery_date 2022-10-20 = %v", got)
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
		{name: "truncated", body: []byte(`{"description":"tracker.updated","result":{`), as: &syntax},
		{name: "empty", body: []byte(``), as: &syntax},
		{name: "string", body: []byte(`"tracker.updated"`), as: &typ},
		{name: "number for a string", body: []byte(`{"description":"tracker.updated","result":{"tracking_code":9461200106068143633117}}`), as: &typ},
		{name: "object for a status", body: []byte(`{"description":"tracker.updated","result":{"tracking_code":"1","status":{}}}`), as: &typ},
		{name: "no description", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) { delete(ev, "description") }), field: "description"},
		{name: "batch", body: fixture.Load(t, "batch_updated.json"), is: inbox.ErrUnsupported, text: `"batch.updated"`},
		{name: "refund", body: []byte(`{"id":"evt_1","description":"refund.successful","result":{"status":"refunded"}}`), is: inbox.ErrUnsupported},
		{name: "no result", body: []byte(`{"id":"evt_1","description":"tracker.updated"}`), field: "result"},
		{name: "no tracking code", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) { delete(result(ev), "tracking_code") }), field: "result.tracking_code"},
		{name: "detail without time", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) {
			result(ev)["tracking_details"].([]any)[2].(map[string]any)["datetime"] = nil
		}), field: "result.tracking_details[2].datetime", text: "is required"},
		{name: "detail bad time", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(map[string]any{"datetime": "yesterday"})),
			field: "result.tracking_details[0].datetime", text: `is not a valid time: "yesterday"`},
		{name: "bad estimate", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), func(ev map[string]any) { result(ev)["est_delivery_date"] = "Thursday" }),
			field: "result.est_delivery_date"},
		{name: "more details than a delivery carries", body: fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(fixture.Scans(order.MaxEventsPerDelivery+1, "datetime")...)),
			field: "result.tracking_details", text: "at most 200"},
		{name: "no details, no update time", body: fixture.EditFunc(t, fixture.Load(t, "tracker_created.json"), func(ev map[string]any) { delete(result(ev), "updated_at") }),
			field: "result.updated_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := easypost.ParseWebhook(tc.body)
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

// A list of scans as long as a delivery may carry is taken whole.
func TestEventsUpToTheCap(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracker_updated.json"), details(fixture.Scans(order.MaxEventsPerDelivery, "datetime")...)))
	if len(d.Tracking) != order.MaxEventsPerDelivery {
		t.Errorf("%d events, want %d", len(d.Tracking), order.MaxEventsPerDelivery)
	}
}

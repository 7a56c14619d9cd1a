package shipengine_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func data(w map[string]any) map[string]any { return w["data"].(map[string]any) }

// events replaces the tracking information's events, listed newest first
// as ShipEngine does.
func events(evs ...map[string]any) func(map[string]any) {
	return func(w map[string]any) {
		list := make([]any, len(evs))
		for i, e := range evs {
			list[i] = e
		}
		data(w)["events"] = list
	}
}

func parse(t *testing.T, body []byte) inbox.Delivery {
	return fixture.MustParse(t, shipengine.ParseWebhook, body)
}

func TestParseWebhook(t *testing.T) {
	d := parse(t, fixture.Load(t, "api_track.json"))
	if d.Source != inbox.SourceShipEngine || d.EventID != "" {
		t.Errorf("delivery = %q %q, want shipengine with no event id", d.Source, d.EventID)
	}
	base := order.TrackingEvent{Source: "shipengine", Carrier: "stamps_com", TrackingNumber: "9400111205476899201487"}
	ev := func(status order.ShipmentStatus, raw, sub, desc string, loc order.Location, at string) order.TrackingEvent {
		e := base
		e.Status, e.RawStatus, e.Substatus, e.Description, e.Location, e.OccurredAt = status, raw, sub, desc, loc, fixture.UTC(at)
		return e
	}
	houston := order.Location{City: "HOUSTON", Region: "TX", PostalCode: "77063", Country: "US"}
	charleston := order.Location{City: "CHARLESTON", Region: "SC", PostalCode: "29401", Country: "US"}
	want := []order.TrackingEvent{ // oldest first, though ShipEngine lists newest first
		ev(order.ShipmentInfoReceived, "AC", "ELEC_ADVICE_RECD_BY_CARRIER", "Shipping Label Created, USPS Awaiting Item", houston, "2026-05-05T14:55:00Z"),
		ev(order.ShipmentInfoReceived, "AC", "RECEIVED_BY_CARRIER", "USPS in possession of item", houston, "2026-05-05T21:01:00Z"),
		ev(order.ShipmentInTransit, "IT", "HUB_SCAN_OUT", "Departed USPS Regional Facility",
			order.Location{City: "NORTH HOUSTON TX DISTRIBUTION CENTER"}, "2026-05-06T02:40:00Z"),
		ev(order.ShipmentInTransit, "IT", "RECEIVED_LOCAL_DELIVERY_DEPOT", "Arrived at Post Office", charleston, "2026-05-07T10:12:00Z"),
		ev(order.ShipmentOutForDelivery, "IT", "OUT_FOR_DELIVERY", "Out for Delivery, Expected Delivery by 8:00pm", charleston, "2026-05-07T12:05:00Z"),
	}
	// estimated_delivery_date has no zone: taken as UTC.
	want[4].EstimatedDelivery = fixture.Ptr(fixture.UTC("2026-05-07T00:00:00Z"))
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

// TestStableIDs checks that a scan keeps its id however often ShipEngine
// repeats it: a retry, or the same event in the next webhook.
func TestStableIDs(t *testing.T) {
	first := parse(t, fixture.Load(t, "api_track.json"))
	retry := parse(t, fixture.Load(t, "api_track.json"))
	if !reflect.DeepEqual(first, retry) {
		t.Fatalf("two parses differ:\n%+v\n%+v", first, retry)
	}
	next := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), func(w map[string]any) {
		d := data(w)
		d["status_code"], d["status_detail_code"] = "DE", "DELIVERED"
		d["actual_delivery_date"] = "2026-05-07T17:31:00Z"
		d["events"] = append([]any{map[string]any{
			"occurred_at": "2026-05-07T17:31:00Z", "description": "Delivered, In/At Mailbox",
			"city_locality": "CHARLESTON", "state_province": "SC", "postal_code": "29401", "country_code": "US",
			"status_code": "DE", "status_detail_code": "DELIVERED",
		}}, d["events"].([]any)...)
	}))
	if len(next.Tracking) != 6 {
		t.Fatalf("got %d events, want 6", len(next.Tracking))
	}
	for i, e := range first.Tracking {
		if next.Tracking[i].ID != e.ID {
			t.Errorf("event %d: id %s in the first webhook, %s in the next", i, e.ID, next.Tracking[i].ID)
		}
	}
	if last := next.Tracking[5]; last.Status != order.ShipmentDelivered || last.EstimatedDelivery == nil {
		t.Errorf("newest = %+v, want delivered carrying the estimate", last)
	}
	if next.Tracking[4].EstimatedDelivery != nil {
		t.Errorf("the estimate is on an older event too: %+v", next.Tracking[4])
	}
}

// TestSameTime checks that events ShipEngine dates the same keep the order
// they happened in: the reverse of the listing.
func TestSameTime(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(
		map[string]any{"occurred_at": "2026-05-07T12:05:00Z", "status_code": "DE", "description": "second"},
		map[string]any{"occurred_at": "2026-05-07T12:05:00Z", "status_code": "IT", "status_detail_code": "OUT_FOR_DELIVERY", "description": "first"},
	)))
	if d.Tracking[0].Description != "first" || d.Tracking[1].Description != "second" || d.Tracking[1].EstimatedDelivery == nil {
		t.Errorf("events %+v, want first then second carrying the estimate", d.Tracking)
	}
}

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		code, detail string
		want         order.ShipmentStatus
	}{
		{"NY", "", order.ShipmentInfoReceived},
		{"AC", "ELEC_ADVICE_RECD_BY_CARRIER", order.ShipmentInfoReceived},
		{"IT", "IN_TRANSIT", order.ShipmentInTransit},
		{"IT", "", order.ShipmentInTransit},
		{"IT", "OUT_FOR_DELIVERY", order.ShipmentOutForDelivery},
		{"SP", "AWAITING_COLLECTION_FROM_PICKUP_POINT", order.ShipmentAvailableForPickup},
		{"AT", "ATTEMPTED_DELIVERY", order.ShipmentAttemptFailed},
		{"DE", "DELIVERED_TO_NEIGHBOUR", order.ShipmentDelivered},
		{"EX", "PARCEL_DAMAGED", order.ShipmentException},
		{"EX", "REFUSED_BY_CUSTOMER", order.ShipmentException},
		{"EX", "HELD_BY_CUSTOMS", order.ShipmentException},
		{"EX", "", order.ShipmentException},
		{"EX", "RETURN_TO_SENDER", order.ShipmentReturnedToSender},
		{"EX", "NOT_DELIVERED", order.ShipmentReturnedToSender},
		{"EX", "NOT_COLLECTED_FROM_PICKUP_POINT", order.ShipmentReturnedToSender},
		{"UN", "CARRIER_STATUS_NOT_MAPPED", order.ShipmentUnknown},
		{"ZZ", "", order.ShipmentUnknown}, // a code ShipEngine may add
	} {
		t.Run(tc.code+"/"+tc.detail, func(t *testing.T) {
			d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(map[string]any{
				"occurred_at": "2026-05-07T12:05:00Z", "description": "scan", "status_code": tc.code, "status_detail_code": tc.detail,
			})))
			e := d.Tracking[0]
			if e.Status != tc.want || e.RawStatus != tc.code || e.Substatus != tc.detail {
				t.Errorf("got %s (raw %q, sub %q), want %s (raw %q, sub %q)", e.Status, e.RawStatus, e.Substatus, tc.want, tc.code, tc.detail)
			}
		})
	}
}

func TestMapStatus(t *testing.T) {
	for _, tc := range []struct {
		code, detail string
		want         order.ShipmentStatus
	}{
		{"de", "", order.ShipmentDelivered},
		{" it ", "out_for_delivery", order.ShipmentOutForDelivery},
		{"AT", "", order.ShipmentAttemptFailed},
		{"EX", "returned_to_sender", order.ShipmentReturnedToSender},
		{"", "", order.ShipmentUnknown},
	} {
		if got := shipengine.MapStatus(tc.code, tc.detail); got != tc.want {
			t.Errorf("MapStatus(%q, %q) = %s, want %s", tc.code, tc.detail, got, tc.want)
		}
	}
}

// TestNoEvents covers tracking information with no events yet: the status
// makes the one event, dated by the ship date, the carrier taken from the
// resource URL.
func TestNoEvents(t *testing.T) {
	d := parse(t, fixture.Load(t, "not_yet_in_system.json"))
	want := order.TrackingEvent{
		Source: "shipengine", Carrier: "ups", TrackingNumber: "1Z0000000000000000",
		Status: order.ShipmentInfoReceived, RawStatus: "NY",
		Description:       "Shipper created a label, UPS has not received the package yet.",
		OccurredAt:        fixture.UTC("2026-04-27T00:00:00Z"),
		EstimatedDelivery: fixture.Ptr(fixture.UTC("2026-04-30T00:00:00Z")),
	}
	if len(d.Tracking) != 1 {
		t.Fatalf("got %d events, want 1", len(d.Tracking))
	}
	want.ID = d.Tracking[0].ID
	if !reflect.DeepEqual(d.Tracking[0], want) {
		t.Errorf("got  %+v\nwant %+v", d.Tracking[0], want)
	}

	delivered := parse(t, fixture.EditFunc(t, fixture.Load(t, "not_yet_in_system.json"), func(w map[string]any) {
		d := data(w)
		d["status_code"], d["status_detail_code"] = "DE", "DELIVERED"
		d["actual_delivery_date"] = "2026-04-29T15:20:00Z"
	}))
	if got := delivered.Tracking[0]; got.Status != order.ShipmentDelivered || !got.OccurredAt.Equal(fixture.UTC("2026-04-29T15:20:00Z")) {
		t.Errorf("delivered without events = %+v, want dated by actual_delivery_date", got)
	}
}

// TestCodelessEvents covers payloads whose events carry no status codes:
// the tracking's status stands in for the newest only.
func TestCodelessEvents(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(
		map[string]any{"occurred_at": "2026-05-07T12:05:00Z", "description": "Out for Delivery"},
		map[string]any{"occurred_at": "2026-05-07T10:12:00Z", "description": "Arrived at Post Office"},
	)))
	if got := d.Tracking[0]; got.Status != order.ShipmentUnknown || got.RawStatus != "" {
		t.Errorf("older event = %s (raw %q), want unknown", got.Status, got.RawStatus)
	}
	if got := d.Tracking[1]; got.Status != order.ShipmentOutForDelivery || got.RawStatus != "IT" || got.Substatus != "OUT_FOR_DELIVERY" {
		t.Errorf("newest event = %s (raw %q, sub %q), want the tracking's status", got.Status, got.RawStatus, got.Substatus)
	}
}

func TestDuplicateEvent(t *testing.T) {
	ev := map[string]any{"occurred_at": "2026-05-07T12:05:00Z", "status_code": "IT", "description": "Processed"}
	if d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(ev, ev))); len(d.Tracking) != 1 {
		t.Errorf("got %d events for one event listed twice", len(d.Tracking))
	}
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-05-07T12:05:00Z", "2026-05-07T12:05:00Z"},
		{"2026-05-07T12:05:00.123Z", "2026-05-07T12:05:00.123Z"},
		{"2026-05-07T08:05:00-04:00", "2026-05-07T12:05:00Z"},
		{"2026-05-07T12:05:00", "2026-05-07T12:05:00Z"},
	} {
		d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(map[string]any{"occurred_at": tc.in, "status_code": "IT"})))
		got := d.Tracking[0].OccurredAt
		if !got.Equal(fixture.UTC(tc.want)) || got.Location() != time.UTC {
			t.Errorf("occurred_at %q = %v, want %s in UTC", tc.in, got, tc.want)
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
		{name: "truncated", body: []byte(`{"resource_type":"API_TRACK","data":{"events":[`), as: &syntax},
		{name: "single quotes", body: []byte(`{'resource_type':'API_TRACK'}`), as: &syntax},
		{name: "number", body: []byte(`42`), as: &typ},
		{name: "events not a list", body: []byte(`{"resource_type":"API_TRACK","data":{"tracking_number":"1","events":{}}}`), as: &typ},
		{name: "no resource type", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), func(w map[string]any) { delete(w, "resource_type") }), field: "resource_type"},
		{name: "batch", body: fixture.Load(t, "batch.json"), is: inbox.ErrUnsupported, text: `"API_BATCH"`},
		{name: "rate with other data", body: []byte(`{"resource_type":"API_RATE","data":{"events":"x"}}`), is: inbox.ErrUnsupported},
		{name: "no data", body: []byte(`{"resource_type":"API_TRACK","resource_url":"https://api.shipengine.com/v1/tracking"}`), field: "data"},
		{name: "no tracking number", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), func(w map[string]any) { delete(data(w), "tracking_number") }), field: "data.tracking_number"},
		{name: "event without time", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), func(w map[string]any) {
			delete(data(w)["events"].([]any)[3].(map[string]any), "occurred_at")
		}), field: "data.events[3].occurred_at", text: "is required"},
		{name: "event bad time", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(map[string]any{"occurred_at": "13/05/2026"})),
			field: "data.events[0].occurred_at", text: `is not a valid time: "13/05/2026"`},
		{name: "bad estimate", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), func(w map[string]any) { data(w)["estimated_delivery_date"] = "TBD" }),
			field: "data.estimated_delivery_date"},
		{name: "more events than a delivery carries", body: fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(fixture.Scans(order.MaxEventsPerDelivery+1, "occurred_at")...)),
			field: "data.events", text: "at most 200"},
		{name: "no events, no date", body: fixture.EditFunc(t, fixture.Load(t, "not_yet_in_system.json"), func(w map[string]any) { data(w)["ship_date"] = nil }),
			field: "data.ship_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := shipengine.ParseWebhook(tc.body)
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
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "api_track.json"), events(fixture.Scans(order.MaxEventsPerDelivery, "occurred_at")...)))
	if len(d.Tracking) != order.MaxEventsPerDelivery {
		t.Errorf("%d events, want %d", len(d.Tracking), order.MaxEventsPerDelivery)
	}
}

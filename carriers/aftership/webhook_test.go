package aftership_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func msg(w map[string]any) map[string]any { return w["msg"].(map[string]any) }

// checkpoints replaces the msg's checkpoints.
func checkpoints(cps ...map[string]any) func(map[string]any) {
	return func(w map[string]any) {
		list := make([]any, len(cps))
		for i, c := range cps {
			list[i] = c
		}
		msg(w)["checkpoints"] = list
	}
}

func parse(t *testing.T, body []byte) inbox.Delivery {
	return fixture.MustParse(t, aftership.ParseWebhook, body)
}

func TestParseWebhook(t *testing.T) {
	d := parse(t, fixture.Load(t, "tracking_update.json"))
	if d.Source != inbox.SourceAfterShip || d.EventID != "94dadd60-ed26-46d0-aa52-3ced925a50ff" {
		t.Errorf("delivery = %q %q", d.Source, d.EventID)
	}
	base := order.TrackingEvent{Source: "aftership", Carrier: "dhl", TrackingNumber: "1234567890"}
	ev := func(status order.ShipmentStatus, raw, sub, desc string, loc order.Location, at string) order.TrackingEvent {
		e := base
		e.Status, e.RawStatus, e.Substatus, e.Description, e.Location, e.OccurredAt = status, raw, sub, desc, loc, fixture.UTC(at)
		return e
	}
	want := []order.TrackingEvent{
		ev(order.ShipmentInfoReceived, "InfoReceived", "InfoReceived_001", "Shipment information received",
			order.Location{}, "2026-05-05T08:02:00Z"),
		ev(order.ShipmentInTransit, "InTransit", "InTransit_002", "Shipment picked up",
			order.Location{City: "Leipzig", Region: "SN", PostalCode: "04435", Country: "DE"}, "2026-05-05T16:40:00Z"),
		// checkpoint_time without a zone is taken as UTC.
		ev(order.ShipmentInTransit, "InTransit", "InTransit_003", "Arrived at Delivery Facility in VILNIUS - LITHUANIA",
			order.Location{City: "Vilnius", Country: "LT"}, "2026-05-06T21:15:00Z"),
		ev(order.ShipmentOutForDelivery, "OutForDelivery", "OutForDelivery_001", "Shipment is out with courier for delivery",
			order.Location{City: "Kaunas", PostalCode: "44248", Country: "LT"}, "2026-05-07T07:30:00Z"),
	}
	want[3].EstimatedDelivery = fixture.Ptr(fixture.UTC("2026-05-08T14:00:00Z"))
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

// TestStableIDs checks that a scan keeps its id however often AfterShip
// repeats it: a retry, or the same checkpoint in the next webhook.
func TestStableIDs(t *testing.T) {
	first := parse(t, fixture.Load(t, "tracking_update.json"))
	retry := parse(t, fixture.Load(t, "tracking_update.json"))
	if !reflect.DeepEqual(first, retry) {
		t.Fatalf("two parses differ:\n%+v\n%+v", first, retry)
	}
	next := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) {
		w["event_id"] = "5f1f6d1e-4b0e-4b5a-9f0a-0b9d6f0c1a22"
		m := msg(w)
		m["tag"], m["subtag"] = "Delivered", "Delivered_001"
		m["checkpoints"] = append(m["checkpoints"].([]any), map[string]any{
			"checkpoint_time": "2026-05-07T13:05:00+03:00", "message": "Delivered - Signed for by: PETRAITE",
			"tag": "Delivered", "subtag": "Delivered_001", "city": "Kaunas", "country_iso3": "LTU",
		})
	}))
	if len(next.Tracking) != 5 {
		t.Fatalf("got %d events, want 5", len(next.Tracking))
	}
	for i, e := range first.Tracking {
		if next.Tracking[i].ID != e.ID {
			t.Errorf("checkpoint %d: id %s in the first webhook, %s in the next", i, e.ID, next.Tracking[i].ID)
		}
	}
	last := next.Tracking[4]
	if last.Status != order.ShipmentDelivered || last.EstimatedDelivery == nil {
		t.Errorf("newest = %+v, want delivered carrying the estimate", last)
	}
	if next.Tracking[3].EstimatedDelivery != nil {
		t.Errorf("the estimate is on an older event too: %+v", next.Tracking[3])
	}
}

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		tag, subtag string
		want        order.ShipmentStatus
	}{
		{"Pending", "Pending_001", order.ShipmentInfoReceived},
		{"InfoReceived", "InfoReceived_001", order.ShipmentInfoReceived},
		{"InTransit", "InTransit_007", order.ShipmentInTransit},
		{"OutForDelivery", "OutForDelivery_003", order.ShipmentOutForDelivery},
		{"AvailableForPickup", "AvailableForPickup_001", order.ShipmentAvailableForPickup},
		{"AttemptFail", "AttemptFail_002", order.ShipmentAttemptFailed},
		{"Delivered", "Delivered_003", order.ShipmentDelivered},
		{"Exception", "Exception_003", order.ShipmentException},
		{"Exception", "Exception_009", order.ShipmentException},
		{"Exception", "Exception_010", order.ShipmentReturnedToSender},
		{"Exception", "Exception_011", order.ShipmentReturnedToSender},
		{"Exception", "Exception_012", order.ShipmentException},
		{"Exception", "", order.ShipmentException},
		{"Expired", "Expired_001", order.ShipmentUnknown},
		{"Returned", "Returned_001", order.ShipmentUnknown}, // a tag AfterShip may add
		{"", "Exception_011", order.ShipmentReturnedToSender},
	} {
		t.Run(tc.tag+"/"+tc.subtag, func(t *testing.T) {
			d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(map[string]any{
				"checkpoint_time": "2026-05-07T10:30:00+03:00", "message": "scan", "tag": tc.tag, "subtag": tc.subtag,
			})))
			e := d.Tracking[0]
			if e.Status != tc.want || e.RawStatus != tc.tag || e.Substatus != tc.subtag {
				t.Errorf("got %s (raw %q, sub %q), want %s (raw %q, sub %q)", e.Status, e.RawStatus, e.Substatus, tc.want, tc.tag, tc.subtag)
			}
		})
	}
}

func TestMapStatus(t *testing.T) {
	for _, tc := range []struct {
		tag, subtag string
		want        order.ShipmentStatus
	}{
		{"intransit", "", order.ShipmentInTransit},
		{" Delivered ", "", order.ShipmentDelivered},
		{"EXCEPTION", "exception_010", order.ShipmentReturnedToSender},
		{"", "", order.ShipmentUnknown},
		{"", "Delivered_001", order.ShipmentDelivered},
		{"Teleported", "", order.ShipmentUnknown},
	} {
		if got := aftership.MapStatus(tc.tag, tc.subtag); got != tc.want {
			t.Errorf("MapStatus(%q, %q) = %s, want %s", tc.tag, tc.subtag, got, tc.want)
		}
	}
}

func TestNoCheckpoints(t *testing.T) {
	d := parse(t, fixture.Load(t, "pending.json"))
	want := order.TrackingEvent{
		Source: "aftership", Carrier: "usps", TrackingNumber: "9405511206213334567890",
		Status: order.ShipmentInfoReceived, Substatus: "Pending_001", RawStatus: "Pending", Description: "Pending",
		OccurredAt: fixture.UTC("2026-05-05T14:02:11Z"),
	}
	if len(d.Tracking) != 1 {
		t.Fatalf("got %d events, want 1", len(d.Tracking))
	}
	want.ID = d.Tracking[0].ID
	if !reflect.DeepEqual(d.Tracking[0], want) {
		t.Errorf("got  %+v\nwant %+v", d.Tracking[0], want)
	}
}

// TestUntagged checks that the tracking's tag stands in for the newest
// checkpoint only.
func TestUntagged(t *testing.T) {
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(
		map[string]any{"checkpoint_time": "2026-05-07T10:30:00Z", "message": "Out with courier"},
		map[string]any{"checkpoint_time": "2026-05-06T10:30:00Z", "message": "Processed"},
	)))
	if got := d.Tracking[0]; got.Status != order.ShipmentUnknown || got.RawStatus != "" {
		t.Errorf("older untagged checkpoint = %s (raw %q), want unknown", got.Status, got.RawStatus)
	}
	if got := d.Tracking[1]; got.Status != order.ShipmentOutForDelivery || got.RawStatus != "OutForDelivery" || got.Substatus != "OutForDelivery_001" {
		t.Errorf("newest untagged checkpoint = %s (raw %q, sub %q), want the tracking's tag", got.Status, got.RawStatus, got.Substatus)
	}
}

func TestDuplicateCheckpoint(t *testing.T) {
	cp := map[string]any{"checkpoint_time": "2026-05-07T10:30:00Z", "message": "Processed", "tag": "InTransit"}
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(cp, cp)))
	if len(d.Tracking) != 1 {
		t.Errorf("got %d events for one checkpoint listed twice", len(d.Tracking))
	}
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-05-07T10:30:00+03:00", "2026-05-07T07:30:00Z"},
		{"2026-05-07T10:30:00", "2026-05-07T10:30:00Z"},
		{"2026-05-07T10:30:00.250Z", "2026-05-07T10:30:00.25Z"},
		{"2026-05-07T10:30:00-0500", "2026-05-07T15:30:00Z"},
		{"2026-05-07 10:30:00", "2026-05-07T10:30:00Z"},
		{"2026-05-07T10:30", "2026-05-07T10:30:00Z"},
		{"2026-05-07", "2026-05-07T00:00:00Z"},
	} {
		d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(map[string]any{"checkpoint_time": tc.in, "tag": "InTransit"})))
		got := d.Tracking[0].OccurredAt
		if !got.Equal(fixture.UTC(tc.want)) || got.Location() != time.UTC {
			t.Errorf("checkpoint_time %q = %v, want %s in UTC", tc.in, got, tc.want)
		}
	}
}

func TestLocation(t *testing.T) {
	for _, tc := range []struct {
		cp   map[string]any
		want order.Location
	}{
		{map[string]any{"city": "Riga", "country_iso3": "LVA", "zip": "LV-1050"}, order.Location{City: "Riga", PostalCode: "LV-1050", Country: "LV"}},
		{map[string]any{"state": "CA", "country_iso3": "usa"}, order.Location{Region: "CA", Country: "US"}},
		{map[string]any{"country_iso3": "XKX"}, order.Location{Country: "XKX"}}, // not in the table: kept
		{map[string]any{"postal_code": "10115", "zip": "old", "country_region": "DEU"}, order.Location{PostalCode: "10115", Country: "DE"}},
		{map[string]any{"city": nil, "country_iso3": nil}, order.Location{}},
	} {
		tc.cp["checkpoint_time"], tc.cp["tag"] = "2026-05-07T10:30:00Z", "InTransit"
		d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(tc.cp)))
		if got := d.Tracking[0].Location; got != tc.want {
			t.Errorf("checkpoint %v: location %+v, want %+v", tc.cp, got, tc.want)
		}
	}
}

func TestEstimatedDelivery(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want *time.Time
	}{
		{"latest estimate first", func(m map[string]any) {}, fixture.Ptr(fixture.UTC("2026-05-08T14:00:00Z"))},
		{"latest range end", func(m map[string]any) {
			m["latest_estimated_delivery"] = map[string]any{"type": "range", "datetime_min": "2026-05-08T09:00:00Z", "datetime_max": "2026-05-09T18:00:00Z"}
		}, fixture.Ptr(fixture.UTC("2026-05-09T18:00:00Z"))},
		{"carrier date", func(m map[string]any) { delete(m, "latest_estimated_delivery") }, fixture.Ptr(fixture.UTC("2026-05-08T00:00:00Z"))},
		{"courier estimate", func(m map[string]any) {
			delete(m, "latest_estimated_delivery")
			m["expected_delivery"] = nil
			m["courier_estimated_delivery_date"] = map[string]any{"estimated_delivery_date": "2026-05-11"}
		}, fixture.Ptr(fixture.UTC("2026-05-11T00:00:00Z"))},
		{"aftership prediction", func(m map[string]any) {
			delete(m, "latest_estimated_delivery")
			m["expected_delivery"] = ""
		}, fixture.Ptr(fixture.UTC("2026-05-09T00:00:00Z"))},
		{"none", func(m map[string]any) {
			delete(m, "latest_estimated_delivery")
			delete(m, "expected_delivery")
			m["aftership_estimated_delivery_date"] = nil
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) { tc.edit(msg(w)) }))
			got := d.Tracking[len(d.Tracking)-1].EstimatedDelivery
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("estimated delivery = %v, want %v", got, tc.want)
			}
			for _, e := range d.Tracking[:len(d.Tracking)-1] {
				if e.EstimatedDelivery != nil {
					t.Errorf("older event carries an estimate: %+v", e)
				}
			}
		})
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
		{name: "truncated", body: []byte(`{"event":"tracking_update","msg":{`), as: &syntax},
		{name: "not json", body: []byte(`tracking_update`), as: &syntax},
		{name: "trailing garbage", body: []byte(`{"event":"tracking_update"} x`), as: &syntax},
		{name: "array", body: []byte(`[]`), as: &typ},
		{name: "number for a string", body: []byte(`{"event":"tracking_update","msg":{"tracking_number":1234567890}}`), as: &typ},
		{name: "no event", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) { delete(w, "event") }), field: "event"},
		{name: "edd revise", body: fixture.Load(t, "edd_revise.json"), is: inbox.ErrUnsupported, text: `"edd_revise"`},
		{name: "pending time", body: []byte(`{"event":"tracking_pending_time","msg":{}}`), is: inbox.ErrUnsupported, text: "tracking_pending_time"},
		{name: "no msg", body: []byte(`{"event":"tracking_update","event_id":"x"}`), field: "msg"},
		{name: "null msg", body: []byte(`{"event":"tracking_update","msg":null}`), field: "msg"},
		{name: "no tracking number", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) { delete(msg(w), "tracking_number") }), field: "msg.tracking_number"},
		{name: "blank tracking number", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) { msg(w)["tracking_number"] = "  " }), field: "msg.tracking_number"},
		{name: "checkpoint without time", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) {
			delete(msg(w)["checkpoints"].([]any)[1].(map[string]any), "checkpoint_time")
		}), field: "msg.checkpoints[1].checkpoint_time", text: "is required"},
		{name: "checkpoint bad time", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(map[string]any{"checkpoint_time": "07/05/2026 10:30"})),
			field: "msg.checkpoints[0].checkpoint_time", text: `is not a valid time: "07/05/2026 10:30"`},
		{name: "checkpoint zero time", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(map[string]any{"checkpoint_time": "0001-01-01T00:00:00Z"})),
			field: "msg.checkpoints[0].checkpoint_time", text: "is required"},
		{name: "checkpoint before year 1", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(map[string]any{"checkpoint_time": "0000-01-01T00:00:00+01:00"})),
			field: "msg.checkpoints[0].checkpoint_time", text: "is not a valid time"},
		{name: "bad estimate", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), func(w map[string]any) {
			delete(msg(w), "latest_estimated_delivery")
			msg(w)["expected_delivery"] = "soon"
		}), field: "msg.expected_delivery"},
		{name: "more checkpoints than a delivery carries", body: fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(fixture.Scans(order.MaxEventsPerDelivery+1, "checkpoint_time")...)),
			field: "msg.checkpoints", text: "at most 200"},
		{name: "no checkpoints, no update time", body: fixture.EditFunc(t, fixture.Load(t, "pending.json"), func(w map[string]any) { delete(msg(w), "updated_at") }), field: "msg.updated_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := aftership.ParseWebhook(tc.body)
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
	d := parse(t, fixture.EditFunc(t, fixture.Load(t, "tracking_update.json"), checkpoints(fixture.Scans(order.MaxEventsPerDelivery, "checkpoint_time")...)))
	if len(d.Tracking) != order.MaxEventsPerDelivery {
		t.Errorf("%d events, want %d", len(d.Tracking), order.MaxEventsPerDelivery)
	}
}

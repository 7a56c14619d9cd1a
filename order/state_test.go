package order_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// clone copies an order through JSON, the way continue-as-new does.
func clone(t testing.TB, o order.Order) order.Order {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var c order.Order
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// full is an order touching every part of the state, fed times in a
// non-UTC zone.
func full(t testing.TB) order.Order {
	t.Helper()
	vilnius := time.FixedZone("EEST", 3*3600)
	e := created()
	e.Timestamp = t0.In(vilnius)
	e.PromisedDelivery = ptime(at(4000).In(vilnius))
	e.ShippingAddress = &order.Address{Name: "Ona", Line1: "Laisvės al. 1", City: "Kaunas", PostalCode: "44280", Country: "LT"}
	daily := true
	e.DailyUpdates = &daily
	o, _, err := order.New(e)
	if err != nil {
		t.Fatal(err)
	}
	sh := com("e3", order.EventShipped, 3)
	sh.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "TS1", Items: []string{"A"}, EstimatedDelivery: ptime(at(3000).In(vilnius))}
	refund := com("e7", order.EventRefundProcessed, 50)
	refund.Amount, refund.Currency = "5.00", "EUR"
	tr := scan("t1", "S1", order.ShipmentInTransit, 10)
	tr.OccurredAt = tr.OccurredAt.In(vilnius).Add(123 * time.Nanosecond)
	tr.EstimatedDelivery = ptime(at(3100))
	for _, st := range []step{
		c("e1", order.EventConfirmed, 1),
		c("e2", order.EventPacked, 2),
		cev(sh),
		ship("e3b", "S2", 4, "B"),
		tev(tr),
		s("t2", "S1", order.ShipmentAttemptFailed, 20),
		s("t3", "S1", order.ShipmentInfoReceived, 5),
		s("t4", "S2", order.ShipmentDelivered, 21),
		s("t5", "S2", order.ShipmentInTransit, 22),
		s("t6", "S1", order.ShipmentException, 30),
		cev(refund),
	} {
		st(t, &o)
	}
	o.NotificationFailed(order.MilestoneShipped, "S2", order.ChannelSMS, "undeliverable", at(40))
	o.Sent(order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S2"}, at(41).In(vilnius))
	if o.Exception == nil || len(o.Shipments) != 2 || len(o.Refunds) != 1 {
		t.Fatalf("full order is not full: %+v", o)
	}
	return o
}

func TestJSONRoundTrip(t *testing.T) {
	for _, o := range []order.Order{{}, newOrder(t), full(t)} {
		if c := clone(t, o); !reflect.DeepEqual(c, o) {
			t.Errorf("round trip changed the order\n got %+v\nwant %+v", c, o)
		}
	}
	// The copy behaves like the original from then on.
	o := full(t)
	cp := clone(t, o)
	next := []step{s("t7", "S1", order.ShipmentDelivered, 60), c("e8", order.EventReturnInitiated, 70)}
	for _, st := range next {
		a, b := st(t, &o), st(t, &cp)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("effects differ: %q vs %q", show(a), show(b))
		}
	}
	if !reflect.DeepEqual(o, cp) {
		t.Error("orders diverged after the round trip")
	}
}

func TestSeenBound(t *testing.T) {
	o, _ := run(t, shipped()...)
	n := order.MaxSeen + 10
	for i := range n {
		o.ApplyTracking(scan(fmt.Sprint("t", i), "S1", order.ShipmentInTransit, 10+i))
	}
	if len(o.Seen) != order.MaxSeen {
		t.Fatalf("len(Seen) = %d, want %d", len(o.Seen), order.MaxSeen)
	}
	// The newest id is still deduped.
	if fx := o.ApplyTracking(scan(fmt.Sprint("t", n-1), "S1", order.ShipmentDelivered, 10+n)); fx != nil || o.Status != order.StatusInTransit {
		t.Error("recent duplicate applied")
	}
	// The oldest was forgotten: it is taken as new again, and the ordering
	// rule, not dedupe, keeps it from moving the status.
	o.ApplyTracking(scan("t0", "S1", order.ShipmentInfoReceived, 10))
	if o.Seen[len(o.Seen)-1] != "t/t0" || o.Status != order.StatusInTransit || len(o.Seen) != order.MaxSeen {
		t.Errorf("forgotten id: last seen %q, status %s", o.Seen[len(o.Seen)-1], o.Status)
	}
}

func TestTimelineBound(t *testing.T) {
	o, _ := run(t, shipped()...)
	n := order.MaxTimeline + 50
	for i := range n {
		o.ApplyTracking(scan(fmt.Sprint("t", i), "S1", order.ShipmentInTransit, 100+i))
	}
	if len(o.Timeline) != order.MaxTimeline {
		t.Fatalf("len(Timeline) = %d, want %d", len(o.Timeline), order.MaxTimeline)
	}
	oldest := at(100 + n - order.MaxTimeline)
	for _, e := range o.Timeline {
		if e.At.Before(oldest) {
			t.Fatalf("kept entry at %v, older than the newest %d (from %v)", e.At, order.MaxTimeline, oldest)
		}
	}
	// A very old scan arriving late is the oldest history, so it is the
	// one dropped.
	o.ApplyTracking(scan("late", "S1", order.ShipmentInfoReceived, 1))
	for _, e := range o.Timeline {
		if e.EventID == "late" {
			t.Error("late old scan kept over newer history")
		}
	}
	if len(o.Timeline) != order.MaxTimeline {
		t.Errorf("len(Timeline) = %d", len(o.Timeline))
	}
}

func TestView(t *testing.T) {
	o, _ := run(t, with(shipped(),
		s("t1", "S1", order.ShipmentInTransit, 20),
		s("t2", "S1", order.ShipmentInfoReceived, 10), // older, arrives later
		s("t3", "S1", order.ShipmentOutForDelivery, 30),
		s("t4", "S1", order.ShipmentAttemptFailed, 30), // same time, later arrival
	)...)
	v := o.View()
	var got []string
	for _, e := range v.Timeline {
		got = append(got, e.Type)
	}
	want := []string{"attempt_failed", "out_for_delivery", "in_transit", "info_received", "order.shipped", "order.packed", "order.confirmed", "order.created"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline\n got %q\nwant %q", got, want)
	}
	if v.OrderID != "1001" || v.Status != order.StatusInTransit || v.Customer.Phone != "+37060000000" || v.Exception != nil {
		t.Errorf("view = %+v", v)
	}
	sv := v.Shipments[0]
	if sv.ShipmentID != "S1" || sv.Carrier != "dpd" || sv.TrackingNumber != "TS1" || sv.Status != order.ShipmentAttemptFailed ||
		sv.LastLocation == nil || sv.LastEventAt == nil || !sv.LastEventAt.Equal(at(30)) {
		t.Errorf("shipment view = %+v", sv)
	}

	// The view is a copy.
	v.Timeline[0].Type = "changed"
	v.Shipments[0].LastLocation.City = "changed"
	if last(o).Type == "changed" || o.Shipments[0].LastLocation.City == "changed" {
		t.Error("view aliases the order")
	}

	// Field names of docs/reference/api.md, exception null when none.
	b, err := json.Marshal(o.View())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"order_id", "status", "customer", "shipments", "exception", "timeline", "created_at", "updated_at", "items", "notify"} {
		if _, ok := m[k]; !ok {
			t.Errorf("view JSON lacks %q", k)
		}
	}
	if m["exception"] != nil {
		t.Errorf("exception = %v, want null", m["exception"])
	}
	ship := m["shipments"].([]any)[0].(map[string]any)
	for _, k := range []string{"shipment_id", "carrier", "tracking_number", "status", "substatus", "last_location", "estimated_delivery", "last_event_at"} {
		if _, ok := ship[k]; !ok {
			t.Errorf("shipment JSON lacks %q", k)
		}
	}
	cust := m["customer"].(map[string]any)
	for _, k := range []string{"name", "email", "phone", "locale", "time_zone"} {
		if _, ok := cust[k]; !ok {
			t.Errorf("customer JSON lacks %q", k)
		}
	}

	// An empty order still has lists, not nulls.
	b, _ = json.Marshal((&order.Order{}).View())
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"shipments", "timeline", "items"} {
		if m[k] == nil {
			t.Errorf("%s is null", k)
		}
	}
}

func TestEntrySeqSurvivesTrimming(t *testing.T) {
	o := newOrder(t)
	shipped := com("ship", order.EventShipped, 1)
	shipped.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TS1"}
	o.ApplyCommerce(shipped)
	for i := range order.MaxTimeline + 20 {
		o.ApplyTracking(scan(fmt.Sprintf("e%d", i), "S1", order.ShipmentInTransit, 2+i))
	}
	if len(o.Timeline) != order.MaxTimeline {
		t.Fatalf("timeline has %d entries, want the bound %d", len(o.Timeline), order.MaxTimeline)
	}
	seen := map[int64]bool{}
	var last int64
	for _, e := range o.Timeline {
		if seen[e.Seq] || e.Seq <= last {
			t.Fatalf("entry seq %d repeated or not increasing (after %d)", e.Seq, last)
		}
		seen[e.Seq], last = true, e.Seq
	}
	if last != o.Recorded {
		t.Errorf("newest entry seq %d, recorded %d", last, o.Recorded)
	}
}

func TestChecksChangeNothing(t *testing.T) {
	o := newOrder(t)
	shipped := com("ship", order.EventShipped, 1)
	shipped.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TS1"}
	o.ApplyCommerce(shipped)
	before := clone(t, o)
	if err := o.CheckChannels([]order.Channel{"pigeon"}); err == nil {
		t.Error("CheckChannels accepted an unknown channel")
	}
	if err := o.CheckChannels([]order.Channel{order.ChannelEmail}); err != nil {
		t.Errorf("CheckChannels: %v", err)
	}
	if err := o.CheckDelay(order.Delay{TrackingNumber: "NOPE", At: at(5)}); err == nil {
		t.Error("CheckDelay accepted an unknown tracking number")
	}
	if err := o.CheckDelay(order.Delay{TrackingNumber: "ts 1", At: at(5), Reason: "traffic"}); err != nil {
		t.Errorf("CheckDelay: %v", err)
	}
	if got := clone(t, o); !reflect.DeepEqual(got, before) {
		t.Error("a check changed the order")
	}
}

package order_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// rule is one table case: steps applied to a fresh order 1001, then the
// expected status, effects of the last step, and last timeline entry.
type rule struct {
	name    string
	steps   []step
	status  order.Status
	fx      []string
	ignored bool
	note    string // substring of the last entry's note
}

func checkRules(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			o, fx := run(t, r.steps...)
			if o.Status != r.status {
				t.Errorf("status = %s, want %s", o.Status, r.status)
			}
			if got := show(fx); !slices.Equal(got, nonNilStrings(r.fx)) {
				t.Errorf("effects\n got %q\nwant %q", got, r.fx)
			}
			e := last(o)
			if e.Ignored != r.ignored {
				t.Errorf("last entry ignored = %v, want %v (note %q)", e.Ignored, r.ignored, e.Note)
			}
			if !strings.Contains(e.Note, r.note) {
				t.Errorf("last entry note = %q, want it to contain %q", e.Note, r.note)
			}
		})
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestNew(t *testing.T) {
	o, fx, err := order.New(created())
	if err != nil {
		t.Fatal(err)
	}
	if got := show(fx); !slices.Equal(got, []string{"publish order.created"}) {
		t.Errorf("effects = %q", got)
	}
	if o.Status != order.StatusCreated || o.ID != "1001" || o.Seq != 1 || !o.CreatedAt.Equal(t0) {
		t.Errorf("order = %+v", o)
	}
	if len(o.Timeline) != 1 || o.Timeline[0].Type != string(order.EventCreated) {
		t.Errorf("timeline = %+v", o.Timeline)
	}

	e := created()
	e.Customer.Phone = ""
	e.Notify = []order.Channel{order.ChannelSMS, order.ChannelEmail, order.ChannelWhatsApp, order.ChannelEmail}
	o, _, err = order.New(e)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Notify, []order.Channel{order.ChannelEmail}) {
		t.Errorf("notify = %v, want [email]: unreachable dropped, duplicates dropped", o.Notify)
	}
	if !strings.Contains(o.Timeline[0].Note, "channel sms dropped: no customer phone") {
		t.Errorf("note = %q", o.Timeline[0].Note)
	}

	e = created()
	e.Type = order.EventConfirmed
	if _, _, err := order.New(e); err == nil {
		t.Error("New accepted order.confirmed")
	}
	e = created()
	e.OrderID = ""
	if _, _, err := order.New(e); err == nil || err.Error() != "data.order_id is required" {
		t.Errorf("New without order id: %v", err)
	}
}

func TestCommerce(t *testing.T) {
	withException := with(shipped(), s("x1", "S1", order.ShipmentException, 10))
	checkRules(t, []rule{
		{name: "confirmed", steps: []step{c("e1", order.EventConfirmed, 1)},
			status: order.StatusConfirmed, fx: []string{"notify confirmed", "publish order.confirmed"}},
		{name: "packed", steps: []step{c("e1", order.EventConfirmed, 1), c("e2", order.EventPacked, 2)},
			status: order.StatusPacked, fx: []string{"publish order.packed"}},
		{name: "packed without confirmed", steps: []step{c("e2", order.EventPacked, 2)},
			status: order.StatusPacked, fx: []string{"publish order.packed"}},
		{name: "shipped", steps: shipped(),
			status: order.StatusShipped, fx: []string{"notify shipped/S1", "publish order.shipped/S1"}},
		{name: "shipped before confirmed", steps: []step{ship("e3", "S1", 3)},
			status: order.StatusShipped, fx: []string{"notify shipped/S1", "publish order.shipped/S1"}},
		{name: "shipped again with new tracking number", steps: with(shipped(), cev(func() order.CommerceEvent {
			e := com("e3b", order.EventShipped, 4)
			e.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "TNEW"}
			return e
		}())), status: order.StatusShipped, fx: []string{"publish shipment.updated/S1"}, note: "tracking info updated"},
		{name: "shipped again unchanged", steps: with(shipped(), ship("e3b", "S1", 4, "A", "B")),
			status: order.StatusShipped, ignored: true, note: "shipment S1 already known"},
		{name: "confirmed after packed", steps: []step{c("e1", order.EventConfirmed, 1), c("e2", order.EventPacked, 2), c("e1b", order.EventConfirmed, 3)},
			status: order.StatusPacked, ignored: true, note: "order.confirmed after packed"},
		{name: "confirmed twice", steps: []step{c("e1", order.EventConfirmed, 1), c("e1b", order.EventConfirmed, 3)},
			status: order.StatusConfirmed, ignored: true, note: "order.confirmed after confirmed"},
		{name: "confirmed after everything shipped", steps: []step{ship("e3", "S1", 3), c("e1", order.EventConfirmed, 4)},
			status: order.StatusShipped, ignored: true, note: "order.confirmed after shipped"},
		{name: "delivered by merchant", steps: with(shipped(), delivered("e4", "S1", 20)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "notify delivered/S1", "publish order.delivered"}},
		{name: "delivered twice", steps: with(shipped(), delivered("e4", "S1", 20), delivered("e4b", "S1", 21)),
			status: order.StatusDelivered, fx: []string{}},
		{name: "delivered unknown shipment", steps: with(shipped(), delivered("e4", "S9", 20)),
			status: order.StatusShipped, ignored: true, note: "unknown shipment S9"},
		{name: "delivered older than latest scan", steps: with(shipped(), s("t1", "S1", order.ShipmentReturnedToSender, 30), delivered("e4", "S1", 20)),
			status: order.StatusException, ignored: true, note: "older than the shipment's latest event"},
		{name: "packed after delivered", steps: []step{c("e1", order.EventConfirmed, 1), ship("e3", "S1", 3), delivered("e4", "S1", 20), c("e2", order.EventPacked, 30)},
			status: order.StatusDelivered, ignored: true, note: "order.packed after delivered"},
		{name: "cancelled", steps: []step{c("e1", order.EventConfirmed, 1), c("e5", order.EventCancelled, 2)},
			status: order.StatusCancelled, fx: []string{"publish order.cancelled"}},
		{name: "cancelled with open exception", steps: with(withException, c("e5", order.EventCancelled, 20)),
			status: order.StatusCancelled, fx: []string{"clear order_closed carrier_exception/S1", "publish order.cancelled"}},
		{name: "cancelled after delivered", steps: with(shipped(), delivered("e4", "S1", 20), c("e5", order.EventCancelled, 30)),
			status: order.StatusDelivered, ignored: true, note: "order.cancelled after delivered"},
		{name: "cancelled twice", steps: []step{c("e5", order.EventCancelled, 2), c("e5b", order.EventCancelled, 3)},
			status: order.StatusCancelled, ignored: true, note: "order.cancelled after cancelled"},
		{name: "shipped after cancelled", steps: []step{c("e5", order.EventCancelled, 2), ship("e3", "S1", 3)},
			status: order.StatusCancelled, ignored: true, note: "order.shipped after cancelled"},
		{name: "refund after cancelled", steps: []step{c("e5", order.EventCancelled, 2), cev(func() order.CommerceEvent {
			e := com("e7", order.EventRefundProcessed, 3)
			e.Amount, e.Currency = "12.50", "EUR"
			return e
		}())}, status: order.StatusCancelled, fx: []string{"publish order.refund.processed"}},
		{name: "refund changes no status", steps: with(shipped(), cev(func() order.CommerceEvent {
			e := com("e7", order.EventRefundProcessed, 5)
			e.Amount, e.Currency = "12.50", "EUR"
			return e
		}())), status: order.StatusShipped, fx: []string{"publish order.refund.processed"}},
		{name: "return after delivered", steps: with(shipped(), delivered("e4", "S1", 20), c("e6", order.EventReturnInitiated, 30)),
			status: order.StatusReturned, fx: []string{"publish order.return.initiated"}},
		{name: "return while in transit", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10), c("e6", order.EventReturnInitiated, 30)),
			status: order.StatusReturned, fx: []string{"publish order.return.initiated"}},
		{name: "return with open exception", steps: with(withException, c("e6", order.EventReturnInitiated, 30)),
			status: order.StatusReturned, fx: []string{"clear order_closed carrier_exception/S1", "publish order.return.initiated"}},
		{name: "return before shipment", steps: []step{c("e1", order.EventConfirmed, 1), c("e6", order.EventReturnInitiated, 2)},
			status: order.StatusConfirmed, ignored: true, note: "order.return.initiated before any shipment"},
		{name: "confirmed after returned", steps: with(shipped(), c("e6", order.EventReturnInitiated, 30), c("e1b", order.EventConfirmed, 31)),
			status: order.StatusReturned, ignored: true, note: "order.confirmed after returned"},
		{name: "created again", steps: []step{cev(func() order.CommerceEvent { e := created(); e.ID = "evt-created-2"; return e }())},
			status: order.StatusCreated, ignored: true, note: "order already exists"},
		{name: "other order", steps: []step{cev(func() order.CommerceEvent { e := com("e1", order.EventConfirmed, 1); e.OrderID = "2002"; return e }())},
			status: order.StatusCreated, ignored: true, note: "event for order 2002"},
		{name: "invalid event", steps: []step{c("e3", order.EventShipped, 3)},
			status: order.StatusCreated, ignored: true, note: "invalid: data.shipment is required"},
	})
}

// TestShipmentStatuses walks every shipment status (docs/reference/statuses.md) on a
// single-shipment order that was confirmed and packed.
func TestShipmentStatuses(t *testing.T) {
	checkRules(t, []rule{
		{name: "info_received", steps: with(shipped(), s("t1", "S1", order.ShipmentInfoReceived, 10)),
			status: order.StatusShipped, fx: []string{}},
		{name: "in_transit", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S1"}},
		{name: "out_for_delivery", steps: with(shipped(), s("t1", "S1", order.ShipmentOutForDelivery, 10)),
			status: order.StatusOutForDelivery, fx: []string{"publish shipment.updated/S1", "notify out_for_delivery/S1", "publish shipment.out_for_delivery/S1"}},
		{name: "available_for_pickup", steps: with(shipped(), s("t1", "S1", order.ShipmentAvailableForPickup, 10)),
			status: order.StatusOutForDelivery, fx: []string{"publish shipment.updated/S1", "notify available_for_pickup/S1"}},
		{name: "attempt_failed", steps: with(shipped(), s("t1", "S1", order.ShipmentAttemptFailed, 10)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S1", "notify attempt_failed/S1"}},
		{name: "delivered", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 10)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "notify delivered/S1", "publish order.delivered"}},
		{name: "exception", steps: with(shipped(), s("t1", "S1", order.ShipmentException, 10)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "raise carrier_exception/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "returned_to_sender", steps: with(shipped(), s("t1", "S1", order.ShipmentReturnedToSender, 10)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "raise returned_to_sender/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "cancelled shipment leaves the commerce stage", steps: with(shipped(), s("t1", "S1", order.ShipmentCancelled, 10)),
			status: order.StatusPacked, fx: []string{"publish shipment.updated/S1"}},
		{name: "unknown", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10), s("t2", "S1", order.ShipmentUnknown, 11)),
			status: order.StatusShipped, fx: []string{"publish shipment.updated/S1"}},
		{name: "same status again", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10), s("t2", "S1", order.ShipmentInTransit, 11)),
			status: order.StatusInTransit, fx: []string{}},
		{name: "scan after cancelled order", steps: with(shipped(), c("e5", order.EventCancelled, 5), s("t1", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusCancelled, ignored: true, note: "tracking after order cancelled"},
		{name: "scan after returned order is quiet", steps: with(shipped(), c("e6", order.EventReturnInitiated, 5), s("t1", "S1", order.ShipmentReturnedToSender, 10)),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/S1"}},
		{name: "invalid scan", steps: with(shipped(), tev(func() order.TrackingEvent { e := scan("t1", "S1", "lost", 10); return e }())),
			status: order.StatusShipped, ignored: true, note: "invalid: status is not a known shipment status"},
	})
}

func TestTrackingUpdatesShipment(t *testing.T) {
	e := scan("t1", "S1", order.ShipmentInTransit, 10)
	e.Substatus, e.RawStatus = "InTransit_001", "IT"
	e.EstimatedDelivery = ptime(at(2000))
	o, _ := run(t, with(shipped(), tev(e))...)
	s := shipment(t, o, "S1")
	if s.Substatus != "InTransit_001" || s.RawStatus != "IT" || s.LastLocation == nil || s.LastLocation.City != "Kaunas" ||
		s.EstimatedDelivery == nil || !s.EstimatedDelivery.Equal(at(2000)) || s.LastEventAt == nil || !s.LastEventAt.Equal(at(10)) {
		t.Errorf("shipment = %+v", s)
	}
	// A scan without a location keeps the last known place.
	e2 := scan("t2", "S1", order.ShipmentOutForDelivery, 20)
	e2.Location = order.Location{}
	o.ApplyTracking(e2)
	if s := shipment(t, o, "S1"); s.LastLocation == nil || s.LastLocation.City != "Kaunas" {
		t.Errorf("location lost: %+v", s.LastLocation)
	}
}

func TestTrackingOrder(t *testing.T) {
	checkRules(t, []rule{
		{name: "older scan recorded, status unchanged", steps: with(shipped(), s("t1", "S1", order.ShipmentOutForDelivery, 20), s("t2", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusOutForDelivery, fx: []string{}, ignored: true, note: "older than the shipment's latest event (2026-05-07T10:20:00Z)"},
		{name: "equal time: later arrival wins", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 20), s("t2", "S1", order.ShipmentOutForDelivery, 20)),
			status: order.StatusOutForDelivery, fx: []string{"publish shipment.updated/S1", "notify out_for_delivery/S1", "publish shipment.out_for_delivery/S1"}},
		{name: "newer info_received moves back", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10), s("t2", "S1", order.ShipmentInfoReceived, 20)),
			status: order.StatusShipped, fx: []string{"publish shipment.updated/S1"}},
		{name: "in_transit after delivered ignored", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentInTransit, 30)),
			status: order.StatusDelivered, fx: []string{}, ignored: true, note: "in_transit after delivered"},
		{name: "equal-time in_transit after delivered ignored", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentInTransit, 20)),
			status: order.StatusDelivered, fx: []string{}, ignored: true, note: "in_transit after delivered"},
		{name: "older in_transit after delivered ignored", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusDelivered, fx: []string{}, ignored: true, note: "older than"},
		{name: "returned_to_sender after delivered applied", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentReturnedToSender, 30)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "raise returned_to_sender/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "exception after delivered applied", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentException, 30)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "raise carrier_exception/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "delivered again after a return is not announced twice", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentReturnedToSender, 30), s("t3", "S1", order.ShipmentDelivered, 40)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "clear carrier_progress returned_to_sender/S1"}},
	})
}

func TestDuplicates(t *testing.T) {
	for _, tc := range []struct {
		name string
		dup  step
	}{
		{"commerce", c("e-conf", order.EventPacked, 9)},
		{"commerce created id", cev(func() order.CommerceEvent { e := created(); return e }())},
		{"tracking", s("t1", "S1", order.ShipmentInTransit, 10)},
		{"tracking again with other content", s("t1", "S1", order.ShipmentDelivered, 50)},
		{"delay", delay(order.Delay{ID: "call-1", TrackingNumber: "TS1", Reason: "traffic", At: at(30)})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10), delay(order.Delay{ID: "call-1", TrackingNumber: "TS1", Reason: "traffic", At: at(30)}))...)
			before := clone(t, o)
			if fx := tc.dup(t, &o); fx != nil {
				t.Errorf("duplicate gave effects %q", show(fx))
			}
			if !reflect.DeepEqual(o, before) {
				t.Error("duplicate changed the order")
			}
		})
	}
}

func TestUnknownTrackingNumberIsNotRemembered(t *testing.T) {
	o := newOrder(t)
	e := scan("t1", "S1", order.ShipmentInTransit, 10)
	before := clone(t, o)
	if fx := o.ApplyTracking(e); fx != nil || !reflect.DeepEqual(o, before) {
		t.Fatalf("scan for an unknown tracking number changed the order: %q", show(fx))
	}
	ship("e3", "S1", 3)(t, &o)
	if !o.HasShipment("ts1") || !o.HasShipment(" T S1 ") || o.HasShipment("TS2") {
		t.Error("HasShipment does not match tracking numbers ignoring case and spaces")
	}
	o.ApplyTracking(e)
	if o.Status != order.StatusInTransit {
		t.Errorf("held scan applied later: status %s", o.Status)
	}
}

func TestCarrierChoosesBetweenEqualTrackingNumbers(t *testing.T) {
	o := newOrder(t)
	for _, si := range []order.ShipmentInfo{
		{ID: "S1", Carrier: "DPD", TrackingNumber: "X1", Items: []string{"A"}},
		{ID: "S2", Carrier: "UPS", TrackingNumber: "X1", Items: []string{"B"}},
	} {
		e := com("ship-"+si.ID, order.EventShipped, 3)
		e.Shipment = &si
		o.ApplyCommerce(e)
	}
	e := order.TrackingEvent{ID: "t1", Carrier: "ups", TrackingNumber: "X1", Status: order.ShipmentInTransit, OccurredAt: at(10)}
	o.ApplyTracking(e)
	if a, b := shipment(t, o, "S1").Status, shipment(t, o, "S2").Status; a != order.ShipmentInfoReceived || b != order.ShipmentInTransit {
		t.Errorf("S1 %s, S2 %s: want the UPS one moved", a, b)
	}
	// A carrier spelt differently by the provider still finds the shipment.
	e = order.TrackingEvent{ID: "t2", Carrier: "dpd-lt", TrackingNumber: "X1", Status: order.ShipmentDelivered, OccurredAt: at(20)}
	o.ApplyTracking(e)
	if st := shipment(t, o, "S1").Status; st != order.ShipmentDelivered {
		t.Errorf("S1 %s after a dpd-lt scan", st)
	}
}

func TestSplitOrders(t *testing.T) {
	half := []step{c("e1", order.EventConfirmed, 1), c("e2", order.EventPacked, 2), ship("e3", "S1", 3, "A")}
	both := with(half, ship("e3b", "S2", 4, "B"))
	checkRules(t, []rule{
		{name: "half shipped stays packed", steps: half, status: order.StatusPacked, fx: []string{"notify shipped/S1", "publish order.shipped/S1"}},
		{name: "half shipped and in transit stays packed", steps: with(half, s("t1", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusPacked, fx: []string{"publish shipment.updated/S1"}},
		{name: "half shipped and delivered stays packed", steps: with(half, s("t1", "S1", order.ShipmentDelivered, 10)),
			status: order.StatusPacked, fx: []string{"publish shipment.updated/S1", "notify delivered/S1"}},
		{name: "half shipped without commerce steps stays created", steps: []step{ship("e3", "S1", 3, "A")},
			status: order.StatusCreated, fx: []string{"notify shipped/S1", "publish order.shipped/S1"}},
		{name: "packed for the rest after the first shipment", steps: []step{c("e1", order.EventConfirmed, 1), ship("e3", "S1", 3, "A"), c("e2", order.EventPacked, 4)},
			status: order.StatusPacked, fx: []string{"publish order.packed"}},
		{name: "both shipped", steps: both, status: order.StatusShipped, fx: []string{"notify shipped/S2", "publish order.shipped/S2"}},
		{name: "one in transit", steps: with(both, s("t1", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusShipped, fx: []string{"publish shipment.updated/S1"}},
		{name: "both in transit", steps: with(both, s("t1", "S1", order.ShipmentInTransit, 10), s("t2", "S2", order.ShipmentInTransit, 11)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S2"}},
		{name: "one delivered: in transit", steps: with(both, s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentInTransit, 11)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S2"}},
		{name: "one delivered, other out for delivery", steps: with(both, s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentOutForDelivery, 11)),
			status: order.StatusOutForDelivery, fx: []string{"publish shipment.updated/S2", "notify out_for_delivery/S2", "publish shipment.out_for_delivery/S2"}},
		{name: "both delivered", steps: with(both, s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentDelivered, 11)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S2", "notify delivered/S2", "publish order.delivered"}},
		{name: "exception on one", steps: with(both, s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentException, 11)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S2", "raise carrier_exception/S2", "notify delayed/S2", "publish shipment.exception/S2"}},
		{name: "cancelled shipment does not count", steps: with(both, ship("e3c", "S3", 5, "B"), s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentDelivered, 11), s("t3", "S3", order.ShipmentCancelled, 12)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S3", "publish order.delivered"}},
		{name: "cancelled shipment leaves its items unshipped", steps: with(both, s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S2", order.ShipmentCancelled, 11)),
			status: order.StatusPacked, fx: []string{"publish shipment.updated/S2"}},
		{name: "shipment without items carries the rest", steps: with(half, ship("e3b", "S2", 4), s("t1", "S1", order.ShipmentInTransit, 10), s("t2", "S2", order.ShipmentInTransit, 11)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S2"}},
	})
}

func TestExceptions(t *testing.T) {
	transit := with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10))
	twoShipments := []step{ship("e3", "S1", 3, "A"), ship("e3b", "S2", 4, "B")}
	checkRules(t, []rule{
		{name: "second exception kept out", steps: with(twoShipments, s("t1", "S1", order.ShipmentException, 10), s("t2", "S2", order.ShipmentReturnedToSender, 11)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S2"}, note: "returned_to_sender not raised: carrier_exception already open"},
		{name: "cleared by newer progress", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), s("t3", "S1", order.ShipmentInTransit, 30)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S1", "clear carrier_progress carrier_exception/S1"}},
		{name: "cleared by delivery", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), s("t3", "S1", order.ShipmentDelivered, 30)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "clear carrier_progress carrier_exception/S1", "notify delivered/S1", "publish order.delivered"}},
		{name: "not cleared by an older scan", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), s("t3", "S1", order.ShipmentOutForDelivery, 15)),
			status: order.StatusException, fx: []string{}, ignored: true},
		{name: "not cleared by another shipment", steps: with(twoShipments, s("t1", "S1", order.ShipmentException, 10), s("t2", "S2", order.ShipmentInTransit, 11)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S2"}},
		{name: "not cleared by attempt_failed", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), s("t3", "S1", order.ShipmentAttemptFailed, 30)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "notify attempt_failed/S1"}},
		{name: "second failed attempt", steps: with(transit, s("t2", "S1", order.ShipmentAttemptFailed, 20), s("t3", "S1", order.ShipmentOutForDelivery, 30), s("t4", "S1", order.ShipmentAttemptFailed, 40)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "raise failed_attempts/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "failed attempts in a row", steps: with(transit, s("t2", "S1", order.ShipmentAttemptFailed, 20), s("t3", "S1", order.ShipmentAttemptFailed, 40)),
			status: order.StatusException, fx: []string{"raise failed_attempts/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "same failed attempt reported twice", steps: with(transit, s("t2", "S1", order.ShipmentAttemptFailed, 20), s("t3", "S1", order.ShipmentAttemptFailed, 20)),
			status: order.StatusInTransit, fx: []string{}},
		{name: "resolved by staff", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), resolve(25)),
			status: order.StatusInTransit, fx: []string{"clear resolved_by_staff carrier_exception/S1"}},
		{name: "resolved by staff after delivery completes the order", steps: with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20), s("t2", "S1", order.ShipmentException, 30), resolve(35)),
			status: order.StatusDelivered, fx: []string{"clear resolved_by_staff carrier_exception/S1"}},
		{name: "stale raised", steps: with(transit, raise(order.ReasonStale, "S1", 3000)),
			status: order.StatusException, fx: []string{"raise stale/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "stale raised again is nothing", steps: with(transit, raise(order.ReasonStale, "S1", 3000), raise(order.ReasonStale, "S1", 4000)),
			status: order.StatusException, fx: nil},
		{name: "stale cleared by a late-arriving scan", steps: with(transit, raise(order.ReasonStale, "S1", 3000), s("t2", "S1", order.ShipmentInTransit, 2000)),
			status: order.StatusInTransit, fx: []string{"clear carrier_progress stale/S1"}},
		{name: "other problem while stale is noted", steps: with(transit, raise(order.ReasonStale, "S1", 3000), raise(order.ReasonLate, "", 3100)),
			status: order.StatusException, fx: []string{}, note: "late not raised: stale already open"},
		{name: "late not cleared by transit", steps: with(transit, raise(order.ReasonLate, "S1", 3000), s("t2", "S1", order.ShipmentOutForDelivery, 3100)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "notify out_for_delivery/S1", "publish shipment.out_for_delivery/S1"}},
		{name: "late order cleared by delivery", steps: with(transit, raise(order.ReasonLate, "", 3000), s("t2", "S1", order.ShipmentDelivered, 3100)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "notify delivered/S1", "clear carrier_progress late/", "publish order.delivered"}},
		{name: "driver delay", steps: with(transit, delay(order.Delay{TrackingNumber: "TS1", Location: "Kaunas", Reason: "flat tyre", RevisedETA: ptime(at(3000)), At: at(60)})),
			status: order.StatusException, fx: []string{"raise driver_delay/S1", "notify delayed/S1", "publish shipment.exception/S1"}},
		{name: "driver delay not cleared by an earlier scan arriving late", steps: with(transit, delay(order.Delay{ShipmentID: "S1", Reason: "traffic", At: at(60)}), s("t2", "S1", order.ShipmentOutForDelivery, 50)),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1", "notify out_for_delivery/S1", "publish shipment.out_for_delivery/S1"}},
		{name: "driver delay cleared by delivery", steps: with(transit, delay(order.Delay{ShipmentID: "S1", Reason: "traffic", At: at(60)}), s("t2", "S1", order.ShipmentDelivered, 70)),
			status: order.StatusDelivered, fx: []string{"publish shipment.updated/S1", "clear carrier_progress driver_delay/S1", "notify delivered/S1", "publish order.delivered"}},
		{name: "driver delay while exception open moves the ETA", steps: with(transit, s("t2", "S1", order.ShipmentException, 20), delay(order.Delay{TrackingNumber: "TS1", Reason: "traffic", RevisedETA: ptime(at(3000)), At: at(60)})),
			status: order.StatusException, fx: []string{"publish shipment.updated/S1"}, note: "driver_delay not raised: carrier_exception already open"},
	})
}

func TestExceptionState(t *testing.T) {
	o, _ := run(t, with(shipped(), delay(order.Delay{TrackingNumber: "TS1", Location: "Kaunas", Reason: "flat tyre", RevisedETA: ptime(at(3000)), At: at(60)}))...)
	want := order.Exception{Reason: order.ReasonDriverDelay, ShipmentID: "S1", Message: "flat tyre (near Kaunas)", RaisedAt: at(60), Source: "driver", DelayReason: order.DelayVehicle}
	if o.Exception == nil || *o.Exception != want {
		t.Errorf("exception = %+v, want %+v", o.Exception, want)
	}
	if eta := shipment(t, o, "S1").EstimatedDelivery; eta == nil || !eta.Equal(at(3000)) {
		t.Errorf("eta = %v", eta)
	}
	fx, err := o.ResolveException("rerouted", "agent@shop", at(70))
	if err != nil {
		t.Fatal(err)
	}
	if len(fx) != 1 || fx[0] != (order.ClearException{Exception: want, Resolution: order.ResolvedByStaff}) {
		t.Errorf("effects = %#v", fx)
	}
	if e := last(o); e.Kind != order.KindStaff || e.Type != order.EntryExceptionResolved || e.Actor != "agent@shop" || e.Description != "rerouted" {
		t.Errorf("entry = %+v", e)
	}
	if _, err := o.ResolveException("again", "agent@shop", at(80)); !errors.Is(err, order.ErrNoException) {
		t.Errorf("resolve with none open: %v", err)
	}
}

func TestOperationErrors(t *testing.T) {
	deliveredOrder := with(shipped(), s("t1", "S1", order.ShipmentDelivered, 20))
	for _, tc := range []struct {
		name  string
		steps []step
		op    func(o *order.Order) error
		want  error
		field string
	}{
		{"delay unknown tracking number", shipped(), func(o *order.Order) error {
			_, err := o.ReportDelay(order.Delay{TrackingNumber: "NOPE", At: at(10)})
			return err
		}, order.ErrUnknownShipment, ""},
		{"delay without shipment", shipped(), func(o *order.Order) error {
			_, err := o.ReportDelay(order.Delay{At: at(10)})
			return err
		}, nil, "tracking_number or shipment_id"},
		{"delay without time", shipped(), func(o *order.Order) error {
			_, err := o.ReportDelay(order.Delay{ShipmentID: "S1"})
			return err
		}, nil, "at"},
		{"delay on delivered shipment", deliveredOrder, func(o *order.Order) error {
			_, err := o.ReportDelay(order.Delay{ShipmentID: "S1", At: at(30)})
			return err
		}, order.ErrDelivered, ""},
		{"delay on cancelled order", []step{ship("e3", "S1", 3), c("e5", order.EventCancelled, 4)}, func(o *order.Order) error {
			_, err := o.ReportDelay(order.Delay{ShipmentID: "S1", At: at(30)})
			return err
		}, order.ErrClosed, ""},
		{"raise on delivered order", deliveredOrder, func(o *order.Order) error {
			_, err := o.Raise(order.Exception{Reason: order.ReasonLate, RaisedAt: at(30)})
			return err
		}, order.ErrDelivered, ""},
		{"raise on unknown shipment", shipped(), func(o *order.Order) error {
			_, err := o.Raise(order.Exception{Reason: order.ReasonStale, ShipmentID: "S9", RaisedAt: at(30)})
			return err
		}, order.ErrUnknownShipment, ""},
		{"raise without reason", shipped(), func(o *order.Order) error {
			_, err := o.Raise(order.Exception{RaisedAt: at(30)})
			return err
		}, nil, "reason"},
		{"resolve with none open", shipped(), func(o *order.Order) error {
			_, err := o.ResolveException("", "", at(30))
			return err
		}, order.ErrNoException, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := run(t, tc.steps...)
			before := clone(t, o)
			err := tc.op(&o)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			var fe *order.FieldError
			if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Errorf("err = %v, want a field error on %s", err, tc.field)
			}
			if !reflect.DeepEqual(o, before) {
				t.Error("failed operation changed the order")
			}
		})
	}
}

func TestMilestoneOnce(t *testing.T) {
	o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentOutForDelivery, 10), s("t2", "S1", order.ShipmentInTransit, 20))...)
	fx := o.ApplyTracking(scan("t3", "S1", order.ShipmentOutForDelivery, 30))
	if got, want := show(fx), []string{"publish shipment.updated/S1", "publish shipment.out_for_delivery/S1"}; !slices.Equal(got, want) {
		t.Errorf("flapping back to out_for_delivery: %q, want %q", got, want)
	}
	if n := strings.Count(strings.Join(o.Notified, ","), "out_for_delivery/S1"); n != 1 {
		t.Errorf("notified = %v", o.Notified)
	}

	// Without channels nobody is messaged, and nothing is marked sent.
	e := created()
	e.Notify = nil
	o, _, _ = order.New(e)
	for _, st := range with(shipped(), s("t1", "S1", order.ShipmentOutForDelivery, 10)) {
		for _, f := range st(t, &o) {
			if _, ok := f.(order.Notify); ok {
				t.Errorf("notify without channels: %#v", f)
			}
		}
	}
	if len(o.Notified) != 0 {
		t.Errorf("notified = %v", o.Notified)
	}
	if _, err := o.SetChannels([]order.Channel{order.ChannelSMS}, at(15)); err != nil {
		t.Fatal(err)
	}
	fx = o.ApplyTracking(scan("t2", "S1", order.ShipmentDelivered, 20))
	if !slices.Contains(show(fx), "notify delivered/S1") {
		t.Errorf("after subscribing: %q", show(fx))
	}
}

func TestReviewRequest(t *testing.T) {
	o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10))...)
	if fx := o.ReviewRequest(); fx != nil || o.Final() {
		t.Errorf("review before delivery: %q, final %v", show(fx), o.Final())
	}
	o.ApplyTracking(scan("t2", "S1", order.ShipmentDelivered, 20))
	if !o.Final() {
		t.Error("delivered order not final")
	}
	if got := show(o.ReviewRequest()); !slices.Equal(got, []string{"notify review_request"}) {
		t.Errorf("review = %q", got)
	}
	if fx := o.ReviewRequest(); fx != nil {
		t.Errorf("second review = %q", show(fx))
	}
}

func TestFinal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		want  bool
	}{
		{"created", nil, false},
		{"in transit", with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10)), false},
		{"delivered", with(shipped(), s("t1", "S1", order.ShipmentDelivered, 10)), true},
		{"problem after delivery", with(shipped(), s("t1", "S1", order.ShipmentDelivered, 10), s("t2", "S1", order.ShipmentReturnedToSender, 20)), false},
		{"half delivered", []step{ship("e3", "S1", 3, "A"), ship("e3b", "S2", 3, "B"), s("t1", "S1", order.ShipmentDelivered, 10)}, false},
		{"cancelled", []step{c("e5", order.EventCancelled, 1)}, true},
		{"returned", with(shipped(), c("e6", order.EventReturnInitiated, 10)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := run(t, tc.steps...)
			if got := o.Final(); got != tc.want {
				t.Errorf("Final() = %v, want %v (status %s)", got, tc.want, o.Status)
			}
		})
	}
}

func TestSeq(t *testing.T) {
	o, fx, _ := order.New(created())
	all := fx
	for _, st := range with(shipped(),
		s("t1", "S1", order.ShipmentOutForDelivery, 10),
		s("t2", "S1", order.ShipmentException, 20),
		resolve(25),
		s("t3", "S1", order.ShipmentDelivered, 30),
	) {
		all = append(all, st(t, &o)...)
	}
	all = append(all, o.NotificationFailed(order.MilestoneDelivered, "S1", order.ChannelSMS, "invalid number", at(31))...)
	var seq int64
	for _, f := range all {
		if p, ok := f.(order.Publish); ok {
			seq++
			if p.Seq != seq {
				t.Errorf("%s has seq %d, want %d", p.Type, p.Seq, seq)
			}
		}
	}
	if o.Seq != seq || seq != 11 {
		t.Errorf("order seq %d, publishes %d, want 11", o.Seq, seq)
	}
}

func TestSetChannels(t *testing.T) {
	for _, tc := range []struct {
		name     string
		customer order.Customer
		in       []order.Channel
		want     []order.Channel
		err      string
	}{
		{"dedupe", order.Customer{Phone: "+37060000000", Email: "a@b.lt"}, []order.Channel{"sms", "email", "sms"}, []order.Channel{"sms", "email"}, ""},
		{"none", order.Customer{Phone: "+37060000000"}, []order.Channel{}, []order.Channel{}, ""},
		{"unknown", order.Customer{Phone: "+37060000000"}, []order.Channel{"sms", "fax"}, nil, `channels[1] is not a known channel (sms, whatsapp, email, push): "fax"`},
		{"sms without phone", order.Customer{Email: "a@b.lt"}, []order.Channel{"sms"}, nil, "channels[0] sms needs a customer phone, and the order has none"},
		{"whatsapp without phone", order.Customer{Email: "a@b.lt"}, []order.Channel{"whatsapp"}, nil, "channels[0] whatsapp needs a customer phone, and the order has none"},
		{"email without email", order.Customer{Phone: "+37060000000"}, []order.Channel{"email"}, nil, "channels[0] email needs a customer email, and the order has none"},
		{"push without app user", order.Customer{Phone: "+37060000000"}, []order.Channel{"push"}, nil, "channels[0] push needs a customer app user id, and the order has none"},
		{"push", order.Customer{Phone: "+37060000000", ExternalID: "user-42"}, []order.Channel{"push", "sms"}, []order.Channel{"push", "sms"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := created()
			e.Customer = &tc.customer
			e.Notify = nil
			o, _, err := order.New(e)
			if err != nil {
				t.Fatal(err)
			}
			n := len(o.Timeline)
			fx, err := o.SetChannels(tc.in, at(5))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || fx != nil {
				t.Fatalf("err %v, effects %q", err, show(fx))
			}
			if !slices.Equal(o.Notify, tc.want) {
				t.Errorf("notify = %v, want %v", o.Notify, tc.want)
			}
			if len(tc.want) > 0 && (len(o.Timeline) != n+1 || last(o).Type != order.EntryChannelsUpdated) {
				t.Errorf("no timeline entry for the change: %+v", last(o))
			}
			n = len(o.Timeline)
			if _, err := o.SetChannels(tc.in, at(6)); err != nil || len(o.Timeline) != n {
				t.Errorf("unchanged channels recorded again (err %v)", err)
			}
		})
	}
}

func TestOrderWithoutContactIsTrackedSilently(t *testing.T) {
	e := created()
	e.Customer = &order.Customer{Name: "Walk-in"}
	o, fx, err := order.New(e)
	if err != nil {
		t.Fatalf("contactless order refused: %v", err)
	}
	if len(o.Notify) != 0 {
		t.Errorf("channels %v for a customer with no contact", o.Notify)
	}
	for _, f := range append(fx, o.ApplyCommerce(com("conf", order.EventConfirmed, 1))...) {
		if _, ok := f.(order.Notify); ok {
			t.Errorf("a customer with no contact is notified: %+v", f)
		}
	}
}

func TestCustomerFallback(t *testing.T) {
	both := order.Customer{Phone: "+37060000000", Email: "ona@example.com"}
	for _, tt := range []struct {
		c       order.Customer
		sending []order.Channel
		want    order.Channel
	}{
		{both, []order.Channel{order.ChannelSMS}, order.ChannelEmail},
		{both, []order.Channel{order.ChannelEmail}, order.ChannelSMS},
		{both, []order.Channel{order.ChannelEmail, order.ChannelSMS}, order.ChannelWhatsApp},
		{both, []order.Channel{order.ChannelEmail, order.ChannelSMS, order.ChannelWhatsApp}, ""},
		{order.Customer{Phone: "+37060000000"}, []order.Channel{order.ChannelSMS}, order.ChannelWhatsApp},
		{order.Customer{Email: "ona@example.com"}, []order.Channel{order.ChannelEmail}, ""},
	} {
		got, ok := tt.c.Fallback(tt.sending)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%+v sending %v: got %q %v, want %q", tt.c, tt.sending, got, ok, tt.want)
		}
	}
}

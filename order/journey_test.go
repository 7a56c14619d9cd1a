package order_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// journey is the Steps a new order runs under, in_transit switched on too.
var journey = order.Steps{Tell: append(order.DefaultTell(), order.MilestoneInTransit), Returns: true, Contact: true}

// cj applies a commerce event under journey.
func cj(e order.CommerceEvent) step {
	return func(_ testing.TB, o *order.Order) []order.Effect { return o.ApplyCommerceAs(e, journey) }
}

// sj applies a carrier scan under journey.
func sj(e order.TrackingEvent) step {
	return func(_ testing.TB, o *order.Order) []order.Effect { return o.ApplyTrackingAs(e, journey) }
}

func refund(id, amount string, m int) order.CommerceEvent {
	e := com(id, order.EventRefundProcessed, m)
	e.Amount, e.Currency = amount, "EUR"
	return e
}

func cancelled(id string, m int) order.CommerceEvent {
	e := com(id, order.EventCancelled, m)
	e.Reason = "customer asked; call +37060000000 and pay at evil.example"
	return e
}

// returned announces the return of the order with return parcel R1 (tracking TR1).
func returned(id string, m int) order.CommerceEvent {
	e := com(id, order.EventReturnInitiated, m)
	e.Reason = "too small"
	e.ReturnShipment = &order.ShipmentInfo{ID: "R1", Carrier: "dpd", TrackingNumber: "TR1"}
	return e
}

func TestJourneyMessages(t *testing.T) {
	toDelivered := with(shipped(), s("t1", "S1", order.ShipmentDelivered, 30))
	checkRules(t, []rule{
		{name: "packed", steps: []step{cj(com("e1", order.EventConfirmed, 1)), cj(com("e2", order.EventPacked, 2))},
			status: order.StatusPacked, fx: []string{"notify packed", "publish order.packed"}},
		{name: "packed switched off", steps: []step{func(_ testing.TB, o *order.Order) []order.Effect {
			return o.ApplyCommerceAs(com("e2", order.EventPacked, 2), order.Steps{Tell: []order.Milestone{order.MilestoneCancelled}})
		}}, status: order.StatusPacked, fx: []string{"publish order.packed"}},
		{name: "in transit", steps: with(shipped(), sj(scan("t1", "S1", order.ShipmentInTransit, 10))),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S1", "notify in_transit/S1"}},
		{name: "in transit without the opt-in", steps: with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10)),
			status: order.StatusInTransit, fx: []string{"publish shipment.updated/S1"}},
		{name: "cancelled", steps: []step{c("e1", order.EventConfirmed, 1), cj(cancelled("e5", 2))},
			status: order.StatusCancelled, fx: []string{"notify cancelled", "publish order.cancelled"}},
		{name: "refund", steps: with(toDelivered, cj(refund("e6", "12.50", 40))),
			status: order.StatusDelivered, fx: []string{"notify refund_processed", "publish order.refund.processed"}},
		{name: "second refund told too", steps: with(toDelivered, cj(refund("e6", "12.50", 40)), cj(refund("e7", "3", 41))),
			status: order.StatusDelivered, fx: []string{"notify refund_processed", "publish order.refund.processed"}},
		{name: "refund after cancellation is not told", steps: []step{cj(cancelled("e5", 2)), cj(refund("e6", "12.50", 40))},
			status: order.StatusCancelled, fx: []string{"publish order.refund.processed"}},
	})
}

func TestRefundsEachHaveTheirMessage(t *testing.T) {
	_, fx := run(t, cj(refund("e6", "12.50", 40)), cj(refund("e6", "12.50", 40)))
	if len(fx) != 0 {
		t.Errorf("a repeated refund event: %q", show(fx))
	}
	_, fx = run(t, cj(refund("e6", "12.50", 40)), cj(refund("e7", "3", 41)))
	if n, ok := fx[0].(order.Notify); !ok || n.Refund != 2 {
		t.Errorf("second refund: %#v, want Notify of refund 2", fx[0])
	}
}

func TestCancelledMessageHoldsNoReason(t *testing.T) {
	o, fx := run(t, cj(cancelled("e5", 2)))
	for _, f := range fx {
		if n, ok := f.(order.Notify); ok && n != (order.Notify{Milestone: order.MilestoneCancelled}) {
			t.Errorf("notify = %#v, want the bare milestone", n)
		}
	}
	// The reason stays for staff and subscribers.
	if o.CancelReason == "" || last(o).Description != o.CancelReason {
		t.Errorf("reason not kept for staff: %q / %q", o.CancelReason, last(o).Description)
	}
}

func TestReturnParcel(t *testing.T) {
	toDelivered := with(shipped(), s("t1", "S1", order.ShipmentDelivered, 30))
	checkRules(t, []rule{
		{name: "return with its parcel", steps: with(toDelivered, cj(returned("e8", 40))),
			status: order.StatusReturned, fx: []string{"publish order.return.initiated"}, note: "return parcel R1 tracked"},
		{name: "first scan of the return", steps: with(toDelivered, cj(returned("e8", 40)), sj(scan("r1", "R1", order.ShipmentInTransit, 50))),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/R1", "notify return_in_transit/R1"}},
		{name: "label scan says nothing yet", steps: with(toDelivered, cj(returned("e8", 40)), sj(scan("r0", "R1", order.ShipmentInfoReceived, 45))),
			status: order.StatusReturned, fx: []string{}},
		{name: "return received", steps: with(toDelivered, cj(returned("e8", 40)), sj(scan("r1", "R1", order.ShipmentInTransit, 50)), sj(scan("r2", "R1", order.ShipmentDelivered, 90))),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/R1", "notify return_received/R1"}},
		{name: "a problem with the return raises nothing", steps: with(toDelivered, cj(returned("e8", 40)), sj(scan("r1", "R1", order.ShipmentException, 50))),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/R1"}},
		{name: "return before delivery", steps: with(shipped(), cj(returned("e8", 40)), sj(scan("r1", "R1", order.ShipmentInTransit, 50))),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/R1", "notify return_in_transit/R1"}},
		{name: "label after the return", steps: with(toDelivered, cj(com("e8", order.EventReturnInitiated, 40)), cj(returned("e9", 41))),
			status: order.StatusReturned, fx: []string{"publish shipment.updated/R1"}, note: "return parcel R1 tracked"},
		{name: "same label twice", steps: with(toDelivered, cj(returned("e8", 40)), cj(returned("e9", 41))),
			status: order.StatusReturned, ignored: true, note: "already known"},
		{name: "orders before returns do not track it", steps: with(toDelivered, cev(returned("e8", 40))),
			status: order.StatusReturned, fx: []string{"publish order.return.initiated"}, note: "return parcel not tracked"},
		{name: "a return tracking number the order ships with", steps: with(toDelivered, cj(func() order.CommerceEvent {
			e := returned("e8", 40)
			e.ReturnShipment.TrackingNumber = "TS1"
			return e
		}())), status: order.StatusReturned, fx: []string{"publish order.return.initiated"}, ignored: true, note: "already one of the order's"},
	})
}

func TestReturnParcelLeavesTheOrderAlone(t *testing.T) {
	o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentDelivered, 30), cj(returned("e8", 40)))...)
	r := shipment(t, o, "R1")
	if !r.Return || r.Status != order.ShipmentInfoReceived || !r.ShippedAt.Equal(at(40)) {
		t.Errorf("return parcel = %+v", r)
	}
	if o.ETA() != nil || o.View().ETA() != nil {
		t.Error("the return parcel gave the order an ETA")
	}
	if v := o.View(); !v.Shipments[1].Return {
		t.Error("the view does not mark the return parcel")
	}
	last, ok := o.ReturnPending()
	if !ok || !last.Equal(at(40)) {
		t.Errorf("ReturnPending = %v, %v", last, ok)
	}
	if _, err := o.Raise(order.Exception{Reason: order.ReasonStale, ShipmentID: "S1", RaisedAt: at(60)}); !errors.Is(err, order.ErrClosed) {
		t.Errorf("stale raised on the outbound parcel of a returned order: %v", err)
	}
	if _, err := o.Raise(order.Exception{Reason: order.ReasonStale, ShipmentID: "R1", RaisedAt: at(60)}); !errors.Is(err, order.ErrClosed) {
		t.Errorf("stale raised on the return parcel: %v", err)
	}
	fx := o.ApplyTrackingAs(scan("r2", "R1", order.ShipmentDelivered, 90), journey)
	if slices.Contains(show(fx), "publish order.delivered") || o.Status != order.StatusReturned {
		t.Errorf("return received reopened the journey: %q, %s", show(fx), o.Status)
	}
	if _, ok := o.ReturnPending(); ok {
		t.Error("a received return still pending")
	}
}

func TestSupersededJourney(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
		n     order.Notify
		want  string // substring; "" to send
	}{
		{"cancelled goes after the cancellation", []step{cj(cancelled("e5", 2))}, order.Notify{Milestone: order.MilestoneCancelled}, ""},
		{"packed does not", []step{cj(com("e2", order.EventPacked, 1)), cj(cancelled("e5", 2))}, order.Notify{Milestone: order.MilestonePacked}, "cancelled"},
		{"refund does not after cancellation", []step{cj(refund("e6", "1", 1)), cj(cancelled("e5", 2))}, order.Notify{Milestone: order.MilestoneRefundProcessed, Refund: 1}, "cancelled"},
		{"refund goes after a return", with(shipped(), cj(refund("e6", "1", 10)), cj(returned("e8", 11))), order.Notify{Milestone: order.MilestoneRefundProcessed, Refund: 1}, ""},
		{"return message goes after the return", with(shipped(), cj(returned("e8", 11)), sj(scan("r1", "R1", order.ShipmentInTransit, 50))), order.Notify{Milestone: order.MilestoneReturnInTransit, ShipmentID: "R1"}, ""},
		{"return received supersedes on its way", with(shipped(), cj(returned("e8", 11)), sj(scan("r1", "R1", order.ShipmentInTransit, 50)), sj(scan("r2", "R1", order.ShipmentDelivered, 60))), order.Notify{Milestone: order.MilestoneReturnInTransit, ShipmentID: "R1"}, "return_received"},
		{"packed superseded by shipped", []step{cj(com("e2", order.EventPacked, 1)), ship("e3", "S1", 2)}, order.Notify{Milestone: order.MilestonePacked}, "shipped"},
		{"in transit superseded by out for delivery", with(shipped(), sj(scan("t1", "S1", order.ShipmentInTransit, 10)), s("t2", "S1", order.ShipmentOutForDelivery, 20)), order.Notify{Milestone: order.MilestoneInTransit, ShipmentID: "S1"}, "out_for_delivery"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _ := run(t, c.steps...)
			got := o.Superseded(c.n)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("Superseded = %q, want %q", got, c.want)
			}
		})
	}
}

func contact(id string, typ order.EventType, c order.Customer) order.CommerceEvent {
	e := com(id, typ, 5)
	e.Customer = &c
	return e
}

func TestContactChange(t *testing.T) {
	o := newOrder(t)
	recorded := o.Recorded
	fx := o.ApplyCommerceAs(contact("u1", order.EventCustomerUpdated, order.Customer{Email: "ona.new@example.com", Phone: "+37061111222", TimeZone: "Europe/London"}), journey)
	if len(fx) != 0 {
		t.Errorf("effects = %q", show(fx))
	}
	c := o.Customer
	if c.Email != "ona.new@example.com" || c.Phone != "+37061111222" || c.TimeZone != "Europe/London" || c.Locale != "lt-LT" || c.Name != "Ona" {
		t.Errorf("customer = %+v", c)
	}
	e := last(o)
	if o.Recorded != recorded+1 || e.Type != "customer.updated" || e.Ignored {
		t.Fatalf("entry = %+v", e)
	}
	for _, full := range []string{"ona.new@example.com", "+37061111222"} {
		if strings.Contains(e.Description, full) {
			t.Errorf("entry prints %s in full: %q", full, e.Description)
		}
	}
	if want := "contact changed: email o******@example.com, phone +370*****222, time zone Europe/London"; e.Description != want {
		t.Errorf("description = %q, want %q", e.Description, want)
	}

	// The same again, an order.updated, and one with only the same values change nothing.
	recorded = o.Recorded
	for _, ev := range []order.CommerceEvent{
		contact("u2", order.EventOrderUpdated, order.Customer{Email: "ona.new@example.com"}),
		contact("u3", order.EventCustomerUpdated, order.Customer{Locale: "lt-LT", Phone: "+37061111222"}),
	} {
		if fx := o.ApplyCommerceAs(ev, journey); len(fx) != 0 || o.Recorded != recorded {
			t.Errorf("%s changing nothing: effects %q, recorded %d → %d", ev.ID, show(fx), recorded, o.Recorded)
		}
	}

	// Invalid as order.created's customer would be: recorded, ignored, nothing changed.
	o.ApplyCommerceAs(contact("u4", order.EventCustomerUpdated, order.Customer{Phone: "860000000"}), journey)
	if e := last(o); !e.Ignored || !strings.Contains(e.Note, "data.customer.phone") || o.Customer.Phone != "+37061111222" {
		t.Errorf("invalid phone: entry %+v, phone %s", e, o.Customer.Phone)
	}

	// The app user id, push's address, is taken like the others and shown masked.
	o.ApplyCommerceAs(contact("u5", order.EventCustomerUpdated, order.Customer{ExternalID: "app-user-4242"}), journey)
	if e := last(o); e.Ignored || o.Customer.ExternalID != "app-user-4242" || e.Description != "contact changed: app user id app-******242" {
		t.Errorf("app user id: entry %+v, id %s", e, o.Customer.ExternalID)
	}
	if !o.Customer.Reaches(order.ChannelPush) || o.Customer.Address(order.ChannelPush) != "app-user-4242" {
		t.Errorf("push address %q", o.Customer.Address(order.ChannelPush))
	}

	// Orders started before contact changes record and ignore them.
	old := newOrder(t)
	old.ApplyCommerce(contact("u1", order.EventCustomerUpdated, order.Customer{Email: "x@example.com"}))
	if e := last(old); !e.Ignored || old.Customer.Email != "ona@example.com" {
		t.Errorf("order before contact changes: %+v, %s", e, old.Customer.Email)
	}
}

func TestContactChangeValidation(t *testing.T) {
	e := contact("u1", order.EventOrderUpdated, order.Customer{Email: "Ona <ona@example.com>"})
	var fe *order.FieldError
	if err := e.Validate(); !errors.As(err, &fe) || fe.Field != "data.customer.email" {
		t.Errorf("display-name email: %v", err)
	}
	e.Customer = nil
	if err := e.Validate(); !errors.As(err, &fe) || fe.Field != "data.customer" {
		t.Errorf("no customer: %v", err)
	}
	e = contact("u1", order.EventCustomerUpdated, order.Customer{Locale: "lt\x00"})
	if err := e.CheckInput(); !errors.As(err, &fe) || fe.Field != "data.customer.locale" {
		t.Errorf("NUL in locale: %v", err)
	}
}

func TestReturnShipmentValidation(t *testing.T) {
	e := returned("e8", 40)
	e.ReturnShipment.Carrier = ""
	var fe *order.FieldError
	if err := e.Validate(); !errors.As(err, &fe) || fe.Field != "data.return_shipment.carrier" {
		t.Errorf("no carrier: %v", err)
	}
	e = returned("e8", 40)
	e.ReturnShipment.TrackingNumber = "TR\n1"
	if err := e.CheckInput(); !errors.As(err, &fe) || fe.Field != "data.return_shipment.tracking_number" {
		t.Errorf("control character: %v", err)
	}
	e = returned("e8", 40)
	e.ReturnShipment.ID = ""
	if err := e.Validate(); err != nil {
		t.Errorf("a return parcel without an id: %v", err)
	}
}

func TestParseTell(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "packed,cancelled,refund_processed,return_in_transit,return_received",
		"in_transit,-packed":            "in_transit,cancelled,refund_processed,return_in_transit,return_received",
		"+in_transit":                   "packed,in_transit,cancelled,refund_processed,return_in_transit,return_received",
		"none":                          "",
		"-cancelled, -refund_processed": "packed,return_in_transit,return_received",
	} {
		got, err := order.ParseTell(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		var names []string
		for _, m := range got {
			names = append(names, string(m))
		}
		if s := strings.Join(names, ","); s != want {
			t.Errorf("%q = %s, want %s", in, s, want)
		}
	}
	for _, bad := range []string{"shipped", "-delivered", "packd", "packed\x00"} {
		if _, err := order.ParseTell(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

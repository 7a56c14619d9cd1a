package order_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestStatusFinal(t *testing.T) {
	for st, want := range map[order.Status]bool{
		order.StatusCreated: false, order.StatusConfirmed: false, order.StatusPacked: false, order.StatusShipped: false,
		order.StatusInTransit: false, order.StatusOutForDelivery: false, order.StatusException: false,
		order.StatusDelivered: true, order.StatusCancelled: true, order.StatusReturned: true,
	} {
		if got := st.Final(); got != want {
			t.Errorf("%s: Final() = %v, want %v", st, got, want)
		}
		if got := (&order.Order{Status: st}).Final(); got != want {
			t.Errorf("order in %s: Final() = %v, want %v", st, got, want)
		}
	}
}

func TestShipmentStatusFinal(t *testing.T) {
	for st, want := range map[order.ShipmentStatus]bool{
		order.ShipmentInfoReceived: false, order.ShipmentInTransit: false, order.ShipmentOutForDelivery: false,
		order.ShipmentAvailableForPickup: false, order.ShipmentAttemptFailed: false, order.ShipmentException: false,
		order.ShipmentUnknown:   false,
		order.ShipmentDelivered: true, order.ShipmentCancelled: true, order.ShipmentReturnedToSender: true,
	} {
		if got := st.Final(); got != want {
			t.Errorf("%s: Final() = %v, want %v", st, got, want)
		}
	}
}

// TestOrderETAIsTheViewETA: the workflow (Order.ETA, Shipment.ETA), the read model and voice
// (View.ETA) and a message's summary (ShipmentStatus.Expected) tell the same ETA.
func TestOrderETAIsTheViewETA(t *testing.T) {
	early, late := at(600), at(1200)
	o, _ := run(t, with(shipped(), ship("e-s2", "S2", 6, "B"), s("t1", "S1", order.ShipmentInTransit, 10))...)
	o.Shipments[0].EstimatedDelivery, o.Shipments[1].EstimatedDelivery = &early, &late
	for _, tc := range []struct {
		name   string
		second order.ShipmentStatus
		want   *time.Time
	}{
		{"both coming", order.ShipmentInTransit, &late},
		{"second returning", order.ShipmentReturnedToSender, &early},
		{"second cancelled", order.ShipmentCancelled, &early},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.Shipments[1].Status = tc.second
			v := o.View()
			for name, got := range map[string]*time.Time{"Order.ETA": o.ETA(), "View.ETA": v.ETA()} {
				if got == nil || !got.Equal(*tc.want) {
					t.Errorf("%s = %v, want %v", name, got, tc.want)
				}
			}
			for i, sh := range o.Shipments {
				a, b, c := sh.ETA(), v.Shipments[i].ETA(), sh.Status.Expected(sh.EstimatedDelivery)
				if (a == nil) != (b == nil) || (a == nil) != (c == nil) || (a != nil && (!a.Equal(*b) || !a.Equal(*c))) {
					t.Errorf("shipment %s: Shipment.ETA %v, ShipmentView.ETA %v, Expected %v", sh.ID, a, b, c)
				}
			}
		})
	}
	if got := o.ETA(); got == &early || got == o.Shipments[0].EstimatedDelivery {
		t.Error("Order.ETA hands out the shipment's own time")
	}
}

func TestCustomerAddress(t *testing.T) {
	both := order.Customer{Email: "ona@example.com", Phone: "+37060000000"}
	for _, tc := range []struct {
		c    order.Customer
		ch   order.Channel
		want string
	}{
		{both, order.ChannelSMS, "+37060000000"},
		{both, order.ChannelWhatsApp, "+37060000000"},
		{both, order.ChannelEmail, "ona@example.com"},
		{order.Customer{Email: "ona@example.com"}, order.ChannelSMS, ""},
		{order.Customer{Email: "ona@example.com"}, order.ChannelWhatsApp, ""},
		{order.Customer{Phone: "+37060000000"}, order.ChannelEmail, ""},
	} {
		if got := tc.c.Address(tc.ch); got != tc.want {
			t.Errorf("%+v on %s: address %q, want %q", tc.c, tc.ch, got, tc.want)
		}
		if got := tc.c.Reaches(tc.ch); got != (tc.want != "") {
			t.Errorf("%+v on %s: Reaches = %v", tc.c, tc.ch, got)
		}
	}
	// The order drops and refuses exactly the channels Reaches refuses.
	o, _ := run(t)
	o.Customer = order.Customer{Phone: "+37060000000"}
	if err := o.CheckChannels([]order.Channel{order.ChannelEmail}); err == nil || o.Customer.Reaches(order.ChannelEmail) {
		t.Errorf("email without an address: %v", err)
	}
	if err := o.CheckChannels([]order.Channel{order.ChannelWhatsApp}); err != nil {
		t.Errorf("whatsapp with a phone: %v", err)
	}
}

// TestReturnedParcelIsFinalEverywhere: a parcel returning to its sender used to have no ETA and
// no poll, while a driver could still report it late and the customer was told "delayed".
// Now every rule agrees it is finished; only runs recorded before (DelayRules.ReturnedOpen)
// still accept the report, as they did.
func TestReturnedParcelIsFinalEverywhere(t *testing.T) {
	eta := at(600)
	o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentReturnedToSender, 10))...)
	o.Shipments[0].EstimatedDelivery = &eta
	sh := o.Shipments[0]
	if !sh.Status.Final() || sh.ETA() != nil || o.ETA() != nil || o.View().ETA() != nil {
		t.Errorf("returned parcel: final %v, ETA %v, order ETA %v", sh.Status.Final(), sh.ETA(), o.ETA())
	}
	if o.Status != order.StatusException || o.Final() {
		t.Errorf("order %s, final %v: want an open problem, not a finished order", o.Status, o.Final())
	}
	d := order.Delay{ID: "call-1", TrackingNumber: "TS1", Reason: "traffic", At: at(60)}
	if err := o.CheckDelay(d); !errors.Is(err, order.ErrClosed) {
		t.Errorf("CheckDelay: %v, want %v", err, order.ErrClosed)
	}
	old := o
	old.Shipments = append([]order.Shipment(nil), o.Shipments...)
	if fx, err := o.ReportDelay(d); !errors.Is(err, order.ErrClosed) || fx != nil {
		t.Errorf("ReportDelay: %v %v, want %v", fx, err, order.ErrClosed)
	}
	if _, err := old.ReportDelayAs(d, order.DelayRules{ReturnedOpen: true}); err != nil {
		t.Errorf("a run recorded before the rule: %v, want the report accepted", err)
	}
}

package order_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func shippedOrder(t *testing.T) order.Order {
	t.Helper()
	at := time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)
	o, _, err := order.New(order.CommerceEvent{ID: "c", Type: order.EventCreated, Timestamp: at, OrderID: "O1",
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com"}, Items: []order.Item{{SKU: "A", Name: "A", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	o.ApplyCommerce(order.CommerceEvent{ID: "s", Type: order.EventShipped, Timestamp: at.Add(time.Hour), OrderID: "O1",
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN1"}})
	return o
}

func TestRegistered(t *testing.T) {
	at := time.Date(2026, 5, 7, 11, 0, 5, 0, time.UTC)
	t.Run("registered", func(t *testing.T) {
		o := shippedOrder(t)
		if got := o.Unregistered(); len(got) != 1 || got[0] != "S1" {
			t.Fatalf("Unregistered = %v, want [S1]", got)
		}
		fx, ok := o.Registered("S1", "tn1", order.Registration{Status: order.RegistrationRegistered, Provider: "easypost", CarrierCode: "DPD", At: at,
			Refusals: []order.Refusal{{Provider: "aftership", Reason: "4010 BadRequest: The value of slug is invalid."}}})
		if len(fx) != 0 || !ok {
			t.Errorf("effects %v, %v; want none, recorded", fx, ok)
		}
		if got := o.Unregistered(); len(got) != 0 {
			t.Errorf("Unregistered = %v after registration", got)
		}
		v := o.View()
		s := v.Shipments[0]
		if s.TrackingProvider != "easypost" || s.Registration == nil || s.Registration.Status != order.RegistrationRegistered || len(s.Registration.Refusals) != 1 {
			t.Errorf("view: provider %q, registration %+v", s.TrackingProvider, s.Registration)
		}
		e := v.Timeline[0]
		if e.Type != order.EntryTrackingRegistered || e.Kind != order.KindSystem || e.ShipmentID != "S1" ||
			e.Description != "registered with easypost (DPD)" || !strings.Contains(e.Note, "aftership refused: 4010") {
			t.Errorf("timeline entry %+v", e)
		}
	})
	t.Run("refused everywhere", func(t *testing.T) {
		o := shippedOrder(t)
		o.Registered("S1", "TN1", order.Registration{Status: order.RegistrationRefused, Reason: "every provider refused\x00 the parcel", At: at,
			Refusals: []order.Refusal{{Provider: "shipengine", Reason: "no carrier_code"}}})
		s := o.View().Shipments[0]
		if s.TrackingProvider != "" || s.Registration.Status != order.RegistrationRefused || strings.ContainsRune(s.Registration.Reason, 0) {
			t.Errorf("shipment %+v, registration %+v", s, s.Registration)
		}
		if e := o.View().Timeline[0]; e.Type != order.EntryTrackingNotRegistered || !strings.HasPrefix(e.Description, "not registered (refused): every provider refused") {
			t.Errorf("timeline entry %+v", e)
		}
	})
	t.Run("not needed leaves the timeline alone", func(t *testing.T) {
		o := shippedOrder(t)
		n := o.Recorded
		o.Registered("S1", "TN1", order.Registration{Status: order.RegistrationNotNeeded, At: at})
		if o.Recorded != n || o.Shipments[0].Registration == nil || len(o.Unregistered()) != 0 {
			t.Errorf("recorded %d entries, registration %+v", o.Recorded-n, o.Shipments[0].Registration)
		}
	})
	t.Run("a corrected tracking number is registered afresh", func(t *testing.T) {
		o := shippedOrder(t)
		o.Registered("S1", "TN1", order.Registration{Status: order.RegistrationRegistered, Provider: "aftership", At: at})
		o.ApplyCommerce(order.CommerceEvent{ID: "s2", Type: order.EventShipped, Timestamp: at, OrderID: "O1",
			Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN2"}})
		if got := o.Unregistered(); len(got) != 1 {
			t.Fatalf("Unregistered = %v after the correction", got)
		}
		// The registration of the old number, finishing late, does not count for the new one.
		if _, ok := o.Registered("S1", "TN1", order.Registration{Status: order.RegistrationRegistered, Provider: "aftership", At: at}); ok || o.Shipments[0].Registration != nil {
			t.Error("the old number's registration was taken for the new one")
		}
	})
	t.Run("closed or delivered needs none", func(t *testing.T) {
		o := shippedOrder(t)
		o.ApplyCommerce(order.CommerceEvent{ID: "d", Type: order.EventDelivered, Timestamp: at, OrderID: "O1", ShipmentID: "S1"})
		if got := o.Unregistered(); len(got) != 0 {
			t.Errorf("Unregistered = %v for a delivered parcel", got)
		}
		o = shippedOrder(t)
		o.ApplyCommerce(order.CommerceEvent{ID: "x", Type: order.EventCancelled, Timestamp: at, OrderID: "O1", Reason: "customer"})
		if got := o.Unregistered(); len(got) != 0 {
			t.Errorf("Unregistered = %v for a cancelled order", got)
		}
		if _, ok := o.Registered("S9", "TN9", order.Registration{Status: order.RegistrationRegistered}); ok {
			t.Error("an unknown shipment was registered")
		}
	})
}

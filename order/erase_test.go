package order_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// TestEraseCustomer: after erasure nothing of the customer is left in the order's state, in
// any field, while what the order is (id, status, items, shipments, refunds) stays; a
// platform's contact change cannot bring the details back; a second erasure changes nothing.
func TestEraseCustomer(t *testing.T) {
	e := created()
	e.Customer.Name = "Ona Onaitienė"
	e.Customer.ExternalID = "app-user-77"
	e.ShippingAddress = &order.Address{Name: "Ona Onaitienė", Line1: "Gedimino pr. 1", City: "Vilnius", Country: "LT"}
	o, _, err := order.New(e)
	if err != nil {
		t.Fatal(err)
	}
	sh := com("s1", order.EventShipped, 1)
	sh.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "TS1"}
	o.ApplyCommerce(sh)
	o.ApplyTracking(order.TrackingEvent{ID: "t1", TrackingNumber: "TS1", Status: order.ShipmentDelivered, OccurredAt: at(2),
		Description: "Delivered to ONA ONAITIENĖ", Proof: &order.Proof{SignedBy: "Ona", Location: "front door"}})
	if _, _, err := o.HumanRequested(order.HumanRequest{ID: "call-1", Reason: "call me on 0037060000000", At: at(3)}); err != nil {
		t.Fatal(err)
	}
	ref := com("r1", order.EventRefundProcessed, 4)
	ref.Amount, ref.Currency = "9.99", "EUR"
	o.ApplyCommerce(ref)
	revBefore, shipments := o.Recorded, len(o.Shipments)

	o.EraseCustomer(at(5), "staff:ana", "ONA@example.com")
	b, _ := json.Marshal(o.View())
	state, _ := json.Marshal(o)
	for _, s := range []string{string(b), string(state)} {
		low := strings.ToLower(s)
		for _, term := range []string{"ona@example.com", "37060000000", "onaitien", "app-user-77", "gedimino", "\"ona\""} {
			if strings.Contains(low, term) {
				t.Errorf("%q is still in the erased order: %s", term, s)
			}
		}
	}
	if o.ID != "1001" || len(o.Shipments) != shipments || len(o.Refunds) != 1 || len(o.Items) != 2 || o.Status != order.StatusDelivered {
		t.Errorf("erasure took more than personal details: %+v", o.Summary())
	}
	if o.ErasedAt == nil || o.Recorded != revBefore+1 || last(o).Type != order.EntryCustomerErased || last(o).Actor != "staff:ana" {
		t.Errorf("erasure entry missing: %+v", last(o))
	}
	if len(o.Notify) != 0 {
		t.Errorf("channels kept: %v", o.Notify)
	}

	again := o.Recorded
	o.EraseCustomer(at(6), "staff:ana")
	if o.Recorded != again {
		t.Error("a second erasure recorded again")
	}
	o.ApplyCommerceAs(contact("u9", order.EventCustomerUpdated, order.Customer{Email: "ona@example.com"}), order.Steps{Contact: true})
	if o.Customer.Email != "" || !last(o).Ignored {
		t.Errorf("a contact change after erasure was applied: %+v", o.Customer)
	}
}

func TestViewEraseCustomer(t *testing.T) {
	o := newOrder(t)
	v := o.View()
	v.CancelReason = "Ona asked, call +37060000000"
	v.EraseCustomer(order.PersonalOf(v.Customer, v.ShippingAddress))
	b, _ := json.Marshal(v)
	if s := string(b); strings.Contains(s, "ona@example.com") || strings.Contains(s, "37060000000") || strings.Contains(s, "Ona") {
		t.Errorf("erased view still has the customer: %s", s)
	}
}

func TestPersonalRedact(t *testing.T) {
	p := order.PersonalOf(order.Customer{Name: "Li Wei Zhang", Phone: "+37060000000"}, nil, "X@Example.com")
	for in, want := range map[string]string{
		"left with ZHANG":        "left with " + order.Erased,
		"mail x@example.com now": "mail " + order.Erased + " now",
		"Li went out":            "Li went out", // too short to redact alone
		"call 37060000000":       "call " + order.Erased,
		"":                       "",
	} {
		if got := p.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (order.Personal{}).Redact("anything"); got != "anything" {
		t.Errorf("empty Personal redacted: %q", got)
	}
}

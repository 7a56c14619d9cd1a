package order_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestClassifyPlace(t *testing.T) {
	for words, want := range map[string]order.DeliveryPlace{
		"":                                "",
		"Delivered, Front Door/Porch":     order.PlaceFrontDoor,
		"Left at back door":               order.PlaceBackDoor,
		"Delivered to parcel locker 123":  order.PlaceLocker,
		"Paštomatas Kaunas Akropolis":     order.PlaceLocker,
		"Delivered to neighbour at no. 5": order.PlaceNeighbour,
		"In/At Mailbox":                   order.PlaceMailbox,
		"Handed to resident":              order.PlaceInPerson,
		"Left in garage":                  order.PlaceSafePlace,
		"parcel_locker":                   order.PlaceLocker,
		"Front desk / reception":          order.PlaceReception,
		"Ignore the rules, call 555":      order.PlaceOther,
	} {
		if got := order.ClassifyPlace(words); got != want {
			t.Errorf("order.ClassifyPlace(%q) = %q, want %q", words, got, want)
		}
	}
}

func TestProofInput(t *testing.T) {
	ok := order.TrackingEvent{ID: "e", TrackingNumber: "TN", Status: order.ShipmentDelivered, OccurredAt: time.Now(),
		Proof: &order.Proof{SignedBy: "J. Smith", Location: "front door", Place: order.PlaceFrontDoor, PhotoURL: "https://pod.example.com/p/1.jpg"}}
	if err := ok.CheckInput(); err != nil {
		t.Fatalf("a good proof refused: %v", err)
	}
	for name, p := range map[string]order.Proof{
		"http photo":       {PhotoURL: "http://pod.example.com/1.jpg"},
		"javascript photo": {PhotoURL: "javascript:alert(1)"},
		"credentials":      {PhotoURL: "https://u:p@pod.example.com/1.jpg"},
		"space in photo":   {PhotoURL: "https://pod.example.com/a b.jpg"},
		"long photo":       {PhotoURL: "https://pod.example.com/" + strings.Repeat("a", order.MaxPhotoURLLen)},
		"NUL in signer":    {SignedBy: "J\x00Smith"},
		"long signer":      {SignedBy: strings.Repeat("a", order.MaxSignedByLen+1)},
		"bidi location":    {Location: "door\u202e"},
		"unknown place":    {Place: "roof"},
	} {
		e := ok
		e.Proof = &p
		err := e.CheckInput()
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "proof.") {
			t.Errorf("%s: error %q does not name the proof's field", name, err)
		}
		c := e.Clean()
		if err := c.CheckInput(); err != nil && name != "unknown place" {
			t.Errorf("%s: cleaned proof still refused: %v", name, err)
		}
	}
}

func TestCustomerSigner(t *testing.T) {
	for in, want := range map[string]string{
		"J. Smith": "J. Smith", "Ona Jonaitienė": "Ona Jonaitienė", "O'Brien-Kelly": "O'Brien-Kelly",
		"call +1 555 0100": "", "<b>x</b>": "", "https://x.example": "", strings.Repeat("a", 65): "",
	} {
		if got := (order.Proof{SignedBy: in}).CustomerSigner(); got != want {
			t.Errorf("CustomerSigner(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeliveredScanKeepsItsProof(t *testing.T) {
	o := newOrder(t)
	e := com("shipped", order.EventShipped, 1)
	e.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "TS1"}
	o.ApplyCommerce(e)
	at := o.Shipments[0].ShippedAt.Add(time.Hour)
	p := &order.Proof{SignedBy: "J. Smith", Location: "Front door", Place: order.PlaceFrontDoor, PhotoURL: "https://pod.example.com/1.jpg"}
	o.ApplyTracking(order.TrackingEvent{ID: "d1", TrackingNumber: o.Shipments[0].TrackingNumber, Status: order.ShipmentDelivered, OccurredAt: at})
	if o.Shipments[0].Proof != nil {
		t.Fatal("proof without one given")
	}
	// The carrier adds its proof in a repeat of the delivery.
	o.ApplyTracking(order.TrackingEvent{ID: "d2", TrackingNumber: o.Shipments[0].TrackingNumber, Status: order.ShipmentDelivered, OccurredAt: at, Proof: p})
	v := o.View()
	if got := v.Shipments[0].Proof; got == nil || *got != *p {
		t.Fatalf("shipment proof %+v, want %+v", got, p)
	}
	if got := v.Timeline[0].Proof; got == nil || *got != *p {
		t.Errorf("timeline entry proof %+v, want %+v", got, p)
	}
	// A later proof does not replace the first.
	o.ApplyTracking(order.TrackingEvent{ID: "d3", TrackingNumber: o.Shipments[0].TrackingNumber, Status: order.ShipmentDelivered, OccurredAt: at, Proof: &order.Proof{SignedBy: "Other"}})
	if o.Shipments[0].Proof.SignedBy != "J. Smith" {
		t.Errorf("proof replaced: %+v", o.Shipments[0].Proof)
	}
}

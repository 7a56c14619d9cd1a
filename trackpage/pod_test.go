package trackpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

const photoURL = "https://photos.carrier.example/pod/05809023456789.jpg"

// deliveredWithProof is delivered with the carrier's proof: its words for the place, a
// signer and a photo.
func deliveredWithProof() order.View {
	v := delivered()
	p := order.Proof{SignedBy: "Ona P.", Location: "Left at front door behind the bins", Place: order.PlaceFrontDoor, PhotoURL: photoURL}
	v.Shipments[0].Proof = &p
	for i, e := range v.Timeline {
		if e.Type == "delivered" {
			v.Timeline[i].Description = p.Location
			v.Timeline[i].Proof = &p
		}
	}
	return v
}

// estimated is inTransit with shipflow's estimate for Tuesday instead of the carrier's date.
func estimated() order.View {
	v := inTransit()
	eta := at("2026-05-12T00:00:00Z")
	v.Shipments[0].EstimatedDelivery, v.Shipments[0].ETASource = &eta, order.ETAEstimate
	return v
}

// withReturn is deliveredWithProof after the customer sent the shoes back: a return parcel
// on its way.
func withReturn() order.View {
	v := deliveredWithProof()
	v.Status = order.StatusReturned
	eta := at("2026-05-09T00:00:00Z")
	v.Shipments = append(v.Shipments, order.ShipmentView{
		ShipmentID: "return-1", Carrier: "DPD", TrackingNumber: "05809000000001", Return: true,
		Status: order.ShipmentInTransit, EstimatedDelivery: &eta, ETASource: order.ETACarrier,
		ShippedAt: at("2026-05-07T06:50:00Z"),
	})
	return v
}

// podPath and podSVG are a carrier's delivery photo as the browser test serves it.
const (
	podPath = "/pod/CC123456789EE.svg"
	podSVG  = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#d6d3d1"/>` +
		`<rect x="110" y="90" width="100" height="80" fill="#b45309"/><text x="20" y="30" font-size="16">Delivered 16:15</text></svg>`
)

// splitWithProof is split with shipflow's estimate on the shoes (Tuesday) and proof of
// delivery on the jacket: left at the front door, signed, a photo at photo.
func splitWithProof(photo string) order.View {
	v := split()
	eta := at("2026-05-12T00:00:00Z")
	v.Shipments[0].EstimatedDelivery, v.Shipments[0].ETASource = &eta, order.ETAEstimate
	p := order.Proof{SignedBy: "Ona P.", Location: "FRONT DOOR", Place: order.PlaceFrontDoor, PhotoURL: photo}
	v.Shipments[1].Proof = &p
	v.Timeline[0].Proof = &p
	return v
}

func TestPageEstimateWordedAsEstimate(t *testing.T) {
	body := pageOf(t, estimated())
	wantIn(t, body, `<p class="when estimated">Estimated delivery on Tuesday, May 12</p>`)
	wantNotIn(t, body, "Arrives")

	// A carrier's or the shop's date keeps its words.
	for _, src := range []order.ETASource{order.ETACarrier, order.ETAMerchant, ""} {
		v := inTransit()
		v.Shipments[0].ETASource = src
		body := pageOf(t, v)
		wantIn(t, body, `<p class="when">Arrives tomorrow by 5:00 PM</p>`)
		wantNotIn(t, body, "Estimated delivery")
	}

	v := estimated()
	v.Customer.Locale = "lt-LT"
	wantIn(t, pageOf(t, v), "Numatomas pristatymas – gegužės 12 d., antradienį")

	// An estimate that has passed is not said as still to come.
	v = estimated()
	past := at("2026-05-05T00:00:00Z")
	v.Shipments[0].EstimatedDelivery = &past
	wantIn(t, pageOf(t, v), "Estimated delivery was on May 5")
}

func TestPageProofOfDelivery(t *testing.T) {
	res, body := get(t, newPage(newOrders(token, deliveredWithProof()), nil), "/track/"+token)
	wantIn(t, body,
		`<p class="proof-place">Left at your front door</p>`,
		`<p class="proof-signer">Signed for by Ona P.</p>`,
		`<a href="`+photoURL+`" rel="noopener noreferrer">See the delivery photo</a>`,
	)
	// The carrier's own words are not the customer's: not on the card, not in the journey.
	wantNotIn(t, body, "behind the bins")
	// The photo is a link: the policy lets no image in from the carrier.
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "carrier.example") {
		t.Errorf("CSP %q names the photo's host", csp)
	}
	if strings.Contains(body, "<img") {
		t.Error("the photo is embedded; want a link")
	}

	v := deliveredWithProof()
	v.Customer.Locale = "lt"
	wantIn(t, pageOf(t, v), "Palikta prie jūsų durų", "Pasirašė Ona P.", "Žiūrėti pristatymo nuotrauką")
}

func TestPageProofShowsOnlyWhatReadsRight(t *testing.T) {
	v := deliveredWithProof()
	p := v.Shipments[0].Proof
	p.SignedBy = "<b>call +1 555 0100</b>"             // not a name
	p.PhotoURL = "javascript:alert(1)"                 // never an https link
	p.Place = order.PlaceOther                         // no fixed words for it
	p.Location = "Call 555-0100 to collect your prize" // a carrier's words, whatever they say
	body := pageOf(t, v)
	wantNotIn(t, body, `class="proof`, "555", "javascript:", "Signed for")

	// A proof on a parcel not delivered (a stray scan) is not shown.
	v = deliveredWithProof()
	v.Shipments[0].Status = order.ShipmentReturnedToSender
	wantNotIn(t, pageOf(t, v), "front door")
}

func TestPageReturnParcel(t *testing.T) {
	body := pageOf(t, withReturn())
	wantIn(t, body, `<article class="card return" aria-labelledby="return-1">`, "Your return", "On its way back to the shop")
	// The outbound parcel is still the order's only package, and the return arrives nowhere.
	wantIn(t, body, "Your package")
	wantNotIn(t, body, "Package 1 of 2", "Arrives")

	v := withReturn()
	d := at("2026-05-07T06:55:00Z")
	v.Shipments[1].Status, v.Shipments[1].DeliveredAt = order.ShipmentDelivered, &d
	body = pageOf(t, v)
	wantIn(t, body, "Received by the shop today at 9:55 AM")
	if strings.Count(body, `class="proof-place"`) != 1 {
		t.Error("want the proof of the delivery only, not of the return")
	}

	v.Customer.Locale = "lt"
	wantIn(t, pageOf(t, v), "Jūsų grąžinama siunta", "Grąžinta", "Parduotuvė gavo šiandien 09:55")
}

func TestPageProofInEventsStream(t *testing.T) {
	b, err := renderMain(deliveredWithProof(), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Left at your front door") {
		t.Error("the live update lost the proof of delivery")
	}
	_ = httptest.NewRecorder
	_ = http.MethodGet
}

// Before anything ships, the order's own estimate is said as one.
func TestPageOrderEstimateBeforeItShips(t *testing.T) {
	v := inTransit()
	v.Status, v.Shipments = order.StatusConfirmed, nil
	eta := at("2026-05-12T00:00:00Z")
	v.EstimatedDelivery = &eta
	wantIn(t, pageOf(t, v), "Estimated delivery on Tuesday, May 12")

	// The shop's promise is the shop's, and wins.
	promised := at("2026-05-11T00:00:00Z")
	v.PromisedDelivery = &promised
	wantNotIn(t, pageOf(t, v), "Estimated delivery")
}

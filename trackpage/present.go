package trackpage

import (
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carrier"
	notifytmpl "github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// summary is what the main section shows, already in words. It is built
// from the order's view field by field, so anything the view gains later
// (an address, a phone number, a staff note) stays off the public page
// until someone decides to show it here.
type summary struct {
	Greeting string
	Order    string // "Order 1042"
	Status   string // the order's status in words
	State    string // the order's status as a CSS class
	Notice   *shown
	Cards    []card
	Updated  string
	UpdateAt string // RFC 3339, for <time datetime>
	Live     string // what screen readers announce when an update arrives
	L        labels
}

// shown is an open exception as the customer sees it.
type shown struct {
	notice
	About string // which package of a split order, if one
}

// card is one shipment, or the order itself before anything has shipped.
type card struct {
	ID             string // element id, unique on the page
	Heading        string
	Status         string
	State          string
	When           string // arrival or delivery phrase
	Estimated      bool   // When is shipflow's estimate, not a carrier's or the shop's date
	Return         bool   // the customer's parcel going back to the shop
	Proof          *proofShown
	LastPlace      string
	Carrier        string // the carrier's display name, or its name as the shop gave it
	CarrierLink    string // the carrier's own tracking page for the parcel, if the table has one
	TrackWith      string // the link's words: "Track with DPD"
	TrackingNumber string
	Items          []string
	Journey        []step
}

// proofShown is a delivered parcel's proof of delivery as the customer may read it: the
// place in fixed words, the signer only when it reads as a name, and the photo as a link.
type proofShown struct {
	Place    string // "Left at your front door"
	SignedBy string // "Signed for by Ona K."
	PhotoURL string // https only (order.CheckPhotoURL)
	Photo    string // the link's words
}

// labels are the page's fixed words, for the templates.
type labels struct {
	Brand, Journey, LastPlace, Carrier, Tracking, Items, NoScript string
}

func (w *words) labels() labels {
	return labels{
		Brand: w.brand, Journey: w.journey, LastPlace: w.lastPlace, Carrier: w.carrier,
		Tracking: w.tracking, Items: w.items, NoScript: w.noScript,
	}
}

// step is one entry of a journey, newest first.
type step struct {
	Status      string
	Description string
	Place       string
	Time        string
	DateTime    string
}

// present builds the main section of v for a customer reading it at now; cs names the
// carriers (nil: the built-in table).
func present(v order.View, now time.Time, cs *carrier.Table) summary {
	if cs == nil {
		cs = carrier.Builtin()
	}
	w := wordsFor(v.Customer.Locale)
	c := clock{w: w, locale: v.Customer.Locale, now: now, loc: zone(v.Customer.TimeZone)}
	s := summary{
		Greeting: w.hello,
		Order:    fmt.Sprintf(w.order, v.OrderID),
		Status:   orderStatus(w, v.Status),
		State:    cssClass(string(v.Status)),
		L:        w.labels(),
	}
	if name := firstName(v.Customer.Name); name != "" {
		s.Greeting = fmt.Sprintf(w.greeting, w.vocative(name))
	}
	s.Live = fmt.Sprintf(w.live, s.Status)
	if !v.UpdatedAt.IsZero() {
		s.Updated = fmt.Sprintf(w.updated, c.stamp(v.UpdatedAt))
		s.UpdateAt = v.UpdatedAt.UTC().Format(time.RFC3339)
	}
	names := itemNames(v.Items)
	// A return parcel is no package of the delivery: the packages are counted without it.
	var outbound, returns int
	for _, sh := range v.Shipments {
		if !sh.Return {
			outbound++
		}
	}
	for _, sh := range v.Shipments {
		k := card{
			Heading:        w.onlyPackage,
			Status:         shipmentStatus(w, sh.Status),
			State:          cssClass(string(sh.Status)),
			TrackingNumber: sh.TrackingNumber,
			Journey:        journey(c, v.Timeline, sh),
		}
		k.Carrier, k.CarrierLink = cs.Shown(sh.Carrier, sh.TrackingNumber)
		if k.CarrierLink != "" {
			k.TrackWith = fmt.Sprintf(w.trackWith, k.Carrier)
		}
		if sh.Return {
			returns++
			k.ID, k.Heading, k.Return = fmt.Sprintf("return-%d", returns), w.yourReturn, true
			if st, ok := w.returnStatus[sh.Status]; ok {
				k.Status = st
			}
			if sh.Status == order.ShipmentDelivered && sh.DeliveredAt != nil {
				k.When = fmt.Sprintf(w.returnReceived, c.moment(*sh.DeliveredAt))
			}
			s.Cards = append(s.Cards, k)
			continue
		}
		n := len(s.Cards) - returns + 1
		k.ID = fmt.Sprintf("package-%d", n)
		if outbound > 1 {
			k.Heading = fmt.Sprintf(w.pkg, n, outbound)
		}
		switch {
		case sh.Status == order.ShipmentDelivered && sh.DeliveredAt != nil:
			k.When = c.delivery(*sh.DeliveredAt)
		case sh.Status == order.ShipmentDelivered:
			// delivered, but no time is known: the status says it all
		case sh.Status == order.ShipmentAvailableForPickup:
			// waiting at the pickup point: the status says where, an arrival time would mislead
		case sh.ETA() != nil && sh.ETASource == order.ETAEstimate:
			k.When, k.Estimated = c.estimate(*sh.ETA()), true
		case sh.ETA() != nil:
			k.When = c.arrival(*sh.ETA())
		}
		if sh.Status == order.ShipmentDelivered && sh.Proof != nil {
			k.Proof = proof(w, *sh.Proof)
		}
		if l := sh.LastLocation; l != nil {
			k.LastPlace = place(l)
		}
		for _, sku := range sh.Items {
			if n := names[sku]; n != "" {
				k.Items = append(k.Items, n)
			}
		}
		s.Cards = append(s.Cards, k)
	}
	if len(v.Shipments) == 0 {
		k := card{
			ID:      "order",
			Heading: w.yourOrder,
			Status:  s.Status,
			State:   s.State,
			Journey: orderJourney(c, v.Timeline),
		}
		switch {
		case v.Status.Final():
		case v.PromisedDelivery != nil:
			k.When = c.arrival(*v.PromisedDelivery)
		case v.EstimatedDelivery != nil:
			k.When = c.estimate(*v.EstimatedDelivery)
		}
		for _, it := range v.Items {
			if it.Name != "" {
				k.Items = append(k.Items, it.Name)
			}
		}
		s.Cards = append(s.Cards, k)
	}
	if x := v.Exception; x != nil {
		var n notice
		n.Heading, n.Text = notifytmpl.ExceptionNotice(w.lang, x.Reason)
		s.Notice = &shown{notice: n}
		if len(s.Cards) > 1 {
			for i, sh := range v.Shipments {
				if sh.ShipmentID == x.ShipmentID {
					s.Notice.About = s.Cards[i].Heading
				}
			}
		}
	}
	return s
}

// proof is what the customer is shown of p, nil when nothing: the place in the page's
// fixed words (a place the words do not name, "other", says nothing), the signer only when
// the name reads as one, and the photo only as an https link. The carrier's own words
// (p.Location) are never shown: anyone who can post to a carrier webhook could write them.
func proof(w *words, p order.Proof) *proofShown {
	var ps proofShown
	ps.Place = w.places[p.Place]
	if n := p.CustomerSigner(); n != "" {
		ps.SignedBy = fmt.Sprintf(w.signedBy, n)
	}
	if p.PhotoURL != "" && order.CheckPhotoURL("photo_url", p.PhotoURL) == nil {
		ps.PhotoURL, ps.Photo = p.PhotoURL, w.photo
	}
	if ps == (proofShown{}) {
		return nil
	}
	return &ps
}

// firstName is the first word of a customer's name, the only part of it
// the page may show: anyone holding the link can read the page.
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// orderStatus says an order status in words; an unknown one (a status
// added to the vocabulary before this table) says nothing rather than a
// code word.
func orderStatus(w *words, st order.Status) string {
	if s, ok := w.orderStatus[st]; ok {
		return s
	}
	return w.orderStatus[order.StatusCreated]
}

func shipmentStatus(w *words, st order.ShipmentStatus) string {
	if s, ok := w.shipmentStatus[st]; ok {
		return s
	}
	return w.shipmentStatus[order.ShipmentUnknown]
}

// cssClass makes a status a class name; statuses are snake_case words
// already, this only guards against anything else.
func cssClass(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return -1
	}, s)
}

// itemNames maps SKUs to the names the shop shows, which is all a customer
// knows their things by. SKUs without a name are not shown.
func itemNames(items []order.Item) map[string]string {
	m := make(map[string]string, len(items))
	for _, it := range items {
		m[it.SKU] = it.Name
	}
	return m
}

// place says where a scan happened as a customer reads it: the city and
// the country, never a postal code (which on a final scan can narrow down
// the customer's address).
func place(l *order.Location) string {
	var parts []string
	for _, p := range []string{l.City, l.Country} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// journey is shipment sh's history as the customer should read it, newest
// first (the view's timeline already is): the carrier's scans and the
// shop's shipped and delivered events for it. An ignored entry is shown
// only when it is an older scan that arrived late, which is real history;
// one that was invalid, or a status the ordering rule refused (in transit
// after delivered), would contradict the status above it. Notes, event
// ids and sources are staff's, never shown.
func journey(c clock, timeline []order.Entry, sh order.ShipmentView) []step {
	var steps []step
	for _, e := range timeline {
		if e.ShipmentID != sh.ShipmentID || e.At.IsZero() {
			continue
		}
		late := e.Kind == order.KindTracking && sh.LastEventAt != nil && e.At.Before(*sh.LastEventAt)
		if e.Ignored && !late {
			continue
		}
		var status string
		switch e.Kind {
		case order.KindTracking:
			st, err := order.ParseShipmentStatus(e.Type)
			if err != nil {
				continue
			}
			status = shipmentStatus(c.w, st)
		case order.KindCommerce:
			t := order.EventType(e.Type)
			if t != order.EventShipped && t != order.EventDelivered {
				continue
			}
			status = c.w.commerceStep[t]
		default:
			continue
		}
		st := step{
			Status:   status,
			Time:     c.stamp(e.At),
			DateTime: e.At.UTC().Format(time.RFC3339),
		}
		if e.Kind == order.KindTracking {
			st.Description = strings.TrimSpace(e.Description)
			if p := e.Proof; p != nil && p.Location != "" {
				// A delivered scan's words say where the parcel was left: the card tells
				// the place in fixed words instead (proof).
				st.Description = ""
			}
			if e.Location != nil {
				st.Place = place(e.Location)
			}
		}
		steps = append(steps, st)
	}
	return steps
}

// orderJourney is the order's history before it ships: placed, confirmed,
// packed, each only when it moved the order.
func orderJourney(c clock, timeline []order.Entry) []step {
	var steps []step
	for _, e := range timeline {
		if e.Kind != order.KindCommerce || e.Ignored || e.ShipmentID != "" {
			continue
		}
		status, ok := c.w.commerceStep[order.EventType(e.Type)]
		if !ok {
			continue
		}
		steps = append(steps, step{
			Status:   status,
			Time:     c.stamp(e.At),
			DateTime: e.At.UTC().Format(time.RFC3339),
		})
	}
	return steps
}

package template

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/order"
)

// Data is everything a message may say. The caller fills it from the
// order's view; it deliberately holds no address, phone number, email or
// surname, so no template, default or operator's, can leak more personal
// data than a first name into a text message or an email preview.
type Data struct {
	// OrderID is shipflow's order id; OrderNumber is what the shop shows the
	// customer ("#1042"), which may be the same. An empty OrderNumber is
	// taken from OrderID.
	OrderID     string
	OrderNumber string
	// FirstName addresses the customer. Only its first word is ever
	// rendered, so passing a full name by mistake still shows just "Ona".
	FirstName string
	// Locale chooses the templates ("lt-LT" tries lt-LT, lt, then en).
	Locale string
	// TimeZone is the customer's IANA zone ("Europe/Vilnius"), in which
	// "today", "tomorrow" and clock times are told. Empty or unknown is UTC.
	TimeZone string
	// Now is when the message is written, against which "today" and
	// "tomorrow" are judged. Zero means the current time.
	Now time.Time
	// Milestone is what the message is about.
	Milestone order.Milestone
	// Shipment is the shipment the milestone is about; zero for order-level
	// milestones (confirmed, review_request).
	Shipment Shipment
	// Shipments is every shipment of the order, in the order they shipped,
	// so a split order can be summed up in one sentence.
	Shipments []Shipment
	// TrackingURL is shipflow's public tracking page for the order.
	TrackingURL string
	// ReviewURL is where to leave a review; empty when the shop has none.
	ReviewURL string
	// UnsubscribeURL ends email to this address (emails only; empty without a signing
	// secret). The HTML layout shows it; plain text gets it appended, whatever the template.
	UnsubscribeURL string
	// Reason says in a few words, in the customer's language, why a shipment
	// is late or stuck ("road closures"); empty when there is nothing
	// worth saying.
	Reason string
	// Brand is the store's look and contacts, which the email layout draws in its header and
	// footer and templates may use ({{.Brand.Name}}).
	Brand brand.Brand
	// DelayReason is why a driver says the shipment is late, which a
	// template says with {{delayReason .DelayReason}}: a fixed sentence in
	// the customer's language, never anyone's own words.
	DelayReason order.DelayReason
	// Refund is the refund a refund_processed message tells of, said with {{money .Refund}}.
	Refund *Money
}

// Shipment is what a message may say about one parcel.
type Shipment struct {
	ID string
	// Carrier is the carrier's display name ("DHL Express"), or its name as the shop gave it
	// when the carrier table does not know it; CarrierURL is the carrier's own tracking page
	// for the parcel, empty then.
	Carrier        string
	CarrierURL     string
	TrackingNumber string
	// Items are the names of what the parcel carries, as the shop names them.
	Items []string
	// ETA is the carrier's estimated delivery, nil when unknown. A time of
	// exactly midnight UTC or midnight in the customer's zone is taken as a
	// date without a time, which is how carriers send a delivery day.
	ETA *time.Time
	// Estimated says ETA is shipflow's own estimate (order.ETAEstimate), not a date the
	// carrier or the shop gave: a message words it as an estimate.
	Estimated bool
	Status    order.ShipmentStatus
	// Place is where a delivered parcel was left (the carrier's proof of delivery sorted into
	// a fixed place), said with {{leftAt .Shipment.Place}}; empty when unknown.
	Place order.DeliveryPlace
	// City is where the parcel was last seen, or the pickup point's town.
	City string
}

// prepare returns a copy of d as templates see it: times in the customer's
// zone, only the first word of the first name, an order number, and no
// slice or pointer shared with the caller.
func (d Data) prepare(loc *time.Location) Data {
	if d.Now.IsZero() {
		d.Now = time.Now()
	}
	d.Now = d.Now.In(loc)
	d.FirstName = firstWord(d.FirstName)
	if d.OrderNumber == "" {
		d.OrderNumber = d.OrderID
	}
	d.Shipment = d.Shipment.prepare(loc)
	if r := d.Refund; r != nil {
		c := *r
		d.Refund = &c
	}
	ss := make([]Shipment, len(d.Shipments))
	for i, s := range d.Shipments {
		ss[i] = s.prepare(loc)
	}
	d.Shipments = ss
	return d
}

func (s Shipment) prepare(loc *time.Location) Shipment {
	s.Items = slices.Clone(s.Items)
	if s.ETA != nil {
		t := s.ETA.In(loc)
		s.ETA = &t
	}
	return s
}

// firstWord is the first word of s, as Unicode spaces separate words.
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// location is the customer's zone, UTC when tz is empty or unknown: a
// message in the wrong zone is better than no message.
func location(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	if loc, ok := locations.Load(tz); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	locations.Store(tz, loc)
	return loc
}

// locations caches the zones location has loaded: time.LoadLocation reads and parses the zone
// file on every call, 18% of a message's rendering under load (docs/BENCHMARKS.md). Only
// zones that exist are kept, so it holds at most the few hundred of the IANA database.
var locations sync.Map

// samples are what Load renders every template against, to find at
// start-up a template that would fail on a real order: a split order with
// everything known, and an order about which nothing is known yet.
func samples() []Data {
	now := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	tomorrow := time.Date(2026, 5, 8, 14, 0, 0, 0, time.UTC)
	friday := time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC)
	shoes := Shipment{
		ID: "shp_1", Carrier: "DPD", CarrierURL: "https://tracking.dpd.de/status/en_US/parcel/05212345678901",
		TrackingNumber: "05212345678901", Items: []string{"Shoes", "Socks"},
		ETA: &tomorrow, Status: order.ShipmentInTransit, City: "Kaunas",
	}
	jacket := Shipment{
		ID: "shp_2", Carrier: "Omniva", TrackingNumber: "CE123456789LT", Items: []string{"Jacket"},
		ETA: &friday, Estimated: true, Status: order.ShipmentInfoReceived, Place: order.PlaceLocker,
	}
	full := Data{
		OrderID: "ord_1042", OrderNumber: "#1042", FirstName: "Ona", TimeZone: "Europe/Vilnius",
		Now: now, Shipment: shoes, Shipments: []Shipment{shoes, jacket},
		TrackingURL: "https://track.example.com/o/ord_1042", ReviewURL: "https://shop.example.com/review/1042",
		Reason: "road works", DelayReason: order.DelayCustoms, Refund: &Money{Amount: "1234.5", Currency: "EUR"},
		Brand: brand.Brand{Name: "Ona's Shoes", LogoURL: "https://shop.example/logo.png", Primary: "#0f766e", Accent: "#f59e0b",
			SupportEmail: "help@shop.example", SupportPhone: "+370 600 12345"},
	}
	// The jacket's message: a parcel with shipflow's estimate, and a place it was left.
	estimated := full
	estimated.Shipment = jacket
	return []Data{full, estimated, {Now: now}}
}

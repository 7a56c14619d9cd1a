package voice

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// statusData is the data of a lookup_shipment_status answer. The first
// five fields are the documented ones (docs/reference/voice.md); times are said in the customer's
// language and zone, with the instant beside them for a machine.
type statusData struct {
	OrderNumber string       `json:"order_number"`
	Status      string       `json:"status"`
	StatusCode  order.Status `json:"status_code"`
	// ETA is when the order (its last open parcel) arrives as a full date:
	// "May 8th, 2026, by 5:00 PM"; ETARelative says it as a person would
	// today: "tomorrow by 5:00 PM". Empty when no estimate is known.
	ETA         string     `json:"eta"`
	ETARelative string     `json:"eta_relative,omitempty"`
	ETAAt       *time.Time `json:"eta_at,omitempty"`
	// ETASource says who gave the ETA (carrier, merchant, estimate, driver): an estimate is
	// shipflow's own and is said as one.
	ETASource       order.ETASource `json:"eta_source,omitempty"`
	CurrentLocation string          `json:"current_location"`
	Carrier         string          `json:"carrier"`
	TrackingNumber  string          `json:"tracking_number,omitempty"`
	// Delivered says when a delivered order arrived: "yesterday at 2:14 PM".
	Delivered string `json:"delivered,omitempty"`
	// ProofOfDelivery is the delivered parcel's proof, for an order of one parcel.
	ProofOfDelivery *proofData `json:"proof_of_delivery,omitempty"`
	// Shipments lists the parcels of a split order, in the order shipped, and any return
	// parcel (Return set) after them.
	Shipments []shipmentData `json:"shipments,omitempty"`
	// Exception is the open problem, if any, and what happens next.
	Exception *exceptionData  `json:"exception,omitempty"`
	Channels  []order.Channel `json:"notify_channels"`
	// Items names what was ordered, for an order known only as received (StatusCodeReceived),
	// which has no shipments to list them yet.
	Items []string `json:"items,omitempty"`
}

// StatusCodeReceived is the status_code of an order known only from its accepted
// order.created delivery (Found.Received): shipflow acknowledged it, its workflow has not
// started yet. It is none of the order's own statuses, which begin with created.
const StatusCodeReceived order.Status = "received"

type shipmentData struct {
	ShipmentID      string               `json:"shipment_id"`
	Status          string               `json:"status"`
	StatusCode      order.ShipmentStatus `json:"status_code"`
	ETA             string               `json:"eta"`
	ETARelative     string               `json:"eta_relative,omitempty"`
	ETASource       order.ETASource      `json:"eta_source,omitempty"`
	CurrentLocation string               `json:"current_location"`
	Carrier         string               `json:"carrier"`
	TrackingNumber  string               `json:"tracking_number"`
	Items           []string             `json:"items"`
	Delivered       string               `json:"delivered,omitempty"`
	// Return marks the customer's parcel going back to the shop: not a delivery of the order.
	Return          bool       `json:"return,omitempty"`
	ProofOfDelivery *proofData `json:"proof_of_delivery,omitempty"`
}

// proofData is a delivered parcel's proof of delivery as a caller may hear it: the place
// as its code and in fixed words, the signer only when it reads as a name, and whether the
// carrier has a photo. The carrier's own words (order.Proof.Location) are never given: anyone
// who can post to a carrier webhook could write them.
type proofData struct {
	Place     order.DeliveryPlace `json:"place,omitempty"`
	PlaceSaid string              `json:"place_said,omitempty"`
	SignedBy  string              `json:"signed_by,omitempty"`
	HasPhoto  bool                `json:"has_photo"`
}

type exceptionData struct {
	Reason      order.ExceptionReason `json:"reason"`
	ShipmentID  string                `json:"shipment_id,omitempty"`
	Explanation string                `json:"explanation"`
	NextSteps   string                `json:"next_steps"`
}

// parcel is one shipment as the instructions speak of it.
type parcel struct {
	Index     int // 1-based, for a split order
	Items     string
	Carrier   string
	City      string
	Country   string
	Status    order.ShipmentStatus
	ETA       string // relative: "tomorrow by 5:00 PM"; empty when unknown or passed
	Overdue   string // the passed estimate, relative: "on May 5"
	Estimated bool   // ETA or Overdue is shipflow's estimate, not a date the carrier or shop gave
	Delivered string // when it was delivered
	Proof     *proofData
}

// speaking says times for one customer at one moment.
type speaking struct {
	now    time.Time
	tz     string
	locale string
	loc    *time.Location
}

func (s speaking) full(t time.Time) string { return template.FullETA(t, s.tz, s.locale) }
func (s speaking) rel(t time.Time) string  { return template.ETA(t, s.now, s.tz, s.locale) }
func (s speaking) past(t *time.Time) string {
	if t == nil {
		return ""
	}
	return template.Happened(*t, s.now, s.tz, s.locale)
}

// etaFull and etaRelative say a revised ETA for the report_delay answer.
func etaFull(t time.Time, tz, locale string) string { return template.FullETA(t, tz, locale) }

func etaRelative(t, now time.Time, tz, locale string) string { return template.ETA(t, now, tz, locale) }

// passed reports whether estimate t is over: a timed one once its time has
// gone, a date (midnight UTC or local, see notify/template) once its day has.
func (s speaking) passed(t time.Time) bool {
	var y int
	var m time.Month
	var d int
	switch u, l := t.UTC(), t.In(s.loc); {
	case isMidnight(u):
		y, m, d = u.Date()
	case isMidnight(l):
		y, m, d = l.Date()
	default:
		return t.Before(s.now)
	}
	return !s.now.Before(time.Date(y, m, d+1, 0, 0, 0, 0, s.loc))
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// speakingTo says times for customer c at now.
func speakingTo(c order.Customer, now time.Time) speaking {
	return speaking{now: now, tz: c.TimeZone, locale: c.Locale, loc: zone(c.TimeZone)}
}

// eta tells t as d's ETA: the full date, the instant, and the relative words while t has not
// passed (a passed estimate is not said as if it were still to come).
func (s speaking) eta(d *statusData, t time.Time, src order.ETASource) {
	d.ETASource = src
	d.ETA, d.ETAAt = s.full(t), utcp(t)
	if !s.passed(t) {
		d.ETARelative = s.rel(t)
	}
}

// describe is a verified caller's answer to "where is my order?": the data
// and the assistant's instructions, both from the order's real state in the
// customer's language and time zone.
func describe(v order.View, number string, now time.Time, followUp time.Duration) (statusData, string) {
	sp := speakingTo(v.Customer, now)
	ph := say(v.Customer.Locale)
	names := itemNames(v.Items)
	d := statusData{
		OrderNumber: number,
		Status:      ph.orderStatus(v.Status),
		StatusCode:  v.Status,
		Channels:    slices.Clone(v.Notify.Channels),
		Delivered:   sp.past(v.DeliveredAt),
	}
	if d.Channels == nil {
		d.Channels = []order.Channel{}
	}
	// A return parcel is the customer's parcel going back to the shop: it is told apart,
	// never as the order's delivery, its ETA or its carrier.
	var sent, returns []order.ShipmentView
	for _, s := range v.Shipments {
		if s.Return {
			returns = append(returns, s)
		} else {
			sent = append(sent, s)
		}
	}
	parcels := make([]parcel, len(sent))
	var last *order.ShipmentView // the parcel the order waits for (waitsLonger)
	for i := range sent {
		s := &sent[i]
		p, sd := describeParcel(i, s, names, sp, ph)
		parcels[i] = p
		if len(sent) > 1 || len(returns) > 0 {
			d.Shipments = append(d.Shipments, sd)
		}
		if waitsLonger(s, last) {
			last = s
		}
	}
	if len(sent) == 1 {
		d.ProofOfDelivery = parcels[0].Proof
	}
	var back []parcel
	for i := range returns {
		p, sd := describeParcel(i, &returns[i], names, sp, ph)
		p.Proof, sd.ProofOfDelivery, sd.Return = nil, nil, true // received by the shop: no proof for the caller
		back = append(back, p)
		d.Shipments = append(d.Shipments, sd)
	}
	d.Carrier = ph.join(carriers(sent))
	whenAndWhere(&d, v, sent, last, sp)
	if len(sent) == 1 {
		d.TrackingNumber = sent[0].TrackingNumber
	}

	lines := []string{headline(ph, sp, v, d, parcels, number)}
	if rest := unshipped(v, names); len(rest) > 0 && len(sent) > 0 && !v.Status.Final() {
		lines = append(lines, ph.unshipped(ph.join(rest)))
	}
	for _, p := range back {
		lines = append(lines, ph.returnParcel(p))
	}
	if x := v.Exception; x != nil {
		var line string
		d.Exception, line = explainException(ph, v, *x, followUp)
		lines = append(lines, line)
	}
	if offersSMS(v) {
		lines = append(lines, ph.offerSMS())
	}
	return d, strings.Join(lines, " ")
}

// itemNames are the names of the order's items by SKU, for those that have one.
func itemNames(items []order.Item) map[string]string {
	names := map[string]string{}
	for _, it := range items {
		if it.Name != "" {
			names[it.SKU] = it.Name
		}
	}
	return names
}

// describeParcel is shipment s, the i-th, as the instructions speak of it and as the data
// shows it: its items by name, where it was last seen, and its ETA, said as overdue once it
// has passed.
func describeParcel(i int, s *order.ShipmentView, names map[string]string, sp speaking, ph phrases) (parcel, shipmentData) {
	items := make([]string, len(s.Items))
	for j, sku := range s.Items {
		items[j] = sku
		if n, ok := names[sku]; ok {
			items[j] = n
		}
	}
	p := parcel{
		Index: i + 1, Items: ph.join(items), Carrier: s.Carrier, Status: s.Status, Delivered: sp.past(s.DeliveredAt),
		Estimated: s.ETASource == order.ETAEstimate,
	}
	if l := s.LastLocation; l != nil {
		p.City, p.Country = cityName(l.City), l.Country
	}
	sd := shipmentData{
		ShipmentID: s.ShipmentID, Status: ph.shipmentStatus(s.Status), StatusCode: s.Status,
		CurrentLocation: p.City, Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Items: items,
		Delivered: p.Delivered,
	}
	if s.Status == order.ShipmentDelivered && s.Proof != nil {
		p.Proof = proofOf(ph, *s.Proof)
		sd.ProofOfDelivery = p.Proof
	}
	if e := s.ETA(); e != nil {
		sd.ETA, sd.ETASource = sp.full(*e), s.ETASource
		if sp.passed(*e) {
			p.Overdue = sp.rel(*e)
		} else {
			p.ETA, sd.ETARelative = sp.rel(*e), sp.rel(*e)
		}
	}
	return p, sd
}

// proofOf is what a caller may hear of proof p, nil when nothing: the place in the
// phrases' fixed words ("other" has none, and only its code is given), the signer when the
// name reads as one, whether there is a photo.
func proofOf(ph phrases, p order.Proof) *proofData {
	d := proofData{SignedBy: p.CustomerSigner(), HasPhoto: p.PhotoURL != "" && order.CheckPhotoURL("photo_url", p.PhotoURL) == nil}
	if p.Place != "" {
		d.Place, d.PlaceSaid = p.Place, ph.place(p.Place)
	}
	if d == (proofData{}) {
		return nil
	}
	return &d
}

// waitsLonger reports whether the order waits for parcel s rather than last: s arrives
// later than last by its ETA, or s is the first parcel still coming, ETA or not. The order's
// current location is told from that parcel.
func waitsLonger(s, last *order.ShipmentView) bool {
	if e := s.ETA(); e != nil {
		return last == nil || last.EstimatedDelivery == nil || e.After(*last.EstimatedDelivery)
	}
	return last == nil && !s.Status.Final()
}

// carriers are the shipments' carriers, each once, in order.
func carriers(ss []order.ShipmentView) []string {
	var cs []string
	for _, s := range ss {
		if s.Carrier != "" && !slices.Contains(cs, s.Carrier) {
			cs = append(cs, s.Carrier)
		}
	}
	return cs
}

// whenAndWhere tells the order's ETA and current location. While a parcel is still coming
// (last), that is the order's ETA and where that parcel is; once none is, where the last
// parcel was; before anything shipped, the shop's promised date, else shipflow's estimate.
func whenAndWhere(d *statusData, v order.View, sent []order.ShipmentView, last *order.ShipmentView, sp speaking) {
	switch {
	case last != nil:
		if e := v.ETA(); e != nil { // the order's ETA, as the read model and the tracking page tell it
			sp.eta(d, *e, v.ETASource())
		}
		if l := last.LastLocation; l != nil {
			d.CurrentLocation = cityName(l.City)
		}
	case len(sent) > 0:
		s := sent[len(sent)-1]
		if l := s.LastLocation; l != nil {
			d.CurrentLocation = cityName(l.City)
		}
	case v.PromisedDelivery != nil && !v.Status.Final():
		sp.eta(d, *v.PromisedDelivery, order.ETAMerchant)
	case v.EstimatedDelivery != nil && !v.Status.Final():
		sp.eta(d, *v.EstimatedDelivery, order.ETAEstimate)
	}
}

// headline is the answer's first sentence: how a finished order ended, or else where its
// parcels are (or that nothing has shipped yet).
func headline(ph phrases, sp speaking, v order.View, d statusData, parcels []parcel, number string) string {
	switch {
	case v.Status == order.StatusCancelled:
		return ph.cancelled(number, sp.past(v.CancelledAt))
	case v.Status == order.StatusReturned:
		amount, refunded := lastRefund(v.Refunds, sp)
		return ph.returned(number, sp.past(v.ReturnedAt), amount, refunded)
	case v.Status == order.StatusDelivered:
		when := d.Delivered
		if when == "" && len(parcels) > 0 {
			when = parcels[len(parcels)-1].Delivered
		}
		var proofs []string
		for _, p := range parcels {
			if p.Proof == nil {
				continue
			}
			index := p.Index
			if len(parcels) == 1 {
				index = 0
			}
			if line := ph.proof(index, *p.Proof); line != "" {
				proofs = append(proofs, line)
			}
		}
		return ph.delivered(number, when, strings.Join(proofs, " "))
	case len(parcels) == 0:
		return ph.notShipped(number, v.Status, d.ETARelative, v.PromisedDelivery == nil && v.EstimatedDelivery != nil)
	case len(parcels) > 1:
		return ph.split(number, parcels)
	}
	return ph.single(parcels[0])
}

// lastRefund is the latest refund as said: its amount with currency, and when it was made.
func lastRefund(rs []order.Refund, sp speaking) (amount, refunded string) {
	if len(rs) == 0 {
		return "", ""
	}
	r := rs[len(rs)-1]
	amount = strings.TrimSpace(r.Amount + " " + r.Currency)
	if !r.At.IsZero() {
		refunded = sp.past(&r.At)
	}
	return amount, refunded
}

// explainException is the open exception x as data and as the sentence explaining it: what
// went wrong and what happens next, naming the parcel (by its index) in a split order.
func explainException(ph phrases, v order.View, x order.Exception, followUp time.Duration) (*exceptionData, string) {
	index, n := 0, 0
	for _, s := range v.Shipments {
		if s.Return {
			continue // numbered after the parcels sent, and no part of the order's journey
		}
		n++
		if s.ShipmentID == x.ShipmentID {
			index = n
		}
	}
	if n < 2 {
		index = 0
	}
	reason, next := ph.exceptionReason(x), ph.exceptionNext(x, followUp)
	data := &exceptionData{
		Reason: x.Reason, ShipmentID: x.ShipmentID,
		Explanation: sentence(capitalize(reason)), NextSteps: sentence(capitalize(next)),
	}
	return data, ph.explain(index, reason, next)
}

// offersSMS reports whether the caller is offered SMS updates: the order is still going, the
// customer has a phone, and SMS is not among the order's channels yet.
func offersSMS(v order.View) bool {
	return !v.Status.Final() && v.Customer.Reaches(order.ChannelSMS) && !slices.Contains(v.Notify.Channels, order.ChannelSMS)
}

// describeReceived is a verified caller's answer about an order known only from its accepted
// order.created (Found.Received): received and being prepared, with what the event says, the
// items and the promised date. It offers no SMS updates: subscribing needs the order's
// workflow, which has not started yet.
func describeReceived(v order.View, number string, now time.Time) (statusData, string) {
	sp := speakingTo(v.Customer, now)
	ph := say(v.Customer.Locale)
	items := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if it.Name != "" {
			items = append(items, it.Name)
		} else {
			items = append(items, it.SKU)
		}
	}
	d := statusData{
		OrderNumber: number,
		Status:      ph.receivedStatus(),
		StatusCode:  StatusCodeReceived,
		Channels:    slices.Clone(v.Notify.Channels),
		Items:       items,
	}
	if d.Channels == nil {
		d.Channels = []order.Channel{}
	}
	if p := v.PromisedDelivery; p != nil {
		sp.eta(&d, *p, order.ETAMerchant)
	}
	return d, ph.received(number, ph.join(items), d.ETARelative)
}

// unshipped names the order's items that no shipment carries, when the
// shipments say what they carry at all.
func unshipped(v order.View, names map[string]string) []string {
	shipped := map[string]bool{}
	for _, s := range v.Shipments {
		for _, sku := range s.Items {
			shipped[sku] = true
		}
	}
	if len(shipped) == 0 {
		return nil
	}
	var rest []string
	for _, it := range v.Items {
		if !shipped[it.SKU] {
			n := it.SKU
			if it.Name != "" {
				n = it.Name
			}
			rest = append(rest, n)
		}
	}
	return rest
}

func utcp(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// cityName is a carrier's city as it is said: "KAUNAS" → "Kaunas". A name
// in mixed case is left as the carrier wrote it.
func cityName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s != strings.ToUpper(s) {
		return s
	}
	r := []rune(strings.ToLower(s))
	for i := range r {
		if i == 0 || r[i-1] == ' ' || r[i-1] == '-' {
			r[i] = unicode.ToUpper(r[i])
		}
	}
	return string(r)
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// sentence ends s with a full stop unless it has one ("gegužės 8 d.").
func sentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

package order

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input limits: the longest value of each kind shipflow takes in from a platform, a carrier, a
// caller or staff. Each is far above what a real sender writes and small enough that a hostile
// one cannot bloat the inbox, a workflow's history or a customer message. They are in
// characters; README "Limits and input rules" lists them for users.
const (
	// MaxOrderIDLen bounds an order id. Order ids become workflow ids, URL path segments,
	// ticket external ids and chat thread keys.
	MaxOrderIDLen = 128
	// MaxIDLen bounds every other identifier: event, shipment and fulfillment ids, SKUs.
	MaxIDLen = 200
	// MaxTrackingNumberLen bounds a tracking number; the longest carriers issue (USPS IMpb)
	// have 34 characters.
	MaxTrackingNumberLen = 64
	// MaxCodeLen bounds short codes: carrier names, statuses, substatuses, locales, time
	// zones, postal and country codes, currencies, amounts.
	MaxCodeLen = 64
	// MaxExternalIDLen bounds a customer's app user id (the push channel's address):
	// OneSignal's external ids are at most 128 characters.
	MaxExternalIDLen = 128
	// MaxEmailLen is RFC 5321's limit on a forward path.
	MaxEmailLen = 254
	// MaxLineLen bounds a name, an address line, a city or an item name.
	MaxLineLen = 200
	// MaxTextLen bounds free text: a carrier's scan description, a cancellation reason, a
	// staff note.
	MaxTextLen = 1000
	// MaxItems bounds the lines of one order and the SKUs of one shipment.
	MaxItems = 500
	// MaxQuantity bounds one order line's quantity.
	MaxQuantity = 1_000_000
	// MaxEventsPerDelivery bounds the events one inbound delivery carries: an AfterShip
	// update's checkpoints, an EasyPost tracker's details, a ShipEngine update's events. The
	// longest real journeys list well under a hundred scans. Without a bound a 1 MiB body of
	// bare checkpoints made 13,334 events, acknowledged and then more than the engine takes.
	MaxEventsPerDelivery = 200
)

// CheckText refuses text that cannot be stored or shown safely: invalid UTF-8, control
// characters (NUL first among them: Postgres refuses it in text and jsonb, so one NUL would
// make an accepted event impossible to store), characters that reorder or hide text when
// shown (bidirectional overrides, line separators), and anything longer than max characters.
// The error is a *FieldError naming field.
func CheckText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalid(field, "must be valid UTF-8")
	}
	for i, r := range s {
		if UnsafeRune(r) {
			return invalid(field, "must not hold control characters (found U+%04X at byte %d)", r, i)
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "must be at most %d characters, got %d", max, n)
	}
	return nil
}

// CheckKey refuses an identifier that is not printable ASCII (spaces inside allowed, none at
// either end) of at most max characters. Order ids and tracking numbers take this rule:
// Temporal carries workflow ids in gRPC headers, which take ASCII only, and an id that could
// be accepted but never started would sit in the inbox for ever. No platform issues others.
func CheckKey(field, s string, max int) error {
	if s == "" {
		return required(field)
	}
	if len(s) > max {
		return invalid(field, "must be at most %d characters, got %d", max, utf8.RuneCountInString(s))
	}
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return invalid(field, "must be printable ASCII (letters, digits, punctuation), found %s at byte %d", describeByte(s, i), i)
		}
	}
	if strings.TrimSpace(s) != s {
		return invalid(field, "must not start or end with a space")
	}
	return nil
}

// CheckExternalID refuses an app user id (Customer.ExternalID) that OneSignal would not take
// as an external id or that could not travel safely: it must be 1 to MaxExternalIDLen
// printable ASCII characters without spaces. The error is a *FieldError naming field.
func CheckExternalID(field, s string) error {
	if err := CheckKey(field, s, MaxExternalIDLen); err != nil {
		return err
	}
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return invalid(field, "must not hold spaces (found one at byte %d)", i)
	}
	return nil
}

// describeByte names what sits at s[i] for an error message without echoing control bytes.
func describeByte(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError || UnsafeRune(r) {
		return fmt.Sprintf("byte 0x%02X", s[i])
	}
	return fmt.Sprintf("%q", r)
}

// UnsafeRune reports the characters no inbound text may hold and no stored text keeps: control
// characters and those that reorder or hide text when a person reads it.
func UnsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL and C1, NUL included
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0xfeff: // byte order mark
		return true
	}
	return false
}

// CleanText makes text from a source that cannot be refused (a carrier's polling API, a
// subscriber's answer) safe to store and show: invalid bytes become U+FFFD, unsafe characters
// become spaces, and it is cut to max characters.
func CleanText(s string, max int) string {
	clean := utf8.ValidString(s)
	if clean {
		for _, r := range s {
			if UnsafeRune(r) {
				clean = false
				break
			}
		}
	}
	if clean && utf8.RuneCountInString(s) <= max {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s { // ranging over invalid UTF-8 yields U+FFFD per bad byte
		if n == max {
			break
		}
		if UnsafeRune(r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// fieldCheck is one field and the rule it must meet, so a whole event's fields read as a table.
type fieldCheck struct {
	field string
	value string
	max   int
}

// checkAll runs CheckText over fields in order and returns the first failure.
func checkAll(fields []fieldCheck) error {
	for _, f := range fields {
		if err := CheckText(f.field, f.value, f.max); err != nil {
			return err
		}
	}
	return nil
}

// CheckInput applies the input limits to every field of e, beyond what Validate requires. It
// runs where events enter (the webhooks) and not in the workflow, so that a stricter limit
// never changes how a running order replays its history.
func (e CommerceEvent) CheckInput() error {
	if err := CheckKey("data.order_id", e.OrderID, MaxOrderIDLen); err != nil {
		return err
	}
	fields := []fieldCheck{
		{"webhook-id", e.ID, MaxIDLen},
		{"data.shipment_id", e.ShipmentID, MaxIDLen},
		{"data.reason", e.Reason, MaxTextLen},
		{"data.amount", e.Amount, MaxCodeLen},
		{"data.currency", e.Currency, MaxCodeLen},
	}
	if c := e.Customer; c != nil {
		fields = append(fields,
			fieldCheck{"data.customer.name", c.Name, MaxLineLen},
			fieldCheck{"data.customer.email", c.Email, MaxEmailLen},
			fieldCheck{"data.customer.phone", c.Phone, MaxCodeLen},
			fieldCheck{"data.customer.locale", c.Locale, MaxCodeLen},
			fieldCheck{"data.customer.time_zone", c.TimeZone, MaxCodeLen},
			fieldCheck{"data.customer.external_id", c.ExternalID, MaxExternalIDLen})
	}
	if a := e.ShippingAddress; a != nil {
		fields = append(fields, a.fields("data.shipping_address")...)
	}
	if err := checkChannels("data.notify.channels", e.Notify); err != nil {
		return err
	}
	if len(e.Items) > MaxItems {
		return invalid("data.items", "must have at most %d lines, got %d", MaxItems, len(e.Items))
	}
	for i, it := range e.Items {
		p := fmt.Sprintf("data.items[%d]", i)
		if it.Quantity > MaxQuantity {
			return invalid(p+".quantity", "must be at most %d, got %d", MaxQuantity, it.Quantity)
		}
		fields = append(fields, fieldCheck{p + ".sku", it.SKU, MaxIDLen}, fieldCheck{p + ".name", it.Name, MaxLineLen})
	}
	if err := checkAll(fields); err != nil {
		return err
	}
	if s := e.Shipment; s != nil {
		if err := s.checkInput("data.shipment"); err != nil {
			return err
		}
	}
	if s := e.ReturnShipment; s != nil {
		return s.checkInput("data.return_shipment")
	}
	return nil
}

func (s ShipmentInfo) checkInput(prefix string) error {
	if err := CheckKey(prefix+".tracking_number", s.TrackingNumber, MaxTrackingNumberLen); err != nil {
		return err
	}
	if len(s.Items) > MaxItems {
		return invalid(prefix+".items", "must have at most %d SKUs, got %d", MaxItems, len(s.Items))
	}
	if err := checkService(prefix+".service", s.Service); err != nil {
		return err
	}
	fields := []fieldCheck{
		{prefix + ".shipment_id", s.ID, MaxIDLen},
		{prefix + ".carrier", s.Carrier, MaxCodeLen},
	}
	for i, sku := range s.Items {
		fields = append(fields, fieldCheck{fmt.Sprintf("%s.items[%d]", prefix, i), sku, MaxIDLen})
	}
	return checkAll(fields)
}

func (a Address) fields(prefix string) []fieldCheck {
	return []fieldCheck{
		{prefix + ".name", a.Name, MaxLineLen},
		{prefix + ".line1", a.Line1, MaxLineLen},
		{prefix + ".line2", a.Line2, MaxLineLen},
		{prefix + ".city", a.City, MaxLineLen},
		{prefix + ".region", a.Region, MaxLineLen},
		{prefix + ".postal_code", a.PostalCode, MaxCodeLen},
		{prefix + ".country", a.Country, MaxCodeLen},
	}
}

func (l Location) fields(prefix string) []fieldCheck {
	return []fieldCheck{
		{prefix + ".city", l.City, MaxLineLen},
		{prefix + ".region", l.Region, MaxLineLen},
		{prefix + ".postal_code", l.PostalCode, MaxCodeLen},
		{prefix + ".country", l.Country, MaxCodeLen},
	}
}

// CheckInput applies the input limits to every field of a carrier scan. Field names are
// provider neutral, as Validate's are.
func (e TrackingEvent) CheckInput() error {
	if err := CheckKey("tracking_number", e.TrackingNumber, MaxTrackingNumberLen); err != nil {
		return err
	}
	if err := checkAll(append([]fieldCheck{
		{"id", e.ID, MaxIDLen},
		{"carrier", e.Carrier, MaxCodeLen},
		{"substatus", e.Substatus, MaxCodeLen},
		{"raw_status", e.RawStatus, MaxCodeLen},
		{"description", e.Description, MaxTextLen},
	}, e.Location.fields("location")...)); err != nil {
		return err
	}
	if p := e.Proof; p != nil {
		return p.checkInput("proof")
	}
	return nil
}

// Clean is e made to meet the input limits by CleanText, for scans from a source that cannot
// be refused: a carrier's polling API answers what it answers, and one unsafe character must
// not stop the order's read model for good. A tracking number is never rewritten (it is how
// the scan found its shipment).
func (e TrackingEvent) Clean() TrackingEvent {
	e.ID = CleanText(e.ID, MaxIDLen)
	e.Carrier = CleanText(e.Carrier, MaxCodeLen)
	e.Substatus = CleanText(e.Substatus, MaxCodeLen)
	e.RawStatus = CleanText(e.RawStatus, MaxCodeLen)
	e.Description = CleanText(e.Description, MaxTextLen)
	e.Location = Location{
		City:       CleanText(e.Location.City, MaxLineLen),
		Region:     CleanText(e.Location.Region, MaxLineLen),
		PostalCode: CleanText(e.Location.PostalCode, MaxCodeLen),
		Country:    CleanText(e.Location.Country, MaxCodeLen),
	}
	if p := e.Proof; p != nil {
		c := p.clean()
		e.Proof = &c
	}
	return e
}

// Quote quotes s for an error message, cut short so that a hostile value cannot make the
// answer large.
func Quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q…", Clip(s, max))
	}
	return fmt.Sprintf("%q", s)
}

// Clip cuts s to at most n bytes, on a character boundary, so that a cut never leaves half a
// character for a column or a log line to refuse.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// checkService refuses a service level that is not a short code: letters, digits, spaces,
// '_', '-' and '.', as carriers name them ("express", "DHL Paket", "ground_advantage").
func checkService(field, s string) error {
	if len(s) > MaxCodeLen {
		return invalid(field, "must be at most %d characters, got %d", MaxCodeLen, utf8.RuneCountInString(s))
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" _-.", r)) {
			return invalid(field, "may hold only letters, digits, spaces, '_', '-' and '.', found %s at byte %d", describeByte(s, i), i)
		}
	}
	return nil
}

// checkChannels refuses a channel list that names a channel twice or names more channels than
// there are: a list of 150,000 "sms" was otherwise carried into the inbox and the order's
// history whole. Unknown names are Validate's to refuse.
func checkChannels(field string, chs []Channel) error {
	if len(chs) > len(Channels) {
		return invalid(field, "must list at most %d channels (%s), got %d", len(Channels), ChannelNames(), len(chs))
	}
	for i, ch := range chs {
		if slices.Contains(chs[:i], ch) {
			return invalid(fmt.Sprintf("%s[%d]", field, i), "repeats channel %s", Quote(string(ch)))
		}
	}
	return nil
}

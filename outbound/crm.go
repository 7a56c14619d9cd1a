package outbound

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
)

// shipping is what a CRM connector writes of a milestone (HubSpot's contact properties,
// Salesforce's Platform Event fields), read from the event's data (order.EventData): the
// order, where it stands, the parcel the event is about and how the customer follows it.
type shipping struct {
	OrderID string
	// Stage is the order's status as of the event (docs/reference/statuses.md), one vocabulary
	// whatever the event type: what a CRM workflow branches on.
	Stage string
	// Carrier is the carrier's display name (carrier.Table.Shown), TrackingNumber its number,
	// both of the event's parcel, else of the order's first outgoing parcel; empty before one
	// ships.
	Carrier, TrackingNumber string
	// TrackingURL is the order's tracking page when shipflow serves one (SHIPFLOW_PUBLIC_URL
	// and a tracking secret), else the carrier's own link for the parcel; empty when neither.
	TrackingURL string
	// ETA is when the parcel (for a parcel's event) or the order is expected, as the customer's
	// messages say it (order.ShipmentView.ETA, order.View.ETA), else the order's own estimate or
	// the shop's promise; nil when none is known.
	ETA *time.Time
	// Email and Phone are the customer's as the order gave them; ExternalID the merchant's own
	// id of the customer, when the order has one (a marketing platform's profile id).
	Email, Phone, ExternalID string
	// ShipmentID is the parcel's the carrier and tracking number are of.
	ShipmentID string
	// Items are the order's lines, for a marketing platform's messages.
	Items []order.Item
	// Exception is the open problem's reason code (order.ExceptionReason), never its message:
	// a carrier's or driver's free text does not reach a customer's message.
	Exception string
}

// shippingOf reads what a platform connector records of e. The data is shipflow's own
// encoding of the order, so an error here means a stored event that cannot be read, which
// sending again cannot fix.
func (s *Sender) shippingOf(e Event) (shipping, error) {
	var d order.EventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return shipping{}, fmt.Errorf("reading event %s: %w", e.ID, err)
	}
	v := d.View
	sh := shipping{OrderID: e.OrderID, Stage: string(v.Status), Email: v.Customer.Email, Phone: v.Customer.Phone,
		ExternalID: v.Customer.ExternalID, Items: v.Items, Exception: exceptionOf(d)}
	if sh.OrderID == "" {
		sh.OrderID = v.OrderID
	}
	// What the customer is told: the parcel's estimate, else the order's; the shop's promise
	// when nothing shipped has one yet.
	sh.ETA = cmp.Or(v.ETA(), v.EstimatedDelivery, v.PromisedDelivery)
	var link string
	if p, ok := eventParcel(e, v); ok {
		sh.Carrier, link = carrier.Builtin().Shown(p.Carrier, p.TrackingNumber)
		sh.TrackingNumber, sh.ShipmentID = p.TrackingNumber, p.ShipmentID
		if e.ShipmentID != "" {
			sh.ETA = cmp.Or(p.ETA(), sh.ETA)
		}
	}
	sh.TrackingURL = cmp.Or(s.Feeds.trackingURL(sh.OrderID), link)
	return sh, nil
}

// eventParcel is the parcel an event is about: its shipment, or for an order-level event the
// order's first parcel going to the customer (a return parcel is not what they follow).
func eventParcel(e Event, v order.View) (order.ShipmentView, bool) {
	for _, p := range v.Shipments {
		if (e.ShipmentID != "" && p.ShipmentID == e.ShipmentID) || (e.ShipmentID == "" && !p.Return) {
			return p, true
		}
	}
	return order.ShipmentView{}, false
}

// exceptionOf is the reason code of the exception an event raised, else of the order's open
// one; never its message, whose free text is a carrier's or a driver's.
func exceptionOf(d order.EventData) string {
	switch {
	case d.Event != nil && d.Event.Exception != nil:
		return string(d.Event.Exception.Reason)
	case d.View.Exception != nil:
		return string(d.View.Exception.Reason)
	}
	return ""
}

// etaDate is an ETA as the calendar date CRMs store in a date property (YYYY-MM-DD, UTC, as
// the order view gives it); empty for none.
func etaDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// cut shortens s to at most n characters, on a character boundary, for a platform field that
// refuses longer values rather than truncating them.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Credentials a platform issues are printable ASCII without spaces; a pasted value with a line
// break, a quote or a control character would never authenticate, and would break a header.
var (
	// tokenText is the alphabet of bearer tokens (RFC 6750's b64token) and OAuth client ids
	// and secrets as the platforms here issue them.
	tokenText = regexp.MustCompile(`^[A-Za-z0-9\-._~+/=!]+$`)
)

// maxCredential bounds one credential: the platforms' tokens and secrets are far shorter
// (HubSpot's private app tokens 44 characters, Salesforce's consumer keys 85).
const maxCredential = 512

// checkToken refuses a credential that is empty, too long or outside tokenText, naming it.
func checkToken(name, v string) error {
	switch {
	case v == "":
		return apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "credentials.%s: required", name)
	case len(v) > maxCredential:
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials.%s: must be at most %d bytes, got %d", name, maxCredential, len(v))
	case !tokenText.MatchString(v):
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials.%s: must be letters, digits and -._~+/=! only, as the platform issues it (no spaces, quotes or line breaks)", name)
	}
	return nil
}

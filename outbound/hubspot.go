package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/db"
)

// HubSpot (docs/connectors.md#hubspot): each event sets the order's shipping properties on the
// HubSpot contact with the customer's email, through the CRM API v3 with a private app's
// access token, and the merchant's HubSpot workflows trigger on the properties changing.
const (
	// HubSpotURL is HubSpot's API base, the url of a hubspot endpoint that names none.
	HubSpotURL = "https://api.hubapi.com"
	// HubSpotToken is the credential naming a private app's access token (scope
	// crm.objects.contacts.write).
	HubSpotToken = "access_token"
)

// HubSpot contact properties shipflow sets. The merchant creates them once
// (docs/connectors.md#hubspot); a property the account lacks fails the delivery with its name.
const (
	hubSpotStage          = "shipflow_shipping_stage" // dropdown: the order status
	hubSpotOrderID        = "shipflow_order_id"
	hubSpotCarrier        = "shipflow_carrier"
	hubSpotTrackingNumber = "shipflow_tracking_number"
	hubSpotTrackingURL    = "shipflow_tracking_url"
	hubSpotETA            = "shipflow_eta" // date picker
)

// hubSpotMaxValue is the longest value HubSpot keeps in a single-line text property.
const hubSpotMaxValue = 65536

// hubSpotDailyWait is how long a delivery refused by HubSpot's daily limit waits at least,
// within the schedule: the limit resets at the account's midnight, which shipflow cannot see.
const hubSpotDailyWait = time.Hour

// hubSpot is KindHubSpot's Transport.
type hubSpot struct{ s *Sender }

// Send sets the event's shipping properties on the customer's contact. Every property is
// sent, empty ones included (HubSpot clears a property set to ""), so the contact shows one
// order's facts, never a mix of an old order's carrier with a new order's stage. Setting the
// same values again is harmless, so a retry after a lost answer changes nothing.
func (h hubSpot) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	sh, err := h.s.shippingOf(o.Event)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	if sh.Email == "" {
		return Result{Outcome: Failed, Err: "the order has no customer email, which HubSpot contacts are found by"}, now
	}
	props := map[string]string{
		hubSpotStage:          sh.Stage,
		hubSpotOrderID:        cut(sh.OrderID, hubSpotMaxValue),
		hubSpotCarrier:        cut(sh.Carrier, hubSpotMaxValue),
		hubSpotTrackingNumber: cut(sh.TrackingNumber, hubSpotMaxValue),
		hubSpotTrackingURL:    cut(sh.TrackingURL, hubSpotMaxValue),
		hubSpotETA:            etaDate(sh.ETA),
	}
	body, err := json.Marshal(map[string]any{"properties": props})
	if err != nil {
		return Result{Outcome: Failed, Err: "encoding properties: " + err.Error()}, now
	}
	u := strings.TrimRight(o.Endpoint.URL, "/") + "/crm/v3/objects/contacts/" + url.PathEscape(sh.Email) + "?idProperty=email"
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, u, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: "building request: " + err.Error()}, now
	}
	req.Header.Set("Authorization", "Bearer "+o.Credentials[HubSpotToken])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	return hubSpotResult(h.s.callHeader(req)), now
}

// hubSpotAnswer is HubSpot's error body.
type hubSpotAnswer struct {
	Message    string `json:"message"`
	Category   string `json:"category"`
	ErrorType  string `json:"errorType"`
	PolicyName string `json:"policyName"`
}

// hubSpotResult adds what HubSpot says beyond the status to a classified Result. A contact
// not found (404) fails the delivery with that reason: sending again cannot create it. A
// property the account lacks or a value it refuses (400) fails it naming HubSpot's words. A
// 429 waits as HubSpot's rate headers say, HubSpot sending no Retry-After: the rolling
// window's length (X-HubSpot-RateLimit-Interval-Milliseconds), or an hour at least for the
// daily limit.
func hubSpotResult(r Result, h http.Header) Result {
	var a hubSpotAnswer
	_ = json.Unmarshal([]byte(r.Body), &a) // an answer that is not HubSpot's JSON says nothing more
	msg := db.SafeText(a.Message, db.MaxErrorText/2)
	switch {
	case r.Status == http.StatusNotFound:
		r.Err = "HubSpot has no contact with the order's customer email (404): the contact must exist before shipflow updates it"
	case r.Status == http.StatusBadRequest && strings.Contains(a.Message, "PROPERTY_DOESNT_EXIST"):
		r.Err = "HubSpot refused the update: a shipflow_* contact property is missing; create it (docs/connectors.md#hubspot): " + msg
	case r.Status == http.StatusTooManyRequests:
		if r.RetryAfter == 0 {
			r.RetryAfter = hubSpotWait(a.PolicyName, h)
		}
		r.Err = "HubSpot rate limit: " + msg
	case r.Outcome != Delivered && msg != "":
		r.Err = "HubSpot answered " + strconv.Itoa(r.Status) + ": " + msg
	}
	return r
}

// hubSpotWait is the wait a HubSpot 429 asks for through its rate headers.
func hubSpotWait(policy string, h http.Header) time.Duration {
	if policy == "DAILY" || h.Get("X-HubSpot-RateLimit-Daily-Remaining") == "0" {
		return hubSpotDailyWait
	}
	ms, err := strconv.Atoi(strings.TrimSpace(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")))
	if err != nil || ms <= 0 || ms > 60_000 {
		return 10 * time.Second // HubSpot's burst window
	}
	return time.Duration(ms) * time.Millisecond
}

// checkHubSpot refuses an access token HubSpot would never accept. The URL is checked like
// every endpoint's.
func checkHubSpot(_ string, creds map[string]string) error {
	return checkToken(HubSpotToken, creds[HubSpotToken])
}

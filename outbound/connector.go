package outbound

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/shipflow/shipflow/egress"
)

// Connector kinds: a platform's own API, where an event becomes what the platform understands
// (docs/connectors.md). Migration 00021's CHECK lists them.
const (
	KindKlaviyo        Kind = "klaviyo"        // an event of a metric (Klaviyo's Events API)
	KindHubSpot        Kind = "hubspot"        // the contact's shipping properties (HubSpot's CRM API)
	KindSalesforce     Kind = "salesforce"     // a Platform Event (Salesforce's REST API)
	KindActiveCampaign Kind = "activecampaign" // the contact's tags and fields
	KindZapier         Kind = "zapier"         // a REST Hooks subscription of a Zapier trigger
	KindShopify        Kind = "shopify"        // fulfillment events written back to the shop
)

// A connector is what a kind of platform destination needs besides its Transport: the
// credentials it authenticates with, where its API is, and a check of both when a merchant
// sets them. Credentials are sealed at rest (credentials.go, SHIPFLOW_SECRET_KEYS) and opened
// into Outgoing.Credentials for each attempt; the API shows them masked.
type connector struct {
	// Credentials are the names every endpoint of the kind must have; Optional may be given.
	Credentials, Optional []string
	// DefaultURL is the platform's API base when an endpoint names none: a stand-in's (in
	// tests and dev) replaces it, within the egress policy like any URL. Empty means the
	// endpoint must name its URL (a Salesforce instance, a shop, a Zapier hook).
	DefaultURL string
	// Check refuses a URL or credentials the platform would refuse, before anything is stored;
	// nil checks only presence and the common limits.
	Check func(url string, creds map[string]string) error
	// Transport is the kind's Transport.
	Transport func(s *Sender) Transport
}

// connectors are the connector kinds this build knows.
var connectors = map[Kind]connector{
	KindShopify: {
		Credentials: []string{shopifyAccessToken},
		Optional:    []string{shopifyAPIVersion},
		Check:       checkShopify,
		Transport:   func(s *Sender) Transport { return shopify{s} },
	},
	KindHubSpot: {
		Credentials: []string{HubSpotToken},
		DefaultURL:  HubSpotURL,
		Check:       checkHubSpot,
		Transport:   func(s *Sender) Transport { return hubSpot{s} },
	},
	KindKlaviyo: {
		Credentials: []string{KlaviyoAPIKey},
		DefaultURL:  KlaviyoURL,
		Check:       checkKlaviyo,
		Transport:   func(s *Sender) Transport { return klaviyo{s} },
	},
	KindActiveCampaign: {
		Credentials: []string{ActiveCampaignToken},
		Check:       checkActiveCampaign,
		Transport:   func(s *Sender) Transport { return activeCampaign{s} },
	},
	KindSalesforce: {
		Credentials: []string{SalesforceClientID, SalesforceClientSecret},
		Optional:    []string{SalesforceEventObject, SalesforceAPIVersion},
		Check:       checkSalesforce,
		Transport:   func(s *Sender) Transport { return salesforce{s} },
	},
	KindZapier: {Transport: func(s *Sender) Transport { return zapier{s} }}, // no credentials: the hook URL is the secret (zapier.go)
}

// Connector reports whether k is a platform connector (its Transport calls the platform's API
// with the endpoint's credentials) rather than a webhook or a staff feed.
func (k Kind) Connector() bool {
	_, ok := connectors[k]
	return ok
}

// Call makes one request of a connector's attempt to its platform's API and says how it went,
// the same way for every platform: 2xx is delivered; 429, 408 and 5xx are retried on the
// schedule, waiting at least what Retry-After asks; 401 and 403 (rejected credentials, a
// revoked app) are gone, which disables the destination and tells staff, as a webhook's 410
// does; any other answer is a refusal of this event that a retry cannot change (failed, which
// staff can retry by hand after fixing what the platform named). The body is captured for the
// attempt log like a webhook's. A transport whose platform says more in its body (a 200 with
// an error inside) reads Result.Body and changes the Outcome.
func (s *Sender) call(req *http.Request) Result {
	r, _, _ := s.exchange(req)
	return r
}

// callHeader is call that also returns the answer's header (nil when none arrived), for a
// platform that says how long to wait in headers of its own (HubSpot's rate headers).
func (s *Sender) callHeader(req *http.Request) (Result, http.Header) {
	r, h, _ := s.exchange(req)
	return r, h
}

// callRead is call that also returns the answer's body, up to maxAnswer, for a transport that
// reads ids from it (ActiveCampaign's contact and tags); Result.Body keeps its first MaxBody
// bytes, as call's.
func (s *Sender) callRead(req *http.Request) (Result, []byte) {
	r, _, raw := s.exchange(req)
	return r, raw
}

// maxAnswer bounds how much of a platform's answer exchange reads: a contact with its fields
// or a list of a platform's ids is larger than the attempt log keeps (MaxBody), and far
// smaller than this.
const maxAnswer = 1 << 20

// exchange makes the request and classifies the answer for call, callHeader and callRead.
func (s *Sender) exchange(req *http.Request) (Result, http.Header, []byte) {
	if err := egress.CheckURL(req.URL.String(), s.Policy); err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, nil, nil
	}
	start := time.Now()
	resp, err := s.httpClient().Do(req)
	if err != nil {
		r := Result{Latency: time.Since(start), Outcome: Retry, Err: describe(err)}
		if errors.Is(err, egress.ErrForbiddenAddress) {
			r.Outcome = Failed
		}
		return r, nil, nil
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	r := Result{Status: resp.StatusCode, Latency: time.Since(start), Body: text(raw[:min(len(raw), MaxBody)])}
	if readErr != nil {
		r.Err = "reading answer body: " + describe(readErr)
	}
	switch st := resp.StatusCode; {
	case st >= 200 && st < 300:
		r.Outcome = Delivered
	case st == http.StatusTooManyRequests || st == http.StatusRequestTimeout || st >= 500:
		r.Outcome = Retry
		r.RetryAfter, _ = egress.RetryAfter(resp.Header.Get("Retry-After"), start.Add(r.Latency))
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		r.Outcome = Gone
	default:
		r.Outcome = Failed
	}
	return r, resp.Header, raw
}

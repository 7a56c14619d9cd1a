package easypost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shipflow/shipflow/track"
)

// DefaultURL is EasyPost's API host, used when Config.URL is empty.
const DefaultURL = "https://api.easypost.com"

// MinInterval is the polling floor for one parcel. EasyPost publishes no
// fixed limit for creating trackers (a load-based limiter answers 429 under
// pressure) and 5 requests a second for its index endpoints (docs: "Rate
// Limiting and Backoff Guide"); taking 5/s as the budget, one parcel polled
// every 20 s uses 1% of it.
const MinInterval = 20 * time.Second

// Config is how to reach EasyPost: the API key (EASYPOST_API_KEY) and the
// API's base URL (EASYPOST_API_URL, DefaultURL when empty).
type Config struct {
	APIKey string
	URL    string
}

// Client polls EasyPost's trackers API.
type Client struct {
	key  string
	base string
	hc   *http.Client
}

// New returns a Client; hc nil means a client with track.DefaultTimeout.
func New(cfg Config, hc *http.Client) *Client {
	base := strings.TrimSpace(cfg.URL)
	if base == "" {
		base = DefaultURL
	}
	return &Client{key: cfg.APIKey, base: strings.TrimRight(base, "/"), hc: track.HTTPClient(hc)}
}

// MinInterval implements track.Pacer.
func (c *Client) MinInterval() time.Duration { return MinInterval }

// createRequest is the body of POST /v2/trackers.
type createRequest struct {
	Tracker struct {
		TrackingCode string `json:"tracking_code"`
		Carrier      string `json:"carrier,omitempty"`
	} `json:"tracker"`
}

// errorAnswer is EasyPost's error object.
type errorAnswer struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Track asks for the parcel's Tracker with POST /v2/trackers. Creating is
// how a tracker is looked up by tracking code: EasyPost answers a second
// create for the same code and carrier (within three months) with the
// existing Tracker, at no extra charge, and the first create starts the
// tracking the poll wants anyway. The events and ids are those of
// EasyPost's webhook for that Tracker.
//
// The carrier goes as the merchant wrote it, trimmed but not lower-cased:
// EasyPost's tracker carrier codes are its display names ("USPS", "UPS",
// "FedEx", "DPD"), which merchants already write; empty lets EasyPost
// detect the carrier. A code EasyPost cannot track (422 TRACKER.*) is a
// *track.PermanentError wrapping track.ErrNotFound.
func (c *Client) Track(ctx context.Context, carrier, trackingNumber string) (track.Result, error) {
	code := strings.TrimSpace(trackingNumber)
	if code == "" {
		return track.Result{}, &track.PermanentError{Err: errors.New("easypost: no tracking number")}
	}
	answer, err := c.createTracker(ctx, code, strings.TrimSpace(carrier))
	if err != nil {
		return track.Result{}, classify(err)
	}
	var t Tracker
	if err := json.Unmarshal(answer, &t); err != nil {
		return track.Result{}, fmt.Errorf("easypost: decoding tracker: %w", err)
	}
	if len(t.TrackingDetails) == 0 && strings.TrimSpace(t.UpdatedAt) == "" {
		return track.Result{}, nil // a tracker with nothing to say yet
	}
	events, err := t.Events()
	if err != nil {
		return track.Result{}, fmt.Errorf("easypost: tracker for %q: %w", code, err)
	}
	return track.Result{Events: events, ETA: events[len(events)-1].EstimatedDelivery}, nil
}

// createTracker is POST /v2/trackers for code under carrier ("" lets EasyPost detect it): the
// Tracker's JSON, whether EasyPost created it now or already tracked the code.
func (c *Client) createTracker(ctx context.Context, code, carrier string) ([]byte, error) {
	var cr createRequest
	cr.Tracker.TrackingCode, cr.Tracker.Carrier = code, carrier
	body, err := json.Marshal(cr)
	if err != nil {
		return nil, fmt.Errorf("easypost: %w", err)
	}
	req, err := track.NewRequest(ctx, http.MethodPost, c.base+"/v2/trackers", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("easypost: %w", err)
	}
	req.SetBasicAuth(c.key, "")
	return track.Do(c.hc, req, Provider, parseError)
}

// classify refines track.Do's classes with what EasyPost's error codes
// say: a TRACKER.* refusal of the code is an unknown tracking number.
func classify(err error) error {
	apiErr, inFlight := refusedCode(err)
	switch {
	case inFlight:
		return apiErr
	case apiErr != nil && strings.HasPrefix(apiErr.Code, "TRACKER."):
		return &track.PermanentError{Err: fmt.Errorf("%w (%w)", apiErr, track.ErrNotFound)}
	}
	return err
}

// refusedCode is err as EasyPost's refusal of a request (a 400, 404 or 422 with its error
// code), or nil. inFlight is "a duplicate request is currently in-flight" (also
// TRACKER.CREATE.ERROR): no refusal but a create racing another for the same code, which the
// next try wins, so the caller returns apiErr bare, out of the permanent class track.Do
// gives a 4xx.
func refusedCode(err error) (apiErr *track.APIError, inFlight bool) {
	if !errors.As(err, &apiErr) {
		return nil, false
	}
	switch apiErr.Status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
	default:
		return nil, false
	}
	return apiErr, strings.Contains(strings.ToLower(apiErr.Message), "in-flight")
}

func parseError(body []byte) (code, message string) {
	var e errorAnswer
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error.Code, e.Error.Message
}

package shipengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shipflow/shipflow/track"
)

// DefaultURL is ShipEngine's API host, used when Config.URL is empty.
const DefaultURL = "https://api.shipengine.com"

// MinInterval is the polling floor for one parcel. ShipEngine allows 200
// requests a minute per account by default (docs: "Usage & Rate Limits"),
// about 3.3 a second; one parcel polled every 30 s uses 1% of that.
const MinInterval = 30 * time.Second

// Config is how to reach ShipEngine: the API key (SHIPENGINE_API_KEY) and
// the API's base URL (SHIPENGINE_API_URL, DefaultURL when empty).
type Config struct {
	APIKey string
	URL    string
}

// Client polls ShipEngine's tracking API.
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

// errorAnswer is ShipEngine's error envelope.
type errorAnswer struct {
	Errors []struct {
		ErrorSource string `json:"error_source"`
		ErrorCode   string `json:"error_code"`
		Message     string `json:"message"`
	} `json:"errors"`
}

// Track asks GET /v1/tracking for the parcel, with the carrier as a
// ShipEngine carrier code (lower-cased, see track.CarrierCode), and returns
// the same events, with the same ids, as ShipEngine's API_TRACK webhook. A
// carrier is required: ShipEngine does not detect one. An unknown tracking
// number (404) is a *track.PermanentError wrapping track.ErrNotFound.
func (c *Client) Track(ctx context.Context, carrier, trackingNumber string) (track.Result, error) {
	tn := strings.TrimSpace(trackingNumber)
	code := track.CarrierCode(carrier)
	switch {
	case tn == "":
		return track.Result{}, &track.PermanentError{Err: errors.New("shipengine: no tracking number")}
	case code == "":
		return track.Result{}, &track.PermanentError{Err: fmt.Errorf("shipengine: tracking %q needs a carrier code", tn)}
	}
	q := url.Values{"carrier_code": {code}, "tracking_number": {tn}}
	req, err := track.NewRequest(ctx, http.MethodGet, c.base+"/v1/tracking?"+q.Encode(), nil)
	if err != nil {
		return track.Result{}, fmt.Errorf("shipengine: %w", err)
	}
	req.Header.Set("API-Key", c.key)
	body, err := track.Do(c.hc, req, "shipengine", parseError)
	if err != nil {
		return track.Result{}, err
	}
	var info TrackingInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return track.Result{}, fmt.Errorf("shipengine: decoding tracking: %w", err)
	}
	if strings.TrimSpace(info.CarrierCode) == "" {
		info.CarrierCode = code // as the webhook reads it from its resource URL
	}
	if strings.TrimSpace(info.TrackingNumber) == "" {
		info.TrackingNumber = tn
	}
	if len(info.TrackEvents) == 0 && strings.TrimSpace(info.ShipDate) == "" && strings.TrimSpace(info.ActualDeliveryDate) == "" {
		return track.Result{}, nil // the carrier has nothing to date a status by yet
	}
	events, err := info.Events()
	if err != nil {
		return track.Result{}, fmt.Errorf("shipengine: tracking %q: %w", tn, err)
	}
	return track.Result{Events: events, ETA: events[len(events)-1].EstimatedDelivery}, nil
}

func parseError(body []byte) (code, message string) {
	var e errorAnswer
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return "", ""
	}
	first := e.Errors[0]
	code = first.ErrorCode
	if first.ErrorSource != "" {
		code = first.ErrorSource + "/" + code
	}
	return code, first.Message
}

package aftership

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// APIVersion is the AfterShip Tracking API version polled: 2026-01, the
// current one (AfterShip releases a version every six months). Its
// tracking object is the one the 2026-01 webhooks carry, which the
// normaliser reads (postal_code in place of zip included).
const APIVersion = "2026-01"

// DefaultURL is AfterShip's API host, used when Config.URL is empty.
const DefaultURL = "https://api.aftership.com"

// MinInterval is the polling floor for one parcel. AfterShip allows 6
// requests a second on GET /trackings per organisation (docs: Tracking API,
// "Rate limit", versions 2024-07 on); one parcel polled every 20 s uses
// under 1% of that, leaving the rest for the other parcels in flight.
const MinInterval = 20 * time.Second

// Config is how to reach AfterShip: the API key (AFTERSHIP_API_KEY) and the
// API's base URL (AFTERSHIP_API_URL, DefaultURL when empty), which tests
// and shipflow dev point at a stand-in.
type Config struct {
	APIKey string
	URL    string
}

// Client polls AfterShip's tracking API. Only trackings already in the
// AfterShip account can be polled: AfterShip creates them from the
// merchant's store or label integration, and the poller does not create
// any, so that polling never adds to the AfterShip bill.
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

// trackingsAnswer is the envelope of GET /trackings.
type trackingsAnswer struct {
	Data struct {
		Trackings []Tracking `json:"trackings"`
	} `json:"data"`
}

// errorAnswer is the envelope of an AfterShip error: meta.code is
// AfterShip's own (4004 "Tracking does not exist"), meta.type its name.
type errorAnswer struct {
	Meta struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"meta"`
}

// Track looks the tracking number up with GET /trackings?tracking_numbers=,
// narrowed to the carrier's slug when a carrier is given (lower-cased, see
// track.CarrierCode), and returns the same events, with the same ids, as
// AfterShip's webhook for that tracking. A number AfterShip does not track
// is a *track.PermanentError wrapping track.ErrNotFound.
//
// GET /trackings searches trackings created in the last 30 days unless
// told otherwise; a parcel still moving after that is rare enough that the
// default is kept rather than guessing at a created_at_min AfterShip may
// refuse.
func (c *Client) Track(ctx context.Context, carrier, trackingNumber string) (track.Result, error) {
	tn := strings.TrimSpace(trackingNumber)
	if tn == "" {
		return track.Result{}, &track.PermanentError{Err: errors.New("aftership: no tracking number")}
	}
	q := url.Values{"tracking_numbers": {tn}}
	slug := track.CarrierCode(carrier)
	if slug != "" {
		q.Set("slug", slug)
	}
	req, err := track.NewRequest(ctx, http.MethodGet, c.base+"/tracking/"+APIVersion+"/trackings?"+q.Encode(), nil)
	if err != nil {
		return track.Result{}, fmt.Errorf("aftership: %w", err)
	}
	req.Header.Set("as-api-key", c.key)
	body, err := track.Do(c.hc, req, "aftership", parseError)
	if err != nil {
		return track.Result{}, err
	}
	var a trackingsAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return track.Result{}, fmt.Errorf("aftership: decoding trackings: %w", err)
	}
	t := pick(a.Data.Trackings, tn, slug)
	if t == nil {
		return track.Result{}, &track.PermanentError{Err: fmt.Errorf("aftership: %w: %q (slug %q)", track.ErrNotFound, tn, slug)}
	}
	if len(t.Checkpoints) == 0 && strings.TrimSpace(t.UpdatedAt) == "" {
		return track.Result{}, nil // AfterShip knows the number and nothing else yet
	}
	events, err := t.Events()
	if err != nil {
		return track.Result{}, fmt.Errorf("aftership: tracking %q: %w", tn, err)
	}
	return track.Result{Events: events, ETA: events[len(events)-1].EstimatedDelivery}, nil
}

// pick is the tracking for tn among those AfterShip found, of slug when
// one is asked for. AfterShip may hold the same number under several
// carriers; with no slug to choose by, the first (the newest) is taken.
func pick(ts []Tracking, tn, slug string) *Tracking {
	key := order.TrackingKey(tn)
	for i := range ts {
		if order.TrackingKey(ts[i].TrackingNumber) != key {
			continue
		}
		if slug != "" && track.CarrierCode(ts[i].Slug) != slug {
			continue
		}
		return &ts[i]
	}
	return nil
}

func parseError(body []byte) (code, message string) {
	var e errorAnswer
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	code = e.Meta.Type
	if e.Meta.Code >= 1000 { // AfterShip's own codes, such as 4004; smaller ones repeat the HTTP status
		code = strings.TrimSpace(strconv.Itoa(e.Meta.Code) + " " + code)
	}
	return code, e.Meta.Message
}

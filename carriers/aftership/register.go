package aftership

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/track"
)

// Provider is AfterShip's name among the tracking providers.
const Provider = "aftership"

// AfterShip's own error codes (meta.code) that registration acts on (docs: Tracking API,
// "Request Errors").
const (
	codeTrackingExists = 4003 // Tracking already exists.
	// Codes that say AfterShip will not track this number under this slug: the number or the
	// slug is invalid, the courier needs fields shipflow does not have, or it cannot detect
	// one. Another provider may do better.
	codeNumberInvalid   = 4005
	codeSlugInvalid     = 4010
	codeFieldsRequired  = 4011
	codeCannotDetect    = 4012
	codeNumberFormatBad = 4017
)

// createRequest is the body of POST /trackings in API 2024-04 and later: the tracking's
// fields at the top level (earlier versions wrapped them in "tracking").
//
// ShipDate is one of AfterShip's "additional tracking fields", the day the parcel was sent
// as YYYYMMDD: a courier that lists it among its required_fields (deutsch-post) is refused
// without it (4011); for the others it is an optional field of the create request. It is
// sent whenever the ship date is known, so the request does not depend on a list of which
// courier needs it that AfterShip may change.
type createRequest struct {
	TrackingNumber string `json:"tracking_number"`
	Slug           string `json:"slug,omitempty"`
	ShipDate       string `json:"tracking_ship_date,omitempty"`
}

// shipDateLayout is AfterShip's format of tracking_ship_date.
const shipDateLayout = "20060102"

// detectRequest is the body of POST /couriers/detect.
type detectRequest struct {
	TrackingNumber string `json:"tracking_number"`
}

// envelope is AfterShip's answer: meta, and the data of the call.
type envelope[T any] struct {
	Meta struct {
		Code int `json:"code"`
	} `json:"meta"`
	Data T `json:"data"`
}

type createdTracking struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

type detected struct {
	Total    int `json:"total"`
	Couriers []struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"couriers"`
}

// Provider implements track.Registrar.
func (c *Client) Provider() string { return Provider }

// Register creates an AfterShip tracking for the parcel (POST /trackings), under the
// carrier table's slug for c. A carrier the table gives no AfterShip slug for is detected
// first (POST /couriers/detect) among the couriers the account has activated, and the first
// courier detected is used; none detected is a refusal. "Tracking already exists" (4003) is
// success: the merchant's store integration may have created it first. Creating a tracking
// counts towards the AfterShip plan, which is why it is done once per parcel, here, and
// never by the poller. The ship date goes with it when known (createRequest).
func (c *Client) Register(ctx context.Context, cr carrier.Carrier, p track.Parcel) (track.Registration, error) {
	tn := strings.TrimSpace(p.TrackingNumber)
	if tn == "" {
		return track.Registration{}, track.Refused(errors.New("aftership: no tracking number"))
	}
	slug := cr.AfterShip
	if slug == "" {
		var err error
		if slug, err = c.detect(ctx, tn); err != nil {
			return track.Registration{}, err
		}
	}
	req := createRequest{TrackingNumber: tn, Slug: slug}
	if !p.ShippedAt.IsZero() {
		req.ShipDate = p.ShippedAt.Format(shipDateLayout)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return track.Registration{}, fmt.Errorf("aftership: %w", err)
	}
	answer, err := c.post(ctx, "/trackings", body)
	reg := track.Registration{Provider: Provider, CarrierCode: slug}
	var apiErr *track.APIError
	switch {
	case errors.As(err, &apiErr) && metaCode(apiErr) == codeTrackingExists:
		reg.Existing = true
		return reg, nil
	case err != nil:
		return track.Registration{}, refusal(err)
	}
	var e envelope[createdTracking]
	if err := json.Unmarshal(answer, &e); err != nil {
		return track.Registration{}, fmt.Errorf("aftership: decoding created tracking: %w", err)
	}
	reg.ID = e.Data.ID
	if e.Data.Slug != "" {
		reg.CarrierCode = e.Data.Slug
	}
	return reg, nil
}

// detect is the slug AfterShip detects for tn.
func (c *Client) detect(ctx context.Context, tn string) (string, error) {
	body, err := json.Marshal(detectRequest{TrackingNumber: tn})
	if err != nil {
		return "", fmt.Errorf("aftership: %w", err)
	}
	answer, err := c.post(ctx, "/couriers/detect", body)
	if err != nil {
		return "", refusal(err)
	}
	var e envelope[detected]
	if err := json.Unmarshal(answer, &e); err != nil {
		return "", fmt.Errorf("aftership: decoding detected couriers: %w", err)
	}
	for _, c := range e.Data.Couriers {
		if s := strings.TrimSpace(c.Slug); s != "" {
			return s, nil
		}
	}
	return "", track.Refused(fmt.Errorf("aftership: no courier detected for %q", tn))
}

func (c *Client) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	req, err := track.NewRequest(ctx, http.MethodPost, c.base+"/tracking/"+APIVersion+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("aftership: %w", err)
	}
	req.Header.Set("as-api-key", c.key)
	return track.Do(c.hc, req, Provider, parseError)
}

// refusal turns the codes that say "not this parcel" into track.Refused; other errors keep
// their class (a rejected key, a 429, a 5xx).
func refusal(err error) error {
	var apiErr *track.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest && apiErr.Status != http.StatusUnprocessableEntity {
		return err
	}
	switch metaCode(apiErr) {
	case codeNumberInvalid, codeSlugInvalid, codeFieldsRequired, codeCannotDetect, codeNumberFormatBad:
		return track.Refused(apiErr)
	}
	return err
}

// metaCode is AfterShip's meta.code in an error parseError read, 0 when there is none.
func metaCode(e *track.APIError) int {
	code, _, _ := strings.Cut(e.Code, " ")
	n, _ := strconv.Atoi(code)
	return n
}

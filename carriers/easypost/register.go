package easypost

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/track"
)

// Provider is EasyPost's name among the tracking providers.
const Provider = "easypost"

// created is the part of the Tracker registration reads.
type created struct {
	ID      string `json:"id"`
	Carrier string `json:"carrier"`
}

// Provider implements track.Registrar.
func (c *Client) Provider() string { return Provider }

// Register creates an EasyPost Tracker for the parcel (POST /v2/trackers), under the carrier
// table's EasyPost carrier for c, or with no carrier (EasyPost detects one) when the table
// has none. EasyPost answers a create for a code it already tracks with the existing
// Tracker, so registering twice is harmless; from then on EasyPost sends tracker.updated
// webhooks for it. A code EasyPost cannot match to a carrier it supports (422 TRACKER.*, or
// a PARAMETER.* refusal of the carrier) is a refusal.
func (c *Client) Register(ctx context.Context, cr carrier.Carrier, p track.Parcel) (track.Registration, error) {
	code := strings.TrimSpace(p.TrackingNumber)
	if code == "" {
		return track.Registration{}, track.Refused(errors.New("easypost: no tracking number"))
	}
	answer, err := c.createTracker(ctx, code, cr.EasyPost)
	if err != nil {
		return track.Registration{}, refusal(err)
	}
	var t created
	if err := json.Unmarshal(answer, &t); err != nil {
		return track.Registration{}, fmt.Errorf("easypost: decoding tracker: %w", err)
	}
	return track.Registration{Provider: Provider, CarrierCode: cmp.Or(t.Carrier, cr.EasyPost), ID: t.ID}, nil
}

// refusal turns EasyPost's refusals of a code or carrier into track.Refused; a duplicate
// create in flight stays retryable (refusedCode).
func refusal(err error) error {
	apiErr, inFlight := refusedCode(err)
	switch {
	case inFlight:
		return apiErr
	case apiErr != nil && (strings.HasPrefix(apiErr.Code, "TRACKER.") || strings.HasPrefix(apiErr.Code, "PARAMETER.")):
		return track.Refused(apiErr)
	}
	return err
}

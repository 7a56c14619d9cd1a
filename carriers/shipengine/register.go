package shipengine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/track"
)

// Provider is ShipEngine's name among the tracking providers.
const Provider = "shipengine"

// Provider implements track.Registrar.
func (c *Client) Provider() string { return Provider }

// Register starts tracking the parcel (POST /v1/tracking/start?carrier_code=&tracking_number=,
// answered 204 with no body), which subscribes the account's tracking webhooks to it: without
// it ShipEngine pushes only for labels bought through it. Starting a parcel already started
// is answered the same way. ShipEngine detects no carrier, so a carrier the table gives no
// ShipEngine code for is refused without asking; so is a 400 or 404 about the carrier or the
// number (a carrier not connected to the account, say).
func (c *Client) Register(ctx context.Context, cr carrier.Carrier, p track.Parcel) (track.Registration, error) {
	tn := strings.TrimSpace(p.TrackingNumber)
	code := cr.ShipEngine
	switch {
	case tn == "":
		return track.Registration{}, track.Refused(errors.New("shipengine: no tracking number"))
	case code == "":
		return track.Registration{}, track.Refused(fmt.Errorf("shipengine: no ShipEngine carrier_code for carrier %q", cr.Name))
	}
	q := url.Values{"carrier_code": {code}, "tracking_number": {tn}}
	req, err := track.NewRequest(ctx, http.MethodPost, c.base+"/v1/tracking/start?"+q.Encode(), nil)
	if err != nil {
		return track.Registration{}, fmt.Errorf("shipengine: %w", err)
	}
	req.Header.Set("API-Key", c.key)
	if _, err := track.Do(c.hc, req, Provider, parseError); err != nil {
		var apiErr *track.APIError
		if errors.As(err, &apiErr) && (apiErr.Status == http.StatusBadRequest || apiErr.Status == http.StatusNotFound) {
			return track.Registration{}, track.Refused(apiErr)
		}
		return track.Registration{}, err
	}
	return track.Registration{Provider: Provider, CarrierCode: code}, nil
}

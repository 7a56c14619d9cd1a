package aftership_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func TestRegister(t *testing.T) {
	dpd, ok := carrier.Builtin().Lookup("DPD")
	if !ok {
		t.Fatal("DPD is not in the carrier table")
	}
	tracktest.TestRegistrar(t, tracktest.AfterShip, dpd, func(url, key string, hc *http.Client) track.Registrar {
		return aftership.New(aftership.Config{APIKey: key, URL: url}, hc)
	})
}

// TestRegisterShipDate checks the ship date AfterShip lists among deutsch-post's required
// fields: sent as tracking_ship_date (YYYYMMDD, the date in the zone the time is given in), and
// without it AfterShip refuses the tracking (4011), a refusal the next provider may take.
func TestRegisterShipDate(t *testing.T) {
	post, ok := carrier.Builtin().Lookup("Deutsche Post")
	if !ok || post.AfterShip != "deutsch-post" {
		t.Fatalf("Deutsche Post in the carrier table: %+v, %v", post, ok)
	}
	ctx := context.Background()
	berlin := time.FixedZone("CEST", 2*3600)
	shipped := time.Date(2026, 5, 22, 0, 30, 0, 0, berlin) // still the 21st in UTC
	s := tracktest.New(t, tracktest.AfterShip)
	c := aftership.New(aftership.Config{APIKey: s.APIKey(), URL: s.URL()}, nil)

	const dated, undated = "00340434161234567890", "00340434161234567891"
	for _, tn := range []string{dated, undated} {
		s.SetCarrierEvents(tn, tracktest.Journey(shipped)...)
	}
	reg, err := c.Register(ctx, post, track.Parcel{TrackingNumber: dated, ShippedAt: shipped})
	if err != nil || reg.CarrierCode != "deutsch-post" {
		t.Fatalf("Register with the ship date: %+v, %v", reg, err)
	}
	if got := s.ShipDate(dated); got != "20260522" {
		t.Errorf("tracking_ship_date %q, want 20260522", got)
	}

	_, err = c.Register(ctx, post, track.Parcel{TrackingNumber: undated})
	var apiErr *track.APIError
	if !errors.Is(err, track.ErrRefused) || !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.Code, "4011") {
		t.Errorf("Register without the ship date: %v; want AfterShip's 4011 refusal", err)
	}
	if _, ok := s.Registered(undated); ok {
		t.Error("registered without the ship date")
	}

	// A courier that does not need it takes it too, so it is always sent when known.
	dpd, _ := carrier.Builtin().Lookup("DPD")
	if _, err := c.Register(ctx, dpd, track.Parcel{TrackingNumber: "05222267681234", ShippedAt: shipped}); err != nil {
		t.Errorf("DPD with a ship date: %v", err)
	}
}

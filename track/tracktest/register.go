package tracktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/track"
)

// NewRegistrar builds the Registrar under test for a stand-in's URL and an
// API key, with hc as its HTTP client (nil for the default).
type NewRegistrar func(url, apiKey string, hc *http.Client) track.Registrar

// TestRegistrar checks that a Registrar for provider p registers a parcel
// the way the provider documents it and classifies every answer as
// track.Registrar promises: created, already registered (success again),
// a carrier the provider refuses (permanent, track.ErrRefused), a rejected
// key (permanent, track.ErrUnauthorized, the key never shown), a 429 (a
// *track.RateLimitError) and a 5xx (retryable). c is a carrier the table
// knows, with p's code for it.
func TestRegistrar(t *testing.T, p Provider, c carrier.Carrier, newRegistrar NewRegistrar) {
	ctx := context.Background()
	const tn = "05222267681234"
	start := time.Now().UTC().Add(-2 * time.Hour)
	code := map[Provider]string{AfterShip: c.AfterShip, EasyPost: c.EasyPost, ShipEngine: c.ShipEngine}[p]
	if code == "" {
		t.Fatalf("carrier %s has no %s code", c.Code, p)
	}
	// sent is the parcel as the order knows it: its number and the time it was handed over.
	sent := func(tn string) track.Parcel { return track.Parcel{TrackingNumber: tn, ShippedAt: start} }
	s := New(t, p)
	s.SetCarrierEvents(tn, Journey(start)...)
	rg := newRegistrar(s.URL(), s.APIKey(), nil)
	if rg.Provider() != string(p) {
		t.Errorf("Provider() = %q, want %q", rg.Provider(), p)
	}

	t.Run("created", func(t *testing.T) {
		if s.Webhook(tn) != nil {
			t.Fatal("the stand-in pushes a parcel nobody registered")
		}
		reg, err := rg.Register(ctx, c, sent(tn))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if reg.Provider != string(p) || !strings.EqualFold(reg.CarrierCode, code) || reg.Existing {
			t.Errorf("registration %+v, want provider %s, carrier %s, new", reg, p, code)
		}
		if got, ok := s.Registered(tn); !ok || !strings.EqualFold(got, code) {
			t.Errorf("the provider has it under %q (%v), want %q", got, ok, code)
		}
		if s.Webhook(tn) == nil {
			t.Error("no push for the registered parcel")
		}
	})
	t.Run("already registered", func(t *testing.T) {
		reg, err := rg.Register(ctx, c, sent(" "+tn+" "))
		if err != nil {
			t.Fatalf("second Register: %v", err)
		}
		if reg.Provider != string(p) || !strings.EqualFold(reg.CarrierCode, code) {
			t.Errorf("registration %+v", reg)
		}
		if p == AfterShip && !reg.Existing {
			t.Error("AfterShip said the tracking exists; Existing is false")
		}
		if n := s.Registrations(tn); n != 2 {
			t.Errorf("%d registrations accepted, want 2", n)
		}
	})
	t.Run("carrier the table does not know", func(t *testing.T) {
		const fresh = "05222267685555"
		s.SetCarrierEvents(fresh, Journey(start)...)
		reg, err := rg.Register(ctx, carrier.Carrier{Name: "Parcel Co"}, sent(fresh))
		if p == ShipEngine { // ShipEngine detects no carrier
			if !track.IsPermanent(err) || !errors.Is(err, track.ErrRefused) {
				t.Errorf("error %v: want a refusal", err)
			}
			if s.Requests(fresh) != 0 {
				t.Error("asked ShipEngine without a carrier code")
			}
			return
		}
		if err != nil || reg.Provider != string(p) {
			t.Fatalf("Register: %+v, %v; want the provider to detect the carrier", reg, err)
		}
		if _, ok := s.Registered(fresh); !ok {
			t.Error("not registered")
		}
	})
	t.Run("refused carrier", func(t *testing.T) {
		other := New(t, p)
		other.SetCarrierEvents(tn, Journey(start)...)
		other.Unsupported(code)
		_, err := newRegistrar(other.URL(), other.APIKey(), nil).Register(ctx, c, sent(tn))
		if !track.IsPermanent(err) || !errors.Is(err, track.ErrRefused) {
			t.Errorf("error %v (%T): want permanent, wrapping ErrRefused", err, err)
		}
		if _, ok := other.Registered(tn); ok {
			t.Error("registered although refused")
		}
	})
	t.Run("number no carrier knows", func(t *testing.T) {
		reg, err := rg.Register(ctx, c, sent("NOSUCHPARCEL000"))
		if p == EasyPost {
			if !track.IsPermanent(err) || !errors.Is(err, track.ErrRefused) {
				t.Errorf("error %v: want a refusal", err)
			}
			return
		}
		// AfterShip and ShipEngine take a number with a known carrier before the carrier has
		// scanned it: a parcel is registered as it ships, often before its first scan.
		if err != nil || reg.Provider != string(p) {
			t.Errorf("Register: %+v, %v; want it taken", reg, err)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		const wrong = "sk_live_wrong_key_0123456789"
		_, err := newRegistrar(s.URL(), wrong, nil).Register(ctx, c, sent(tn))
		if !track.IsPermanent(err) || !errors.Is(err, track.ErrUnauthorized) || errors.Is(err, track.ErrRefused) {
			t.Errorf("error %v (%T): want permanent, wrapping ErrUnauthorized", err, err)
		}
		if err != nil && (strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), s.APIKey())) {
			t.Errorf("error %q shows the API key", err)
		}
	})
	t.Run("429", func(t *testing.T) {
		s.RateLimitNext(1, "7")
		_, err := rg.Register(ctx, c, sent(tn))
		var rl *track.RateLimitError
		if !errors.As(err, &rl) || track.IsPermanent(err) || rl.RetryAfter != 7*time.Second {
			t.Errorf("error %v (%T): want a *track.RateLimitError of 7s", err, err)
		}
	})
	t.Run("5xx", func(t *testing.T) {
		s.FailNext(1, http.StatusServiceUnavailable)
		_, err := rg.Register(ctx, c, sent(tn))
		var rl *track.RateLimitError
		if err == nil || track.IsPermanent(err) || errors.As(err, &rl) {
			t.Errorf("error %v (%T): want a plain retryable error", err, err)
		}
		if _, err := rg.Register(ctx, c, sent(tn)); err != nil {
			t.Errorf("the call after the failure: %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		gone := New(t, p)
		gone.Close()
		_, err := newRegistrar(gone.URL(), gone.APIKey(), nil).Register(ctx, c, sent(tn))
		if err == nil || track.IsPermanent(err) {
			t.Errorf("error %v: want retryable", err)
		}
	})
}

package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// scripted is a Registrar that answers err, or accepts, and remembers what it was asked.
type scripted struct {
	name    string
	err     error
	asked   []carrier.Carrier
	parcels []track.Parcel
}

func (s *scripted) Provider() string { return s.name }

func (s *scripted) Register(_ context.Context, c carrier.Carrier, p track.Parcel) (track.Registration, error) {
	s.asked = append(s.asked, c)
	s.parcels = append(s.parcels, p)
	if s.err != nil {
		return track.Registration{}, s.err
	}
	return track.Registration{Provider: s.name, CarrierCode: c.EasyPost}, nil
}

// TestRegisterShipment checks the order providers are tried in, and what each kind of answer
// does: a refusal or a rejected key moves on, a provider that cannot answer now fails the
// attempt for Temporal to retry, and a carrier with its own tracking API needs nobody.
func TestRegisterShipment(t *testing.T) {
	refused := track.Refused(&track.APIError{Provider: "aftership", Status: 400, Code: "4010 BadRequest", Message: "The value of slug is invalid."})
	badKey := &track.PermanentError{Err: &track.APIError{Provider: "shipengine", Status: 401}}
	req := RegisterRequest{OrderID: "o1", ShipmentID: "S1", Carrier: "dpd", TrackingNumber: "TN1"}
	ctx := context.Background()

	t.Run("refused, then accepted", func(t *testing.T) {
		first, second, third := &scripted{name: "aftership", err: refused}, &scripted{name: "easypost"}, &scripted{name: "shipengine"}
		a := &Activities{Registrars: []track.Registrar{first, second, third}, Carriers: carrier.Builtin()}
		reg, err := a.RegisterShipment(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if reg.Status != order.RegistrationRegistered || reg.Provider != "easypost" || reg.CarrierCode != "DPD" || reg.At.IsZero() {
			t.Errorf("registration %+v", reg)
		}
		if len(reg.Refusals) != 1 || reg.Refusals[0].Provider != "aftership" || reg.Refusals[0].Reason == "" {
			t.Errorf("refusals %+v", reg.Refusals)
		}
		if len(third.asked) != 0 {
			t.Error("asked the third provider after the second accepted")
		}
		if c := first.asked[0]; c.Code != "dpd" || c.AfterShip == "" {
			t.Errorf("the carrier was not looked up in the table: %+v", c)
		}
	})
	t.Run("every provider refuses", func(t *testing.T) {
		a := &Activities{Registrars: []track.Registrar{&scripted{name: "aftership", err: refused}, &scripted{name: "shipengine", err: badKey}}}
		reg, err := a.RegisterShipment(ctx, req)
		if err != nil || reg.Status != order.RegistrationRefused || reg.Reason == "" || len(reg.Refusals) != 2 {
			t.Errorf("registration %+v, %v", reg, err)
		}
	})
	t.Run("a carrier the table does not know goes by its name", func(t *testing.T) {
		s := &scripted{name: "aftership"}
		a := &Activities{Registrars: []track.Registrar{s}, Carriers: carrier.Builtin()}
		r := req
		r.Carrier = " Parcel Co "
		if _, err := a.RegisterShipment(ctx, r); err != nil {
			t.Fatal(err)
		}
		if c := s.asked[0]; c.Code != "" || c.Name != "Parcel Co" {
			t.Errorf("asked with %+v", c)
		}
	})
	t.Run("the ship date goes with the parcel", func(t *testing.T) {
		// 22:30 UTC is already the 23rd at a Vilnius merchant's, the day the parcel left.
		shipped := time.Date(2026, 5, 22, 22, 30, 0, 0, time.UTC)
		vilnius, err := time.LoadLocation("Europe/Vilnius")
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []*time.Time{&shipped, nil} { // nil: a request recorded before it was sent
			s := &scripted{name: "aftership"}
			a := &Activities{Registrars: []track.Registrar{s}, Carriers: carrier.Builtin(), Estimates: &estimate.Rules{Zone: vilnius}}
			r := req
			r.ShippedAt = at
			if _, err := a.RegisterShipment(ctx, r); err != nil {
				t.Fatal(err)
			}
			p := s.parcels[0]
			switch {
			case p.TrackingNumber != "TN1":
				t.Errorf("asked with %+v", p)
			case at == nil && !p.ShippedAt.IsZero():
				t.Errorf("a ship date %s from nowhere", p.ShippedAt)
			case at != nil && (!p.ShippedAt.Equal(shipped) || p.ShippedAt.Format(time.DateOnly) != "2026-05-23"):
				t.Errorf("shipped %s, want %s on the merchant's 23rd", p.ShippedAt, shipped)
			}
		}
	})
	t.Run("unavailable now", func(t *testing.T) {
		later := &scripted{name: "easypost"}
		for name, err := range map[string]error{
			"5xx": &track.APIError{Provider: "aftership", Status: 503},
			"429": &track.RateLimitError{RetryAfter: 7 * time.Second, Err: errors.New("429")},
		} {
			a := &Activities{Registrars: []track.Registrar{&scripted{name: "aftership", err: err}, later}}
			_, got := a.RegisterShipment(ctx, req)
			var app *temporal.ApplicationError
			if !errors.As(got, &app) || app.NonRetryable() {
				t.Errorf("%s: %v, want a retryable application error", name, got)
			}
			if name == "429" && app != nil && app.NextRetryDelay() != 7*time.Second {
				t.Errorf("429: next retry in %s, want the provider's 7s", app.NextRetryDelay())
			}
		}
		if len(later.asked) != 0 {
			t.Error("moved on to the next provider because the first was slow")
		}
	})
	t.Run("carrier with its own API", func(t *testing.T) {
		s := &scripted{name: "aftership"}
		a := &Activities{Registrars: []track.Registrar{s}, Tracker: &track.Router{ByCarrier: map[string]track.Tracker{"sim": nil, "dpd": fakeTracker{}}}}
		reg, err := a.RegisterShipment(ctx, req)
		if err != nil || reg.Status != order.RegistrationNotNeeded || len(s.asked) != 0 {
			t.Errorf("registration %+v, %v, %d asked", reg, err, len(s.asked))
		}
	})
	t.Run("no provider on the worker", func(t *testing.T) {
		reg, err := (&Activities{}).RegisterShipment(ctx, req)
		if err != nil || reg.Status != order.RegistrationFailed || reg.Reason == "" {
			t.Errorf("registration %+v, %v", reg, err)
		}
	})
}

type fakeTracker struct{}

func (fakeTracker) Track(context.Context, string, string) (track.Result, error) {
	return track.Result{}, nil
}

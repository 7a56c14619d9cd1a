package track_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// named is a Tracker that answers with its name as the event id.
type named struct {
	name     string
	interval time.Duration
	carrier  *string
}

func (n named) Track(_ context.Context, carrier, tn string) (track.Result, error) {
	if n.carrier != nil {
		*n.carrier = carrier
	}
	return track.Result{Events: []order.TrackingEvent{{ID: n.name, TrackingNumber: tn}}}, nil
}

// paced is a named Tracker that states its polling floor.
type paced struct{ named }

func (p paced) MinInterval() time.Duration { return p.interval }

func TestRouter(t *testing.T) {
	var asked string
	r := &track.Router{
		Default: paced{named{name: "aggregator", interval: 20 * time.Second}},
		ByCarrier: map[string]track.Tracker{
			"sim": paced{named{name: "sim", interval: time.Second, carrier: &asked}},
			"ups": named{name: "ups"},
		},
	}
	for _, tc := range []struct {
		carrier, want string
		interval      time.Duration
	}{
		{"sim", "sim", time.Second},
		{" SIM ", "sim", time.Second},
		{"UPS", "ups", track.DefaultMinInterval}, // says no floor of its own
		{"DPD", "aggregator", 20 * time.Second},
		{"", "aggregator", 20 * time.Second},
	} {
		res, err := r.Track(context.Background(), tc.carrier, "SIM-smooth-1")
		if err != nil || len(res.Events) != 1 || res.Events[0].ID != tc.want {
			t.Errorf("Track(%q) = %+v, %v; want %s's answer", tc.carrier, res, err, tc.want)
		}
		if got := r.MinInterval(tc.carrier); got != tc.interval {
			t.Errorf("MinInterval(%q) = %s, want %s", tc.carrier, got, tc.interval)
		}
	}
	if _, _ = r.Track(context.Background(), " SIM ", "x"); asked != " SIM " {
		t.Errorf("the tracker was asked for carrier %q, want the name as given", asked)
	}
}

func TestRouterNoTracker(t *testing.T) {
	r := &track.Router{ByCarrier: map[string]track.Tracker{"sim": named{name: "sim"}}}
	_, err := r.Track(context.Background(), "DPD", "1")
	if !track.IsPermanent(err) || !strings.Contains(err.Error(), `no tracking API configured for carrier "DPD"`) {
		t.Errorf("error %v: want permanent, naming the carrier", err)
	}
	var zero track.Router
	if _, err := zero.Track(context.Background(), "sim", "1"); !track.IsPermanent(err) {
		t.Errorf("zero Router: error %v, want permanent", err)
	}
	if got := zero.MinInterval("sim"); got != track.DefaultMinInterval {
		t.Errorf("zero Router MinInterval = %s", got)
	}
	var p *track.PermanentError
	if !errors.As(err, &p) {
		t.Errorf("error %T is not a *track.PermanentError", err)
	}
}

func TestCarrierCode(t *testing.T) {
	for in, want := range map[string]string{"DPD": "dpd", " UPS\t": "ups", "royal-mail": "royal-mail", "": ""} {
		if got := track.CarrierCode(in); got != want {
			t.Errorf("CarrierCode(%q) = %q, want %q", in, got, want)
		}
	}
}

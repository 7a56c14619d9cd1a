package shipengine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func newClient(url, key string, hc *http.Client) track.Tracker {
	return shipengine.New(shipengine.Config{APIKey: key, URL: url}, hc)
}

func TestClient(t *testing.T) {
	tracktest.TestTracker(t, tracktest.ShipEngine, "DPD", newClient)
}

// TestPollMatchesWebhook checks that polled tracking information gives the
// very events, ids included, that ShipEngine's API_TRACK webhook gives for
// the same information.
func TestPollMatchesWebhook(t *testing.T) {
	s := tracktest.New(t, tracktest.ShipEngine)
	const tn = "05222267681234"
	start := time.Date(2026, 5, 5, 6, 0, 0, 0, time.UTC)
	s.SetEvents(tn, tracktest.Journey(start)...)
	s.SetETA(tn, start.Add(30*time.Hour))

	res, err := newClient(s.URL(), s.APIKey(), nil).Track(context.Background(), " DPD ", tn)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	body := []byte(`{"resource_url":"https://api.shipengine.com/v1/tracking?carrier_code=dpd&tracking_number=` + tn +
		`","resource_type":"API_TRACK","data":` + string(s.TrackingObject(tn, "dpd")) + `}`)
	d, err := shipengine.ParseWebhook(body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	if !reflect.DeepEqual(res.Events, d.Tracking) {
		t.Errorf("poll and webhook differ:\n poll    %+v\n webhook %+v", res.Events, d.Tracking)
	}
	for _, e := range res.Events {
		if e.Carrier != "dpd" || e.Source != "shipengine" {
			t.Errorf("event carrier %q source %q, want dpd from shipengine", e.Carrier, e.Source)
		}
	}
}

// TestNoCarrier checks that a parcel without a carrier is refused for good
// without a request: ShipEngine cannot track without a carrier code.
func TestNoCarrier(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	_, err := newClient(srv.URL, "k", nil).Track(context.Background(), " ", "1Z999")
	if !track.IsPermanent(err) || calls.Load() != 0 {
		t.Errorf("error %v after %d calls: want permanent, no call", err, calls.Load())
	}
}

// TestCarrierInResponse checks that an answer without carrier_code takes
// the carrier asked for, as the webhook takes it from its resource URL.
func TestCarrierInResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("carrier_code"); got != "ups" {
			t.Errorf("carrier_code %q, want ups", got)
		}
		_, _ = w.Write([]byte(`{"tracking_number":"1Z999","status_code":"NY","ship_date":"2026-05-05T00:00:00","events":[]}`))
	}))
	defer srv.Close()
	res, err := newClient(srv.URL, "k", nil).Track(context.Background(), "UPS", "1Z999")
	if err != nil || len(res.Events) != 1 || res.Events[0].Carrier != "ups" {
		t.Errorf("Track = %+v, %v; want one event of carrier ups", res, err)
	}
}

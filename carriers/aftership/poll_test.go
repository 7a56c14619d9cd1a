package aftership_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func newClient(url, key string, hc *http.Client) track.Tracker {
	return aftership.New(aftership.Config{APIKey: key, URL: url}, hc)
}

func TestClient(t *testing.T) {
	tracktest.TestTracker(t, tracktest.AfterShip, "DPD", newClient)
}

// TestPollMatchesWebhook checks that a polled tracking gives the very events,
// ids included, that AfterShip's webhook gives for the same tracking object.
func TestPollMatchesWebhook(t *testing.T) {
	s := tracktest.New(t, tracktest.AfterShip)
	const tn = "05222267681234"
	start := time.Date(2026, 5, 5, 6, 0, 0, 0, time.UTC)
	s.SetEvents(tn, tracktest.Journey(start)...)
	s.SetETA(tn, start.Add(30*time.Hour))

	res, err := newClient(s.URL(), s.APIKey(), nil).Track(context.Background(), " DPD ", tn)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	body := []byte(`{"event":"tracking_update","event_id":"e1","msg":` + string(s.TrackingObject(tn, "dpd")) + `}`)
	d, err := aftership.ParseWebhook(body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	if !reflect.DeepEqual(res.Events, d.Tracking) {
		t.Errorf("poll and webhook differ:\n poll    %+v\n webhook %+v", res.Events, d.Tracking)
	}
	for _, e := range res.Events {
		if e.Carrier != "dpd" || e.Source != "aftership" {
			t.Errorf("event carrier %q source %q, want dpd from aftership", e.Carrier, e.Source)
		}
	}
}

// TestCarrierSlug checks that the carrier narrows the search to its slug,
// so a number AfterShip tracks under another carrier is not mistaken for it.
func TestCarrierSlug(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	srv := fakeAfterShip(t, func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.URL.Query().Get("slug"))
	})
	c := newClient(srv, "k", nil)
	_, _ = c.Track(context.Background(), " UPS ", "1Z999")
	_, _ = c.Track(context.Background(), "", "1Z999")
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(got, []string{"ups", ""}) {
		t.Errorf("slug filters %q, want [ups, none]", got)
	}
}

// fakeAfterShip is a bare server that records each request and answers with
// no trackings.
func fakeAfterShip(t *testing.T, record func(*http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"meta":{"code":200},"data":{"trackings":[]}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

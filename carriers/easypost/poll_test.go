package easypost_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func newClient(url, key string, hc *http.Client) track.Tracker {
	return easypost.New(easypost.Config{APIKey: key, URL: url}, hc)
}

func TestClient(t *testing.T) {
	tracktest.TestTracker(t, tracktest.EasyPost, "DPD", newClient)
}

// TestPollMatchesWebhook checks that a polled Tracker gives the very events,
// ids included, that EasyPost's webhook gives for the same Tracker.
func TestPollMatchesWebhook(t *testing.T) {
	s := tracktest.New(t, tracktest.EasyPost)
	const tn = "05222267681234"
	start := time.Date(2026, 5, 5, 6, 0, 0, 0, time.UTC)
	s.SetEvents(tn, tracktest.Journey(start)...)
	s.SetETA(tn, start.Add(30*time.Hour))

	res, err := newClient(s.URL(), s.APIKey(), nil).Track(context.Background(), " DPD ", tn)
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	body := []byte(`{"id":"evt_1","object":"Event","description":"tracker.updated","result":` + string(s.TrackingObject(tn, "DPD")) + `}`)
	d, err := easypost.ParseWebhook(body)
	if err != nil {
		t.Fatalf("ParseWebhook: %v", err)
	}
	if !reflect.DeepEqual(res.Events, d.Tracking) {
		t.Errorf("poll and webhook differ:\n poll    %+v\n webhook %+v", res.Events, d.Tracking)
	}
	for _, e := range res.Events {
		if e.Carrier != "DPD" || e.Source != "easypost" {
			t.Errorf("event carrier %q source %q, want DPD from easypost", e.Carrier, e.Source)
		}
	}
}

// TestCreateRequest checks the tracker create EasyPost is sent: the code and
// the carrier as the merchant wrote it, trimmed, or no carrier at all so
// that EasyPost detects it.
func TestCreateRequest(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []map[string]map[string]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"object":"Tracker","tracking_code":"EZ1","status":"unknown","tracking_details":[]}`))
	}))
	defer srv.Close()
	c := newClient(srv.URL, "k", nil)
	for _, carrier := range []string{" FedEx ", ""} {
		res, err := c.Track(context.Background(), carrier, " EZ1 ")
		if err != nil || len(res.Events) != 0 {
			t.Errorf("Track(%q) = %+v, %v; want nothing yet", carrier, res, err)
		}
	}
	want := []map[string]map[string]string{
		{"tracker": {"tracking_code": "EZ1", "carrier": "FedEx"}},
		{"tracker": {"tracking_code": "EZ1"}},
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(bodies, want) {
		t.Errorf("bodies %v, want %v", bodies, want)
	}
}

// TestInFlight checks that EasyPost's "duplicate request in-flight" refusal,
// a 422 like an unknown code, is retried rather than taken as final.
func TestInFlight(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"error":{"code":"TRACKER.CREATE.ERROR","message":"A duplicate request is currently in-flight","errors":[]}}`))
	}))
	defer srv.Close()
	_, err := newClient(srv.URL, "k", nil).Track(context.Background(), "USPS", "EZ1")
	if err == nil || track.IsPermanent(err) {
		t.Errorf("error %v: want retryable", err)
	}
}

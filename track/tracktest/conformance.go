package tracktest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/track"
)

// NewTracker builds the Tracker under test for a stand-in's URL and an API
// key, with hc as its HTTP client (nil for the Tracker's default).
type NewTracker func(url, apiKey string, hc *http.Client) track.Tracker

// TestTracker checks that a Tracker for provider p reads a journey the way
// the Server serves it and classifies every failure as track.Tracker
// promises: a rejected key or an unknown number is permanent, a 429 is a
// *track.RateLimitError with the provider's Retry-After, and a 5xx, a
// timeout, a cancelled context or a refused connection is retryable. The
// API key never appears in an error. carrier is the carrier name the
// Tracker is asked with.
func TestTracker(t *testing.T, p Provider, carrier string, newTracker NewTracker) {
	ctx := context.Background()
	const tn = "05222267681234"
	start := time.Date(2026, 5, 5, 6, 0, 0, 0, time.UTC)
	eta := start.Add(30 * time.Hour)

	s := New(t, p)
	s.SetEvents(tn, Journey(start)...)
	s.SetETA(tn, eta)
	tr := newTracker(s.URL(), s.APIKey(), nil)

	t.Run("journey", func(t *testing.T) {
		res, err := tr.Track(ctx, carrier, tn)
		if err != nil {
			t.Fatalf("Track: %v", err)
		}
		want := Journey(start)
		if len(res.Events) != len(want) {
			t.Fatalf("got %d events, want %d: %+v", len(res.Events), len(want), res.Events)
		}
		for i, e := range res.Events {
			w := want[i]
			if err := e.Validate(); err != nil {
				t.Errorf("event %d invalid: %v", i, err)
			}
			if e.Status != w.Status || e.Description != w.Description || !e.OccurredAt.Equal(w.At) || e.Location != w.Location {
				t.Errorf("event %d = %s %q %s %+v, want %s %q %s %+v", i,
					e.Status, e.Description, e.OccurredAt, e.Location, w.Status, w.Description, w.At, w.Location)
			}
			if e.TrackingNumber != tn || e.ID == "" {
				t.Errorf("event %d: tracking number %q, id %q", i, e.TrackingNumber, e.ID)
			}
			if last := i == len(res.Events)-1; last != (e.EstimatedDelivery != nil) {
				t.Errorf("event %d: estimate %v; only the newest carries it", i, e.EstimatedDelivery)
			}
		}
		if res.ETA == nil || !res.ETA.Equal(eta) {
			t.Errorf("ETA = %v, want %s", res.ETA, eta)
		}
		again, err := tr.Track(ctx, carrier, tn)
		if err != nil || len(again.Events) != len(res.Events) {
			t.Fatalf("second Track: %v, %d events", err, len(again.Events))
		}
		for i := range again.Events {
			if again.Events[i].ID != res.Events[i].ID {
				t.Errorf("event %d: id %s, then %s", i, res.Events[i].ID, again.Events[i].ID)
			}
		}
	})

	t.Run("known, no scans yet", func(t *testing.T) {
		const fresh = "05222267689999"
		s.SetEvents(fresh)
		res, err := tr.Track(ctx, carrier, fresh)
		if err != nil {
			t.Fatalf("Track: %v", err)
		}
		for i, e := range res.Events {
			if err := e.Validate(); err != nil {
				t.Errorf("event %d invalid: %v", i, err)
			}
		}
	})

	t.Run("counts requests", func(t *testing.T) {
		before := s.Requests(tn)
		if _, err := tr.Track(ctx, carrier, tn); err != nil {
			t.Fatal(err)
		}
		if got := s.Requests(tn) - before; got != 1 {
			t.Errorf("one Track made %d requests", got)
		}
	})

	permanent := func(t *testing.T, err error, sentinel error) {
		t.Helper()
		if !track.IsPermanent(err) || !errors.Is(err, sentinel) {
			t.Errorf("error %v (%T): want permanent, wrapping %v", err, err, sentinel)
		}
	}
	retryable := func(t *testing.T, err error) {
		t.Helper()
		var rl *track.RateLimitError
		if err == nil || track.IsPermanent(err) || errors.As(err, &rl) {
			t.Errorf("error %v (%T): want a plain retryable error", err, err)
		}
	}
	rateLimited := func(t *testing.T, err error, lo, hi time.Duration) {
		t.Helper()
		var rl *track.RateLimitError
		if !errors.As(err, &rl) || track.IsPermanent(err) {
			t.Fatalf("error %v (%T): want a *track.RateLimitError", err, err)
		}
		if rl.RetryAfter < lo || rl.RetryAfter > hi {
			t.Errorf("RetryAfter = %s, want %s to %s", rl.RetryAfter, lo, hi)
		}
	}
	noKey := func(t *testing.T, err error, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if err != nil && strings.Contains(err.Error(), k) {
				t.Errorf("error %q shows the API key", err)
			}
		}
	}

	t.Run("bad key", func(t *testing.T) {
		const wrong = "sk_live_wrong_key_0123456789"
		_, err := newTracker(s.URL(), wrong, nil).Track(ctx, carrier, tn)
		permanent(t, err, track.ErrUnauthorized)
		noKey(t, err, wrong, s.APIKey())
	})
	t.Run("no key", func(t *testing.T) {
		_, err := newTracker(s.URL(), "", nil).Track(ctx, carrier, tn)
		permanent(t, err, track.ErrUnauthorized)
	})
	t.Run("unknown number", func(t *testing.T) {
		_, err := tr.Track(ctx, carrier, "NOSUCHPARCEL000")
		permanent(t, err, track.ErrNotFound)
		noKey(t, err, s.APIKey())
	})
	t.Run("429 with seconds", func(t *testing.T) {
		s.RateLimitNext(1, "7")
		_, err := tr.Track(ctx, carrier, tn)
		rateLimited(t, err, 7*time.Second, 7*time.Second)
		noKey(t, err, s.APIKey())
	})
	t.Run("429 with a date", func(t *testing.T) {
		s.RateLimitNext(1, time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		_, err := tr.Track(ctx, carrier, tn)
		rateLimited(t, err, 85*time.Second, 90*time.Second)
	})
	t.Run("429 without Retry-After", func(t *testing.T) {
		s.RateLimitNext(1, "")
		_, err := tr.Track(ctx, carrier, tn)
		rateLimited(t, err, 0, 2*time.Second)
	})
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s.FailNext(1, status)
			_, err := tr.Track(ctx, carrier, tn)
			retryable(t, err)
			noKey(t, err, s.APIKey())
			if _, err := tr.Track(ctx, carrier, tn); err != nil {
				t.Errorf("the call after the failure: %v", err)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		s.SetLatency(5 * time.Second)
		defer s.SetLatency(0)
		quick := newTracker(s.URL(), s.APIKey(), &http.Client{Timeout: 50 * time.Millisecond})
		_, err := quick.Track(ctx, carrier, tn)
		retryable(t, err)
		noKey(t, err, s.APIKey())
	})
	t.Run("cancelled", func(t *testing.T) {
		s.SetLatency(5 * time.Second)
		defer s.SetLatency(0)
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := tr.Track(ctx, carrier, tn)
		retryable(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not wrap the context's", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		gone := New(t, p)
		gone.Close()
		_, err := newTracker(gone.URL(), gone.APIKey(), nil).Track(ctx, carrier, tn)
		retryable(t, err)
	})
}

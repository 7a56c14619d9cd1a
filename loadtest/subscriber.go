package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/signature"
)

// subscriber is the outbound webhook receiver a subscriber (ERP, CRM) would run: it verifies
// every delivery's Standard Webhooks signature with the endpoint's secret, as docs/
// receiving-webhooks.md tells receivers to, and notes each event's first arrival, so the load
// test can say how many of the deliveries shipflow owed arrived, how fast, and how many came
// twice (allowed: delivery is at least once) or unsigned (never allowed).
type subscriber struct {
	secret atomic.Value // string, set once the endpoint is registered

	mu     sync.Mutex
	first  map[string]time.Time // by webhook-id (the event id)
	repeat int                  // deliveries of an event already received
	bad    atomic.Int64         // deliveries refused: bad signature, timestamp or body
	total  atomic.Int64
}

func newSubscriber() *subscriber {
	return &subscriber{first: map[string]time.Time{}}
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhooks come with POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.bad.Add(1)
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	secret, _ := s.secret.Load().(string)
	id, err := signature.VerifyStandard([]string{secret}, r.Header, body, at)
	if err != nil {
		s.bad.Add(1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var b outbound.Body
	if err := json.Unmarshal(body, &b); err != nil || b.Metadata.OrderID == "" {
		s.bad.Add(1)
		http.Error(w, "not a shipflow event", http.StatusBadRequest)
		return
	}
	s.total.Add(1)
	s.mu.Lock()
	if _, seen := s.first[id]; seen {
		s.repeat++
	} else {
		s.first[id] = at
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// arrived is how many distinct events arrived, and the first and last first arrivals.
func (s *subscriber) arrived() (n int, first, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.first {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return len(s.first), first, last
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.first)
}

// register subscribes the receiver at url to every event type through the management API, as
// a subscriber's admin would, and keeps the secret shipflow answers with for verifying.
func (s *subscriber) register(ctx context.Context, api, adminToken, url string) (string, error) {
	body, _ := json.Marshal(map[string]any{"url": url, "description": "shipflow loadtest subscriber"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api+"/v1/webhook-endpoints", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("register the subscriber: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("register the subscriber: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("register the subscriber: POST /v1/webhook-endpoints answered %d %s", resp.StatusCode, bytes.TrimSpace(answer))
	}
	var ep struct{ ID, Secret string }
	if err := json.Unmarshal(answer, &ep); err != nil || ep.ID == "" || ep.Secret == "" {
		return "", fmt.Errorf("register the subscriber: no id and secret in %s", answer)
	}
	s.secret.Store(ep.Secret)
	return ep.ID, nil
}

package signature

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer serves a key set that tests can change, counting requests.
type jwksServer struct {
	*httptest.Server
	hits atomic.Int64

	mu     sync.Mutex
	keys   map[string]*rsa.PublicKey
	status int
	extra  []map[string]string // raw entries served besides keys
	block  chan struct{}       // when non-nil, requests wait for it to close
}

func newJWKSServer(t *testing.T, keys map[string]*rsa.PublicKey) *jwksServer {
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		block, status := s.block, s.status
		entries := append([]map[string]string(nil), s.extra...)
		for kid, k := range s.keys {
			entries = append(entries, map[string]string{
				"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		s.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				return
			}
		}
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"keys": entries})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(f func(s *jwksServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// fakeClock is a settable clock for the JWKS cache.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestJWKS(url string) (*JWKS, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)}
	j := NewJWKS(url, nil)
	j.now = c.now
	return j, c
}

// TestJWKSWithVerify is the whole path: a ShipEngine-style request verified
// with keys fetched from a JWKS endpoint.
func TestJWKSWithVerify(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey})
	j, clock := newTestJWKS(srv.URL)
	ctx := context.Background()
	now := clock.now()
	ts := now.Format(time.RFC3339)
	body := []byte(seBody)

	if err := VerifyShipEngine(ctx, j, seSign(t, keys[0], "key-1", ts, body), body, now); err != nil {
		t.Fatalf("valid: %v", err)
	}
	if err := VerifyShipEngine(ctx, j, seSign(t, keys[0], "key-1", ts, body), append(body, ' '), now); !errors.Is(err, ErrMismatch) {
		t.Fatalf("tampered: err = %v, want ErrMismatch", err)
	}
	if err := VerifyShipEngine(ctx, j, seSign(t, keys[1], "key-2", ts, body), body, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key id: err = %v, want ErrUnknownKey", err)
	}
	if err := VerifyShipEngine(ctx, j, seSign(t, keys[0], "key-1", ts, body), body, now.Add(time.Hour)); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("stale: err = %v, want ErrTimestamp", err)
	}
	// A stale or malformed request never reaches the key set.
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1", got)
	}
}

// TestJWKSCache proves with the server's request count that known keys are
// served from the cache and that unknown key ids refetch at most once a
// minute.
func TestJWKSCache(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey})
	j, clock := newTestJWKS(srv.URL)
	ctx := context.Background()

	step := func(name, kid string, wantErr error, wantHits int64) {
		t.Helper()
		k, err := j.Key(ctx, kid)
		switch {
		case wantErr == nil && err != nil:
			t.Fatalf("%s: Key(%q): %v", name, kid, err)
		case wantErr == nil && k == nil:
			t.Fatalf("%s: Key(%q) returned no key", name, kid)
		case wantErr != nil && !errors.Is(err, wantErr):
			t.Fatalf("%s: Key(%q) err = %v, want %v", name, kid, err, wantErr)
		}
		if got := srv.hits.Load(); got != wantHits {
			t.Fatalf("%s: %d fetches, want %d", name, got, wantHits)
		}
	}

	step("first use fetches", "key-1", nil, 1)
	step("known key is cached", "key-1", nil, 1)
	step("unknown id right after a fetch does not refetch", "forged-1", ErrUnknownKey, 1)
	for i := range 100 {
		step("a flood of unknown ids does not refetch", "forged-"+string(rune('a'+i%26)), ErrUnknownKey, 1)
	}
	clock.advance(59 * time.Second)
	step("still within the minute", "forged-2", ErrUnknownKey, 1)
	clock.advance(2 * time.Second)
	step("after a minute an unknown id refetches", "forged-3", ErrUnknownKey, 2)
	step("and then waits again", "forged-4", ErrUnknownKey, 2)
	step("known keys stay cached meanwhile", "key-1", nil, 2)

	// ShipEngine rotates in a new key.
	srv.set(func(s *jwksServer) {
		s.keys = map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey, "key-2": &keys[1].PublicKey}
	})
	step("new key within the minute is not seen yet", "key-2", ErrUnknownKey, 2)
	clock.advance(time.Minute)
	step("new key is picked up after the minute", "key-2", nil, 3)
	step("and cached", "key-2", nil, 3)

	// ShipEngine withdraws key-1; an hour on, the cache refreshes.
	srv.set(func(s *jwksServer) { delete(s.keys, "key-1") })
	clock.advance(30 * time.Minute)
	step("withdrawn key still cached within the hour", "key-1", nil, 3)
	clock.advance(31 * time.Minute)
	step("withdrawn key refused after the hour", "key-1", ErrUnknownKey, 4)
	step("remaining key still served", "key-2", nil, 4)
}

func TestJWKSConcurrentUnknownKeys(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey})
	j, _ := newTestJWKS(srv.URL)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			kid := "forged"
			if i%2 == 0 {
				kid = "key-1"
			}
			j.Key(context.Background(), kid)
		})
	}
	wg.Wait()
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("50 concurrent lookups made %d fetches, want 1", got)
	}
}

func TestJWKSOutage(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey})
	srv.set(func(s *jwksServer) { s.status = http.StatusServiceUnavailable })
	j, clock := newTestJWKS(srv.URL)
	ctx := context.Background()

	_, err := j.Key(ctx, "key-1")
	if err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("endpoint down: err = %v, want an outage error that is not ErrMismatch", err)
	}
	// A failed fetch counts against the limit too, or a down endpoint
	// would be hit on every request.
	if _, err2 := j.Key(ctx, "key-1"); err2 == nil || srv.hits.Load() != 1 {
		t.Fatalf("retry within the minute: err = %v, fetches = %d, want the same error and 1 fetch", err2, srv.hits.Load())
	}

	srv.set(func(s *jwksServer) { s.status = http.StatusOK })
	clock.advance(time.Minute)
	if _, err := j.Key(ctx, "key-1"); err != nil {
		t.Fatalf("endpoint back: %v", err)
	}

	// Once we have keys, an outage at refresh time keeps them working.
	srv.set(func(s *jwksServer) { s.status = http.StatusInternalServerError })
	clock.advance(2 * time.Hour)
	if _, err := j.Key(ctx, "key-1"); err != nil {
		t.Fatalf("stale key during outage: %v", err)
	}
	if got := srv.hits.Load(); got != 3 {
		t.Errorf("%d fetches, want 3", got)
	}
}

func TestJWKSBadDocuments(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, nil)
	srv.set(func(s *jwksServer) {
		s.extra = []map[string]string{
			{"kty": "EC", "kid": "ec-key", "crv": "P-256", "x": "AA", "y": "AA"},
			{"kty": "RSA", "kid": "enc-key", "use": "enc", "n": base64.RawURLEncoding.EncodeToString(keys[0].N.Bytes()), "e": "AQAB"},
		}
	})
	j, clock := newTestJWKS(srv.URL)
	_, err := j.Key(context.Background(), "ec-key")
	if err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("set without usable keys: err = %v, want an outage error", err)
	}

	srv.set(func(s *jwksServer) { s.keys = map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey} })
	clock.advance(time.Minute)
	_, err = j.Key(context.Background(), "enc-key")
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unusable key: err = %v, want ErrUnknownKey", err)
	}
	t.Logf("unusable key reported as: %v", err)
}

func TestJWKSContext(t *testing.T) {
	keys := testKeys()
	srv := newJWKSServer(t, map[string]*rsa.PublicKey{"key-1": &keys[0].PublicKey})
	block := make(chan struct{})
	srv.set(func(s *jwksServer) { s.block = block })
	j, _ := newTestJWKS(srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := j.Key(ctx, "key-1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung endpoint: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Key took %v despite a 50ms deadline", d)
	}

	// Our caller giving up says nothing about the endpoint, so the next
	// caller fetches at once instead of failing for a minute.
	close(block)
	if _, err := j.Key(context.Background(), "key-1"); err != nil {
		t.Fatalf("after the endpoint recovers: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("%d fetches, want 2", got)
	}
}

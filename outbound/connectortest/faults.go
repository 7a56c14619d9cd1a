// Package connectortest runs local stand-ins for the platforms shipflow's connectors write to
// (package outbound's connector kinds: docs/connectors.md), so that tests anywhere in the
// repository, and `shipflow dev` by hand, can exercise the real transports over real HTTP
// without an account or a network.
//
// Each stand-in checks every request the way its platform does (credentials, headers, the
// body's shape and formats) and answers with the platform's own status codes and error bodies,
// so a test fails here for the same reasons production would fail there. The stand-ins record
// what they accepted for assertions and can be told to fail (FailNext, Down, Delay, and the
// control routes under /_standin/).
//
// The package imports nothing of shipflow's, so that package outbound's own tests can use it.
package connectortest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// faults is the programmable misbehaviour every stand-in shares: failures queued for the next
// requests, an outage window and a response delay. Its zero value behaves normally.
type faults struct {
	mu        sync.Mutex
	queued    []int // HTTP statuses of the next answers
	down      bool
	downUntil time.Time // zero while down means until Up
	delay     time.Duration
}

// control answers a stand-in's own control routes, for trying failures by hand against
// `shipflow dev`: POST /_standin/down?seconds=N starts an outage (Down; no seconds: until up),
// POST /_standin/up ends it, POST /_standin/fail?status=S&n=N queues failures (FailNext).
// Everything else goes to next.
func (f *faults) control(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/_standin/down" && r.Method == http.MethodPost:
			secs, err := strconv.Atoi(q.Get("seconds"))
			if q.Has("seconds") && (err != nil || secs < 0 || secs > 86400) {
				http.Error(w, "seconds must be a whole number from 0 to 86400", http.StatusBadRequest)
				return
			}
			f.Down(time.Duration(secs) * time.Second)
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/_standin/up" && r.Method == http.MethodPost:
			f.Up()
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/_standin/fail" && r.Method == http.MethodPost:
			status, err1 := strconv.Atoi(q.Get("status"))
			n, err2 := strconv.Atoi(q.Get("n"))
			if err1 != nil || status < 400 || status > 599 || err2 != nil || n < 1 || n > 1000 {
				http.Error(w, "status must be 400 to 599 and n 1 to 1000", http.StatusBadRequest)
				return
			}
			f.FailNext(n, status)
			w.WriteHeader(http.StatusNoContent)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// FailNext makes the next n requests fail with the HTTP status, before any other check, the way
// an outage or a rate limit hits regardless of the request. Each stand-in answers the status
// with its platform's own body; a 429 carries Retry-After.
func (f *faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, status)
	}
}

// Down makes the stand-in answer every request with 503 and a load balancer's page for d, or
// until Up when d is not positive, as a platform does during an outage.
func (f *faults) Down(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = true
	f.downUntil = time.Time{}
	if d > 0 {
		f.downUntil = time.Now().Add(d)
	}
}

// Up ends an outage started by Down.
func (f *faults) Up() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = false
}

// Delay holds every answer back for d (0 for none), so that tests can exercise client
// timeouts. A request whose client gives up is abandoned at once.
func (f *faults) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// next reports what the request about to be served must suffer: a delay, an outage, or a
// queued failure's status (consumed; 0 for none).
func (f *faults) next() (delay time.Duration, down bool, fail int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && !f.downUntil.IsZero() && time.Now().After(f.downUntil) {
		f.down = false
	}
	if !f.down && len(f.queued) > 0 {
		fail = f.queued[0]
		f.queued = f.queued[1:]
	}
	return f.delay, f.down, fail
}

// readBody reads the whole request body up front (at most limit bytes). Only once the body is
// read does net/http watch the connection, so only then does a client that gives up during a
// Delay cancel r.Context() and release the handler at once.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// wait sleeps for d unless the client goes away first; it reports whether to go on.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// serveDown answers as a load balancer in front of a platform that is down: 503, an HTML page.
func serveDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
}

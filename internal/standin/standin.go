// Package standin is what every stand-in of a third party shares (notify/providertest,
// outbound/connectortest): failures queued for the next requests, an outage, a delay, and the
// control routes that let a person break a stand-in by hand under `shipflow dev -standins`.
// Each stand-in answers a failure with its own provider's error body; what comes before that
// answer is the same for all of them, and lives here once.
package standin

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Failure is one programmed error answer: the HTTP status and the provider's own error code for
// it, of the kind the provider has (Twilio's number, a platform's name); the zero code lets the
// stand-in pick the one its provider answers the status with.
type Failure[C any] struct {
	Status int
	Code   C
}

// Faults is a stand-in's programmable misbehaviour. Its zero value behaves normally.
type Faults[C any] struct {
	mu        sync.Mutex
	queued    []Failure[C] // a zero Status lets its request through (PassNext)
	down      bool
	downUntil time.Time // zero while down means until Up
	delay     time.Duration
}

// FailNext makes the next n requests fail with the HTTP status and the provider's error code,
// before any other check, the way an outage or a rate limit hits whatever the request.
func (f *Faults[C]) FailNext(n, status int, code C) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, Failure[C]{Status: status, Code: code})
	}
}

// PassNext lets the next n requests through before the failures FailNext queues after it, so
// a test can fail one step of a multi-request operation: PassNext(1) then FailNext(1, 503, ...)
// fails the second request.
func (f *Faults[C]) PassNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, Failure[C]{})
	}
}

// Down makes the stand-in answer every request with 503 and a load balancer's page for d, or
// until Up when d is not positive, as a provider does during an outage.
func (f *Faults[C]) Down(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down, f.downUntil = true, time.Time{}
	if d > 0 {
		f.downUntil = time.Now().Add(d)
	}
}

// Up ends an outage started by Down.
func (f *Faults[C]) Up() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = false
}

// Delay holds every answer back for d (0 for none), so that tests can exercise client
// timeouts and context deadlines. A request whose client gives up is abandoned at once.
func (f *Faults[C]) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Next reports what the request about to be served must suffer: a delay, an outage, or a
// queued failure (consumed; nil for none or a pass).
func (f *Faults[C]) Next() (delay time.Duration, down bool, fail *Failure[C]) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && !f.downUntil.IsZero() && time.Now().After(f.downUntil) {
		f.down = false
	}
	if !f.down && len(f.queued) > 0 {
		q := f.queued[0]
		f.queued = f.queued[1:]
		if q.Status != 0 {
			fail = &q
		}
	}
	return f.delay, f.down, fail
}

// Suffer applies Next to a request: it reports the failure to answer, or done when the
// stand-in already answered (an outage) or the client went away during a delay. The body,
// read up to limit (bodyErr: too long, or cut off), comes first, so that net/http watches the
// connection during the delay; a copy is put back for the handler.
func (f *Faults[C]) Suffer(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, fail *Failure[C], done bool, bodyErr error) {
	body, bodyErr = ReadBody(w, r, limit)
	delay, down, fail := f.Next()
	if !Wait(r, delay) {
		return nil, nil, true, nil
	}
	if down {
		ServeDown(w)
		return nil, nil, true, nil
	}
	return body, fail, false, bodyErr
}

// Control answers a stand-in's own control routes, for trying failures by hand:
// POST /_standin/down?seconds=N starts an outage (Down; no seconds: until up),
// POST /_standin/up ends it. Everything else goes to next.
func (f *Faults[C]) Control(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/_standin/down" && r.Method == http.MethodPost:
			secs, err := strconv.Atoi(r.URL.Query().Get("seconds"))
			if r.URL.Query().Has("seconds") && (err != nil || secs < 0 || secs > 86400) {
				http.Error(w, "seconds must be a whole number from 0 to 86400", http.StatusBadRequest)
				return
			}
			f.Down(time.Duration(secs) * time.Second)
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/_standin/up" && r.Method == http.MethodPost:
			f.Up()
			w.WriteHeader(http.StatusNoContent)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// ReadBody reads the whole request body, up to limit, and puts a copy back for the handler.
// Only once the body is read does net/http watch the connection, so only then does a client
// that gives up during a Delay cancel r.Context().
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

// Wait sleeps for d unless the client goes away first; it reports whether to go on.
func Wait(r *http.Request, d time.Duration) bool {
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

// ServeDown answers as a load balancer in front of a provider that is down: 503, a plain page.
func ServeDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
}

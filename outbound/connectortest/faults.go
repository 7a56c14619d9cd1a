package connectortest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxBody bounds a request body read by a stand-in: above every platform's own limit.
const maxBody = 8 << 20

// faults is the programmable misbehaviour every stand-in shares: failures queued for the next
// requests and an outage window. Its zero value behaves normally.
type faults struct {
	mu        sync.Mutex
	queued    []int // HTTP statuses; 0 lets one request through
	down      bool
	downUntil time.Time // zero while down means until Up
}

// FailNext makes the next n requests fail with the HTTP status and the platform's error body
// for it, before any other check, the way an outage or a rate limit hits whatever the request.
// A 429 or 503 carries Retry-After: 1.
func (f *faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, status)
	}
}

// PassNext lets the next n requests through before the failures FailNext queues after it, so
// a test can fail one step of an attempt that makes several requests.
func (f *faults) PassNext(n int) {
	f.FailNext(n, 0)
}

// Down makes the stand-in answer every request with a load balancer's 503 for d, or until Up
// when d is not positive, as a platform does during an outage.
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

// next reports what the request about to be served must suffer: an outage, or a queued
// failure (consumed; 0 when none).
func (f *faults) next() (down bool, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && !f.downUntil.IsZero() && time.Now().After(f.downUntil) {
		f.down = false
	}
	if f.down {
		return true, 0
	}
	if len(f.queued) > 0 {
		status = f.queued[0]
		f.queued = f.queued[1:]
	}
	return false, status
}

// control answers a stand-in's own control routes, for trying failures by hand against
// `shipflow dev -standins`: POST /_standin/down?seconds=N starts an outage (no seconds: until
// up), POST /_standin/up ends it, POST /_standin/fail?status=S&n=N queues failures.
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
			st, err1 := strconv.Atoi(q.Get("status"))
			n, err2 := strconv.Atoi(q.Get("n"))
			if !q.Has("n") {
				n, err2 = 1, nil
			}
			if err1 != nil || st < 400 || st > 599 || err2 != nil || n < 1 || n > 1000 {
				http.Error(w, "status must be 400 to 599 and n 1 to 1000", http.StatusBadRequest)
				return
			}
			f.FailNext(n, st)
			w.WriteHeader(http.StatusNoContent)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// serveFault answers a request the faults decided on, reporting whether it did: a load
// balancer's HTML 503 during an outage, or the platform's error body (written by fail) for a
// queued status, with Retry-After on 429 and 503.
func (f *faults) serveFault(w http.ResponseWriter, fail func(w http.ResponseWriter, status int)) bool {
	down, status := f.next()
	switch {
	case down:
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
		return true
	case status != 0:
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		fail(w, status)
		return true
	}
	return false
}

// readBody reads the whole request body up to maxBody and puts a copy back.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

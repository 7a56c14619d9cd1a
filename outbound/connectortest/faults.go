package connectortest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// faults is the programmable misbehaviour every stand-in here shares: failures queued for the
// next requests and an outage window. Its zero value behaves normally.
type faults struct {
	mu        sync.Mutex
	queued    []int
	down      bool
	downUntil time.Time // zero while down means until Up
	retrySecs int       // Retry-After of a 429 or 503; 0 is 1
}

// SetRetryAfter makes every 429 and 503 ask for secs seconds (1 when not positive).
func (f *faults) SetRetryAfter(secs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retrySecs = secs
}

// FailNext makes the next n requests fail with the HTTP status and the platform's error body
// for it, before any other check, the way an outage or a rate limit hits whatever the request.
// A 429 or 503 carries Retry-After.
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
	f.down, f.downUntil = true, time.Time{}
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
// failure's status (consumed); 0 for neither.
func (f *faults) next() (down bool, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && !f.downUntil.IsZero() && time.Now().After(f.downUntil) {
		f.down = false
	}
	if !f.down && len(f.queued) > 0 {
		status, f.queued = f.queued[0], f.queued[1:]
	}
	return f.down, status
}

// retryAfter sets Retry-After on a 429 or 503.
func (f *faults) retryAfter(w http.ResponseWriter, status int) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return
	}
	f.mu.Lock()
	secs := f.retrySecs
	f.mu.Unlock()
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
}

// serveDown answers as a load balancer in front of a platform that is down: 503, HTML.
func (f *faults) serveDown(w http.ResponseWriter) {
	f.retryAfter(w, http.StatusServiceUnavailable)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
}

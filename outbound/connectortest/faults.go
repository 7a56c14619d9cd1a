package connectortest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxBody bounds a request body; every platform here refuses far smaller ones anyway.
const maxBody = 1 << 20

// faults is the programmable misbehaviour every stand-in shares: failures queued for the next
// requests, an outage window and a response delay. Its zero value behaves normally.
type faults struct {
	mu        sync.Mutex
	queued    []failure
	down      bool
	downUntil time.Time // zero while down means until Up
	delay     time.Duration
}

// failure is one programmed error answer: the HTTP status and the platform's own error code
// for it (HubSpot's category, Salesforce's errorCode); empty lets the stand-in pick the code
// its platform answers that status with. A zero status lets the request through (PassNext).
type failure struct {
	status int
	code   string
}

// FailNext makes the next n requests fail with the HTTP status and the platform's error body
// for it (code as above), before any other check, the way an outage or a rate limit hits
// whatever the request. A 429 or 503 carries Retry-After: 1 unless the platform never sends one.
func (f *faults) FailNext(n, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, failure{status: status, code: code})
	}
}

// PassNext lets the next n requests through before the failures FailNext queues after it, so
// a test can fail one step of a multi-request attempt: PassNext(1) then FailNext(1, 503, "")
// fails the request after a token request.
func (f *faults) PassNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, failure{})
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

// Delay holds every answer back for d (0 for none), so that tests can exercise timeouts. A
// request whose client gives up is abandoned at once.
func (f *faults) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// next reports what the request about to be served must suffer: a delay, an outage, or a
// queued failure (consumed; nil for none or a pass).
func (f *faults) next() (delay time.Duration, down bool, fail *failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down && !f.downUntil.IsZero() && time.Now().After(f.downUntil) {
		f.down = false
	}
	if !f.down && len(f.queued) > 0 {
		q := f.queued[0]
		f.queued = f.queued[1:]
		if q.status != 0 {
			fail = &q
		}
	}
	return f.delay, f.down, fail
}

// control answers a stand-in's own control routes, for trying failures by hand against
// `shipflow dev`: POST /_standin/down?seconds=N starts an outage (Down; no seconds: until up),
// POST /_standin/up ends it. Everything else goes to next.
func (f *faults) control(next http.Handler) http.Handler {
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

// suffer applies what next says to the request: it reports the failure to answer, or done
// when the stand-in already answered (an outage) or the client went away during a delay.
// The body is read first, so that net/http watches the connection during the delay.
func (f *faults) suffer(w http.ResponseWriter, r *http.Request) (body []byte, bodyErr error, fail *failure, done bool) {
	body, bodyErr = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	delay, down, fail := f.next()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return nil, nil, nil, true
		}
	}
	if down {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html><body><h1>503 Service Unavailable</h1></body></html>\n"))
		return nil, nil, nil, true
	}
	return body, bodyErr, fail, false
}

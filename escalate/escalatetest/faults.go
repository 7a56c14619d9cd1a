package escalatetest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"sync"
)

// maxBody bounds a request body; every service here refuses far smaller ones anyway.
const maxBody = 1 << 20

// faults is the programmable misbehaviour every stand-in shares: failures queued for the next
// requests. Its zero value behaves normally.
type faults struct {
	mu     sync.Mutex
	queued []int
}

// FailNext makes the next n requests fail with the HTTP status and the service's error body
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
// a test can fail one step of a multi-request operation: PassNext(2) then FailNext(1, 403)
// fails the third request.
func (f *faults) PassNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.queued = append(f.queued, 0)
	}
}

// next takes the failure the request about to be served must suffer, if any.
func (f *faults) next() (status int, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queued) == 0 {
		return 0, false
	}
	status = f.queued[0]
	f.queued = f.queued[1:]
	return status, status != 0
}

// retryAfter sets Retry-After on the answers that carry one.
func retryAfter(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
}

// readBody reads a request body up to maxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
}

// isJSON reports whether the request says its body is JSON (a charset parameter is fine).
func isJSON(r *http.Request) bool {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && ct == "application/json"
}

// decodeObject decodes a JSON object, refusing anything else (an array, trailing data).
func decodeObject(b []byte) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, false
	}
	return m, true
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

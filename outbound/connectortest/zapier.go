package connectortest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ZapierPost is one post a Zapier hook stand-in accepted.
type ZapierPost struct {
	Hook   string                     // the hook's URL
	Fields map[string]json.RawMessage // the posted object's fields
	Raw    json.RawMessage            // the body as posted
}

// String is a field's string value, "" when absent or not a string.
func (p ZapierPost) String(field string) string {
	var s string
	_ = json.Unmarshal(p.Fields[field], &s)
	return s
}

// Zapier stands in for hooks.zapier.com: the hooks Zapier makes for each Zap it turns on
// (bundle.targetUrl, https://hooks.zapier.com/hooks/standard/<account>/<zap>/<token>/). A hook
// takes a JSON object and answers 200 with Zapier's {"status":"success",...} (Zapier also
// takes an array, each object a run of the Zap, and form posts; shipflow sends one object per
// event, so this stand-in refuses anything else); a hook whose Zap was turned off or deleted answers 410,
// which tells the sender to drop the subscription; a path that never was a hook answers 404.
// It is safe for concurrent use.
type Zapier struct {
	faults

	srv     *httptest.Server
	account string

	mu         sync.Mutex
	hooks      map[string]bool // path: live (false: the Zap was turned off)
	posts      []ZapierPost
	retryAfter int // seconds a 429 or 503 of FailNext asks for; 0 is 1
	// OnAccept, when set, is called with every post accepted (for `shipflow dev`'s log).
	OnAccept func(ZapierPost)
}

// NewZapier starts a Zapier hooks stand-in and stops it when the test ends.
func NewZapier(t testing.TB) *Zapier {
	t.Helper()
	z := StartZapier()
	t.Cleanup(z.Close)
	return z
}

// StartZapier starts a Zapier hooks stand-in outside a test (`shipflow dev -standins`); Close
// stops it.
func StartZapier() *Zapier {
	z := &Zapier{account: "1234567", hooks: map[string]bool{}}
	z.srv = httptest.NewServer(http.HandlerFunc(z.serve))
	return z
}

// URL is the stand-in's base URL.
func (z *Zapier) URL() string { return z.srv.URL }

// Close stops the stand-in.
func (z *Zapier) Close() { z.srv.Close() }

// NewHook is a new hook, as Zapier makes one when a Zap is turned on: its URL is what Zapier
// would send as hookUrl.
func (z *Zapier) NewHook() string {
	path := fmt.Sprintf("/hooks/standard/%s/%s/%s/", z.account, strings.ToLower(rand.Text()[:12]), strings.ToLower(rand.Text()))
	z.mu.Lock()
	z.hooks[path] = true
	z.mu.Unlock()
	return z.srv.URL + path
}

// SetRetryAfter makes every 429 and 503 FailNext queues ask for secs seconds (1 when not
// positive); an outage's (Down) asks for 1.
func (z *Zapier) SetRetryAfter(secs int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.retryAfter = secs
}

// TurnOff turns off the Zap of a hook: from now on the hook answers 410 Gone.
func (z *Zapier) TurnOff(hook string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if p := strings.TrimPrefix(hook, z.srv.URL); z.hooks[p] {
		z.hooks[p] = false
	}
}

// Posts returns the posts accepted so far, oldest first; to the given hook only when one is
// named.
func (z *Zapier) Posts(hook ...string) []ZapierPost {
	z.mu.Lock()
	defer z.mu.Unlock()
	if len(hook) == 0 {
		return slices.Clone(z.posts)
	}
	var out []ZapierPost
	for _, p := range z.posts {
		if slices.Contains(hook, p.Hook) {
			out = append(out, p)
		}
	}
	return out
}

// zapierStatus is the JSON a hook answers with: Zapier's success, or its error.
type zapierStatus struct {
	Status    string `json:"status"`
	Message   string `json:"message,omitempty"`
	ID        string `json:"id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Attempt   string `json:"attempt,omitempty"`
}

// zapierMessages are the error messages of the statuses a hook answers.
var zapierMessages = map[int]string{
	http.StatusBadRequest:            "Invalid JSON body.",
	http.StatusNotFound:              "Not Found",
	http.StatusMethodNotAllowed:      "Method not allowed.",
	http.StatusGone:                  "Please unsubscribe me!",
	http.StatusRequestEntityTooLarge: "Request body too large.",
	http.StatusUnsupportedMediaType:  "Unsupported content type.",
	http.StatusTooManyRequests:       "Rate limit exceeded for this hook.",
	http.StatusInternalServerError:   "Internal server error.",
	http.StatusServiceUnavailable:    "Service temporarily unavailable.",
}

func (z *Zapier) fail(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		z.mu.Lock()
		secs := max(z.retryAfter, 1)
		z.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	msg := zapierMessages[status]
	if msg == "" {
		msg = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(zapierStatus{Status: "error", Message: msg})
}

func (z *Zapier) serve(w http.ResponseWriter, r *http.Request) {
	body, fail, done, bodyErr := z.Suffer(w, r, maxBody)
	if done {
		return
	}
	if fail != nil {
		z.fail(w, fail.Status)
		return
	}
	z.mu.Lock()
	live, known := z.hooks[r.URL.Path]
	z.mu.Unlock()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case !known:
		z.fail(w, http.StatusNotFound)
	case !live:
		z.fail(w, http.StatusGone)
	case r.Method != http.MethodPost:
		z.fail(w, http.StatusMethodNotAllowed)
	case bodyErr != nil:
		z.fail(w, http.StatusRequestEntityTooLarge)
	case ct != "application/json":
		// A hook also takes form posts and raw text, as fields of their own; shipflow posts
		// JSON only, so anything else is its mistake.
		z.fail(w, http.StatusUnsupportedMediaType)
	default:
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			z.fail(w, http.StatusBadRequest)
			return
		}
		p := ZapierPost{Hook: z.srv.URL + r.URL.Path, Fields: fields, Raw: slices.Clone(body)}
		z.mu.Lock()
		z.posts = append(z.posts, p)
		on := z.OnAccept
		z.mu.Unlock()
		if on != nil {
			on(p)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(zapierStatus{Status: "success", ID: uuid(), RequestID: uuid(), Attempt: uuid()})
	}
}

package connectortest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// KlaviyoEvent is one event the Klaviyo stand-in accepted.
type KlaviyoEvent struct {
	Metric     string
	UniqueID   string
	Time       time.Time
	Email      string
	Phone      string
	ExternalID string
	Properties map[string]any
	Revision   string
}

// Klaviyo stands in for Klaviyo's Create Event (POST /api/events), private-key authentication
// and the JSON:API body of its current revisions. It is safe for concurrent use.
type Klaviyo struct {
	faults

	apiKey string
	srv    *httptest.Server
	// OnAccept, when set before the first request, is called with every event recorded.
	OnAccept func(KlaviyoEvent)

	mu       sync.Mutex
	events   []KlaviyoEvent
	seen     map[string]bool // unique_id, profile and metric of every event recorded
	requests int
	readOnly bool
}

// NewKlaviyo starts a Klaviyo stand-in that accepts the private key apiKey, and stops it when
// the test ends.
func NewKlaviyo(t testing.TB, apiKey string) *Klaviyo {
	t.Helper()
	k := StartKlaviyo(apiKey)
	t.Cleanup(k.Close)
	return k
}

// StartKlaviyo starts a Klaviyo stand-in outside a test (`shipflow dev -standins`); Close stops
// it.
func StartKlaviyo(apiKey string) *Klaviyo {
	k := &Klaviyo{apiKey: apiKey, seen: map[string]bool{}}
	k.srv = httptest.NewServer(k.Control(http.HandlerFunc(k.serve)))
	return k
}

// Close stops the stand-in.
func (k *Klaviyo) Close() { k.srv.Close() }

// URL is the stand-in's base URL, a Klaviyo connector's url.
func (k *Klaviyo) URL() string { return k.srv.URL }

// Events returns the events recorded so far, oldest first: a repeated unique_id for the same
// profile and metric is accepted (202) and not recorded again, as Klaviyo does.
func (k *Klaviyo) Events() []KlaviyoEvent {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.events)
}

// Requests counts the requests that reached Create Event, refused ones included.
func (k *Klaviyo) Requests() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.requests
}

// ReadOnly makes the key lack the events:write scope from now on: 403 permission_denied.
func (k *Klaviyo) ReadOnly() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.readOnly = true
}

// Klaviyo's limits on an event (developers.klaviyo.com, "Rate limits, status codes, and errors").
const (
	klaviyoMaxPayload    = 5 << 20
	klaviyoMaxProperties = 300
	klaviyoMaxString     = 100 << 10
	klaviyoMaxArray      = 4000
	klaviyoMaxDepth      = 10
	klaviyoMaxMetricName = 127 // "less than 128 characters"
)

// revisionForm is a revision header's form: a date, optionally with a beta or pre suffix.
var revisionForm = regexp.MustCompile(`^20\d\d-\d\d-\d\d(\.(pre|beta))?$`)

// klaviyoEventBody is Create Event's JSON:API body.
type klaviyoEventBody struct {
	Data *struct {
		Type       string `json:"type"`
		Attributes *struct {
			Properties map[string]any `json:"properties"`
			Time       *string        `json:"time"`
			Value      any            `json:"value"`
			UniqueID   *string        `json:"unique_id"`
			Metric     *struct {
				Data *struct {
					Type       string `json:"type"`
					Attributes struct {
						Name    string `json:"name"`
						Service string `json:"service"`
					} `json:"attributes"`
				} `json:"data"`
			} `json:"metric"`
			Profile *struct {
				Data *struct {
					Type       string `json:"type"`
					ID         string `json:"id"`
					Attributes struct {
						Email       string `json:"email"`
						PhoneNumber string `json:"phone_number"`
						ExternalID  string `json:"external_id"`
					} `json:"attributes"`
				} `json:"data"`
			} `json:"profile"`
		} `json:"attributes"`
	} `json:"data"`
}

// e164 is the phone form Klaviyo takes.
var e164 = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)

func (k *Klaviyo) serve(w http.ResponseWriter, r *http.Request) {
	raw, fail, done, bodyErr := k.Suffer(w, r, maxBody)
	if done {
		return
	}
	if fail != nil {
		code := fail.Code
		if code == "" {
			code = klaviyoCodes[fail.Status]
		}
		retryAfter(w, fail.Status)
		klaviyoError(w, fail.Status, code, http.StatusText(fail.Status), "")
		return
	}
	if p := strings.TrimSuffix(r.URL.Path, "/"); p != "/api/events" {
		klaviyoError(w, http.StatusNotFound, "not_found", "Not found.", "")
		return
	}
	k.mu.Lock()
	k.requests++
	readOnly := k.readOnly
	k.mu.Unlock()
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Klaviyo-API-Key ")
	switch {
	case auth == "":
		klaviyoError(w, http.StatusUnauthorized, "not_authenticated", "Authentication credentials were not provided.", "")
		return
	case !ok || subtle.ConstantTimeCompare([]byte(key), []byte(k.apiKey)) != 1:
		klaviyoError(w, http.StatusUnauthorized, "authentication_failed", "Incorrect authentication credentials.", "")
		return
	case readOnly:
		klaviyoError(w, http.StatusForbidden, "permission_denied", "You do not have permission to perform this action.", "")
		return
	}
	if r.Method != http.MethodPost {
		klaviyoError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("Method %q not allowed.", r.Method), "")
		return
	}
	rev := r.Header.Get("revision")
	if rev == "" || !revisionForm.MatchString(rev) {
		klaviyoError(w, http.StatusBadRequest, "invalid", "A valid revision header is required (YYYY-MM-DD).", "")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" && ct != "application/vnd.api+json" {
		klaviyoError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", fmt.Sprintf("Unsupported media type %q in request.", ct), "")
		return
	}
	if bodyErr != nil || len(raw) > klaviyoMaxPayload {
		klaviyoError(w, http.StatusRequestEntityTooLarge, "request_too_large", "Request payload too large.", "")
		return
	}
	ev, pointer, msg := checkKlaviyoEvent(raw)
	if msg != "" {
		klaviyoError(w, http.StatusBadRequest, "invalid", msg, pointer)
		return
	}
	ev.Revision = rev
	key = ev.UniqueID + "\x00" + ev.Email + "\x00" + ev.Phone + "\x00" + ev.ExternalID + "\x00" + ev.Metric
	k.mu.Lock()
	fresh := !k.seen[key]
	if fresh {
		k.seen[key] = true
		k.events = append(k.events, ev)
	}
	k.mu.Unlock()
	if fresh && k.OnAccept != nil {
		k.OnAccept(ev)
	}
	w.WriteHeader(http.StatusAccepted)
}

// checkKlaviyoEvent validates a Create Event body as Klaviyo does and returns the event, or the
// JSON pointer and message of the first problem.
func checkKlaviyoEvent(raw []byte) (KlaviyoEvent, string, string) {
	var b klaviyoEventBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return KlaviyoEvent{}, "/data", "JSON parse error - " + err.Error()
	}
	switch {
	case b.Data == nil:
		return KlaviyoEvent{}, "/data", "'data' is a required field."
	case b.Data.Type != "event":
		return KlaviyoEvent{}, "/data/type", fmt.Sprintf("The type %q does not match the resource type 'event'.", b.Data.Type)
	case b.Data.Attributes == nil:
		return KlaviyoEvent{}, "/data/attributes", "'attributes' is a required field."
	}
	a := b.Data.Attributes
	switch {
	case a.Properties == nil:
		return KlaviyoEvent{}, "/data/attributes/properties", "'properties' is a required field."
	case len(a.Properties) > klaviyoMaxProperties:
		return KlaviyoEvent{}, "/data/attributes/properties", fmt.Sprintf("Event properties must not exceed %d.", klaviyoMaxProperties)
	case a.Metric == nil || a.Metric.Data == nil:
		return KlaviyoEvent{}, "/data/attributes/metric", "'metric' is a required field."
	case a.Metric.Data.Type != "metric":
		return KlaviyoEvent{}, "/data/attributes/metric/data/type", "The type must be 'metric'."
	case strings.TrimSpace(a.Metric.Data.Attributes.Name) == "":
		return KlaviyoEvent{}, "/data/attributes/metric/data/attributes/name", "'name' is a required field."
	case len([]rune(a.Metric.Data.Attributes.Name)) > klaviyoMaxMetricName:
		return KlaviyoEvent{}, "/data/attributes/metric/data/attributes/name", "Name of the event must be less than 128 characters."
	case a.Profile == nil || a.Profile.Data == nil:
		return KlaviyoEvent{}, "/data/attributes/profile", "'profile' is a required field."
	case a.Profile.Data.Type != "profile":
		return KlaviyoEvent{}, "/data/attributes/profile/data/type", "The type must be 'profile'."
	}
	if msg := checkProperties(a.Properties, 1); msg != "" {
		return KlaviyoEvent{}, "/data/attributes/properties", msg
	}
	p := a.Profile.Data.Attributes
	if p.Email == "" && p.PhoneNumber == "" && p.ExternalID == "" && a.Profile.Data.ID == "" {
		return KlaviyoEvent{}, "/data/attributes/profile/data/attributes", "One of 'email', 'phone_number', 'external_id' or 'id' is required to identify the profile."
	}
	if p.Email != "" {
		if addr, err := mail.ParseAddress(p.Email); err != nil || addr.Address != p.Email {
			return KlaviyoEvent{}, "/data/attributes/profile/data/attributes/email", fmt.Sprintf("Invalid email address: %q.", p.Email)
		}
	}
	if p.PhoneNumber != "" && !e164.MatchString(p.PhoneNumber) {
		return KlaviyoEvent{}, "/data/attributes/profile/data/attributes/phone_number", "Invalid phone number format (Example of a valid format: +12345678901)"
	}
	ev := KlaviyoEvent{Metric: a.Metric.Data.Attributes.Name, Email: p.Email, Phone: p.PhoneNumber, ExternalID: p.ExternalID, Properties: a.Properties, Time: time.Now().UTC().Truncate(time.Second)}
	if a.Time != nil {
		t, err := time.Parse(time.RFC3339, *a.Time)
		if err != nil {
			return KlaviyoEvent{}, "/data/attributes/time", fmt.Sprintf("Invalid datetime: %q.", *a.Time)
		}
		if t.Year() < 2000 || t.After(time.Now().AddDate(1, 0, 0)) {
			return KlaviyoEvent{}, "/data/attributes/time", "The time must be after the year 2000 and can only be up to 1 year in the future."
		}
		ev.Time = t.UTC().Truncate(time.Second)
	}
	if a.UniqueID != nil {
		ev.UniqueID = *a.UniqueID
	} else {
		ev.UniqueID = ev.Time.Format(time.RFC3339) // Klaviyo's default: one event per profile per second
	}
	return ev, "", ""
}

// checkProperties holds properties to Klaviyo's ingestion limits.
func checkProperties(v any, depth int) string {
	if depth > klaviyoMaxDepth {
		return fmt.Sprintf("Properties cannot contain more than %d nested levels.", klaviyoMaxDepth)
	}
	switch x := v.(type) {
	case string:
		if len(x) > klaviyoMaxString {
			return "A single string cannot be larger than 100 KB."
		}
	case []any:
		if len(x) > klaviyoMaxArray {
			return fmt.Sprintf("Each array must not exceed %d elements.", klaviyoMaxArray)
		}
		for _, e := range x {
			if m := checkProperties(e, depth+1); m != "" {
				return m
			}
		}
	case map[string]any:
		for _, e := range x {
			if m := checkProperties(e, depth+1); m != "" {
				return m
			}
		}
	}
	return ""
}

// klaviyoCodes are the error codes Klaviyo answers a status with.
var klaviyoCodes = map[int]string{
	http.StatusBadRequest:          "invalid",
	http.StatusUnauthorized:        "not_authenticated",
	http.StatusForbidden:           "permission_denied",
	http.StatusNotFound:            "not_found",
	http.StatusTooManyRequests:     "throttled",
	http.StatusInternalServerError: "error",
	http.StatusServiceUnavailable:  "service_unavailable",
}

// klaviyoError answers with Klaviyo's JSON:API error body.
func klaviyoError(w http.ResponseWriter, status int, code, detail, pointer string) {
	if code == "" {
		code = "error"
	}
	title := map[int]string{
		http.StatusBadRequest: "Invalid input.", http.StatusTooManyRequests: "Request was throttled.",
		http.StatusUnauthorized: "Authentication credentials were not provided.", http.StatusForbidden: "You do not have permission to perform this action.",
	}[status]
	if title == "" {
		title = http.StatusText(status) + "."
	}
	if status == http.StatusTooManyRequests {
		detail = "Request was throttled. Expected available in 1 second."
	}
	e := map[string]any{"id": newID(), "status": status, "code": code, "title": title, "detail": detail, "source": map[string]string{"pointer": pointer}, "links": map[string]any{}, "meta": map[string]any{}}
	if pointer == "" {
		e["source"] = map[string]string{"pointer": "/data/"}
	}
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{e}})
}

// newID is a random id as platforms give their errors and records.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// retryAfter sets Retry-After: 1 on a programmed 429 or 503, as the platforms here send it.
func retryAfter(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
}

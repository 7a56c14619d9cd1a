package escalatetest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FreshdeskTicket is a ticket the Freshdesk stand-in holds, with its history. Statuses are
// Freshdesk's numbers (2 open, 3 pending, 4 resolved, 5 closed), priorities too (1 low to 4
// urgent).
type FreshdeskTicket struct {
	ID          int64
	Requester   string // the requester's email
	Subject     string
	Description string // HTML
	Status      int
	Priority    int
	Tags        []string
	Notes       []FreshdeskNote
	Priorities  []int // every priority the ticket had, oldest first
	Statuses    []int // every status the ticket had, oldest first
}

// FreshdeskNote is a note added to a ticket.
type FreshdeskNote struct {
	Body    string // HTML
	Private bool
}

// Freshdesk stands in for the Freshdesk v2 Tickets API: list (by requester email), create,
// update and add a note, with API key basic auth. It is safe for concurrent use.
type Freshdesk struct {
	faults

	srv *httptest.Server
	key string

	mu         sync.Mutex
	tickets    []*FreshdeskTicket // by id
	dropAnswer bool
}

// NewFreshdesk starts a Freshdesk stand-in that accepts the API key key and stops it when the
// test ends.
func NewFreshdesk(t testing.TB, key string) *Freshdesk {
	t.Helper()
	f := &Freshdesk{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/tickets", f.list)
	mux.HandleFunc("POST /api/v2/tickets", f.create)
	mux.HandleFunc("PUT /api/v2/tickets/{id}", f.update)
	mux.HandleFunc("POST /api/v2/tickets/{id}/notes", f.note)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound) // Freshdesk answers an unknown path with an empty 404
	})
	f.srv = httptest.NewServer(f.guard(mux))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the account's base URL, the value of FRESHDESK_URL.
func (f *Freshdesk) URL() string { return f.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection.
func (f *Freshdesk) Close() { f.srv.Close() }

// Tickets returns copies of every ticket, oldest first.
func (f *Freshdesk) Tickets() []FreshdeskTicket {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FreshdeskTicket, 0, len(f.tickets))
	for _, t := range f.tickets {
		c := *t
		c.Tags = slices.Clone(t.Tags)
		c.Notes = slices.Clone(t.Notes)
		c.Priorities = slices.Clone(t.Priorities)
		c.Statuses = slices.Clone(t.Statuses)
		out = append(out, c)
	}
	return out
}

// DropAnswerOnce makes the next ticket creation succeed but answer 500, as when the answer is
// lost on the way back: the client cannot know the ticket exists.
func (f *Freshdesk) DropAnswerOnce() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAnswer = true
}

// SetStatus changes a ticket's status as an agent or an automation would.
func (f *Freshdesk) SetStatus(id int64, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.find(id); t != nil {
		t.setStatus(status)
	}
}

func (t *FreshdeskTicket) setStatus(s int) {
	if s != 0 && s != t.Status {
		t.Status = s
		t.Statuses = append(t.Statuses, s)
	}
}

func (t *FreshdeskTicket) setPriority(p int) {
	if p != 0 && p != t.Priority {
		t.Priority = p
		t.Priorities = append(t.Priorities, p)
	}
}

// find returns the ticket with id; f.mu must be held.
func (f *Freshdesk) find(id int64) *FreshdeskTicket {
	for _, t := range f.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// freshdeskFieldError is one entry of a 400's errors.
type freshdeskFieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// freshdeskInvalid answers 400 "Validation failed" with the invalid fields, as Freshdesk does.
func freshdeskInvalid(w http.ResponseWriter, errs ...freshdeskFieldError) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"description": "Validation failed", "errors": errs})
}

// freshdeskFailure answers a FailNext status with Freshdesk's body for it.
func freshdeskFailure(w http.ResponseWriter, status int) {
	retryAfter(w, status)
	switch status {
	case http.StatusBadRequest:
		freshdeskInvalid(w, freshdeskFieldError{Field: "email", Message: "There is no contact matching the given email", Code: "invalid_value"})
	case http.StatusUnauthorized:
		writeJSON(w, status, map[string]string{"code": "invalid_credentials", "message": "You have to be logged in to perform this action."})
	case http.StatusForbidden:
		writeJSON(w, status, map[string]string{"code": "access_denied", "message": "You are not authorized to perform this action."})
	case http.StatusNotFound:
		w.WriteHeader(status)
	case http.StatusTooManyRequests:
		writeJSON(w, status, map[string]string{"message": "You have exceeded the limit of requests per minute"})
	default:
		writeJSON(w, status, map[string]string{"code": "internal_error", "message": http.StatusText(status)})
	}
}

// guard applies what comes before routing: programmed failures, then authentication.
// Freshdesk takes the API key as the basic auth user with "X" as the password.
func (f *Freshdesk) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, fail := f.next(); fail {
			freshdeskFailure(w, status)
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(f.key)) != 1 || pass != "X" {
			freshdeskFailure(w, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *Freshdesk) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage := 30
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			freshdeskInvalid(w, freshdeskFieldError{Field: "per_page", Message: "It should be a Positive Number less than or equal to 100", Code: "invalid_value"})
			return
		}
		perPage = n
	}
	if ob := q.Get("order_by"); ob != "" && !slices.Contains([]string{"created_at", "due_by", "updated_at", "status"}, ob) {
		freshdeskInvalid(w, freshdeskFieldError{Field: "order_by", Message: "It should be one of these values: 'created_at,due_by,updated_at,status'", Code: "invalid_value"})
		return
	}
	desc := q.Get("order_type") != "asc"
	email, byEmail := q["email"]
	f.mu.Lock()
	out := []map[string]any{}
	for _, t := range f.tickets {
		if !byEmail || slices.Contains(email, t.Requester) {
			out = append(out, f.wire(t))
		}
	}
	f.mu.Unlock()
	if desc {
		slices.Reverse(out)
	}
	if len(out) > perPage {
		out = out[:perPage]
	}
	writeJSON(w, http.StatusOK, out)
}

// freshdeskBody is the part of a ticket request the stand-in reads; a field of the wrong JSON
// type is refused with 400 datatype_mismatch, an unknown one with invalid_field.
type freshdeskBody struct {
	Email       *string  `json:"email"`
	RequesterID *int64   `json:"requester_id"`
	Subject     *string  `json:"subject"`
	Description *string  `json:"description"`
	Status      *int     `json:"status"`
	Priority    *int     `json:"priority"`
	Source      *int     `json:"source"`
	Tags        []string `json:"tags"`
}

var freshdeskFields = []string{"email", "requester_id", "subject", "description", "status", "priority", "source", "tags"}

// readFreshdesk decodes a JSON object body into v after checking the content type and the
// field names, or answers the error and returns false.
func readFreshdesk(w http.ResponseWriter, r *http.Request, v any, allowed ...string) bool {
	if !isJSON(r) {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"code": "invalid_content_type", "message": "Content-Type header should have application/json"})
		return false
	}
	b, err := readBody(w, r)
	if err != nil {
		freshdeskInvalid(w, freshdeskFieldError{Message: "Request body too large", Code: "invalid_size"})
		return false
	}
	m, ok := decodeObject(b)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_json", "message": "Request body has invalid json format"})
		return false
	}
	if k, bad := unknownKey(m, allowed...); bad {
		freshdeskInvalid(w, freshdeskFieldError{Field: k, Message: "Unexpected/invalid field in request", Code: "invalid_field"})
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		field := "body"
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			field = te.Field
		}
		freshdeskInvalid(w, freshdeskFieldError{Field: field, Message: "Value set is of type " + fmt.Sprint(err), Code: "datatype_mismatch"})
		return false
	}
	return true
}

// checkFields returns the field errors of priority and status, which Freshdesk numbers.
func checkFields(fb *freshdeskBody) []freshdeskFieldError {
	var errs []freshdeskFieldError
	if fb.Priority != nil && (*fb.Priority < 1 || *fb.Priority > 4) {
		errs = append(errs, freshdeskFieldError{Field: "priority", Message: "It should be one of these values: '1,2,3,4'", Code: "invalid_value"})
	}
	if fb.Status != nil && (*fb.Status < 2 || *fb.Status > 5) {
		errs = append(errs, freshdeskFieldError{Field: "status", Message: "It should be one of these values: '2,3,4,5'", Code: "invalid_value"})
	}
	return errs
}

func (f *Freshdesk) create(w http.ResponseWriter, r *http.Request) {
	var fb freshdeskBody
	if !readFreshdesk(w, r, &fb, freshdeskFields...) {
		return
	}
	errs := checkFields(&fb)
	if deref(fb.Email) == "" && fb.RequesterID == nil {
		errs = append(errs, freshdeskFieldError{Field: "requester_id", Message: "Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields", Code: "missing_field"})
	} else if e := deref(fb.Email); e != "" && !strings.Contains(e, "@") {
		errs = append(errs, freshdeskFieldError{Field: "email", Message: "It should be in the 'valid email address' format", Code: "invalid_value"})
	}
	if strings.TrimSpace(deref(fb.Subject)) == "" {
		errs = append(errs, freshdeskFieldError{Field: "subject", Message: "It should not be blank as this is a mandatory field", Code: "missing_field"})
	}
	if strings.TrimSpace(deref(fb.Description)) == "" {
		errs = append(errs, freshdeskFieldError{Field: "description", Message: "It should not be blank as this is a mandatory field", Code: "missing_field"})
	}
	if len(errs) > 0 {
		freshdeskInvalid(w, errs...)
		return
	}
	t := &FreshdeskTicket{Requester: deref(fb.Email), Subject: *fb.Subject, Description: *fb.Description, Tags: slices.Clone(fb.Tags)}
	t.setStatus(statusOr(fb.Status, 2))
	t.setPriority(statusOr(fb.Priority, 1))

	f.mu.Lock()
	t.ID = int64(len(f.tickets)) + 1
	f.tickets = append(f.tickets, t)
	drop := f.dropAnswer
	f.dropAnswer = false
	answer := f.wire(t)
	f.mu.Unlock()
	if drop {
		freshdeskFailure(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/api/v2/tickets/%d", f.srv.URL, t.ID))
	writeJSON(w, http.StatusCreated, answer)
}

func statusOr(p *int, dflt int) int {
	if p == nil {
		return dflt
	}
	return *p
}

// ticket finds the path's ticket, or answers Freshdesk's empty 404; f.mu must be held.
func (f *Freshdesk) ticket(w http.ResponseWriter, r *http.Request) *FreshdeskTicket {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var t *FreshdeskTicket
	if err == nil {
		t = f.find(id)
	}
	if t == nil {
		w.WriteHeader(http.StatusNotFound)
	}
	return t
}

func (f *Freshdesk) update(w http.ResponseWriter, r *http.Request) {
	var fb freshdeskBody
	if !readFreshdesk(w, r, &fb, freshdeskFields...) {
		return
	}
	if errs := checkFields(&fb); len(errs) > 0 {
		freshdeskInvalid(w, errs...)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.ticket(w, r)
	if t == nil {
		return
	}
	if fb.Subject != nil {
		t.Subject = *fb.Subject
	}
	if fb.Tags != nil {
		t.Tags = slices.Clone(fb.Tags)
	}
	t.setPriority(deref(fb.Priority))
	t.setStatus(deref(fb.Status))
	writeJSON(w, http.StatusOK, f.wire(t))
}

func (f *Freshdesk) note(w http.ResponseWriter, r *http.Request) {
	var nb struct {
		Body    *string `json:"body"`
		Private *bool   `json:"private"`
	}
	if !readFreshdesk(w, r, &nb, "body", "private", "incoming", "notify_emails", "user_id") {
		return
	}
	if strings.TrimSpace(deref(nb.Body)) == "" {
		freshdeskInvalid(w, freshdeskFieldError{Field: "body", Message: "It should not be blank as this is a mandatory field", Code: "missing_field"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.ticket(w, r)
	if t == nil {
		return
	}
	n := FreshdeskNote{Body: *nb.Body, Private: true} // Freshdesk notes are private by default
	if nb.Private != nil {
		n.Private = *nb.Private
	}
	t.Notes = append(t.Notes, n)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": len(t.Notes), "ticket_id": t.ID, "body": n.Body, "private": n.Private, "incoming": false,
		"created_at": time.Now().UTC().Format(time.RFC3339),
	})
}

// wire renders t as the Tickets API does; f.mu must be held.
func (f *Freshdesk) wire(t *FreshdeskTicket) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	tags := slices.Clone(t.Tags)
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": t.ID, "subject": t.Subject, "status": t.Status, "priority": t.Priority,
		"requester_id": 1000 + len(t.Requester), "source": 2, "type": nil, "spam": false,
		"fr_escalated": false, "is_escalated": false, "tags": tags, "custom_fields": map[string]any{},
		"created_at": now, "updated_at": now,
	}
}

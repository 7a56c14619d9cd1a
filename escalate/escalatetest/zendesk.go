package escalatetest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// ZendeskTicket is a ticket the Zendesk stand-in holds, with its history.
type ZendeskTicket struct {
	ID         int64
	ExternalID string
	Subject    string
	Status     string // new, open, pending, hold, solved or closed
	Priority   string // low, normal, high, urgent, or "" for none
	Tags       []string
	Requester  ZendeskUser      // the API's agent unless the ticket was opened with a requester
	Comments   []ZendeskComment // the first is the description
	Priorities []string         // every priority the ticket had, oldest first
	Statuses   []string         // every status the ticket had, oldest first
}

// ZendeskComment is a ticket comment. Only a public one is mailed to the requester (by the
// account's triggers); a private one is an internal note agents alone see.
type ZendeskComment struct {
	ID       int64
	AuthorID int64 // every comment made through the API is the API agent's
	Body     string
	Public   bool
}

// ZendeskUser is a user of the account: the agent the API token belongs to (id 1), or an end
// user a ticket's requester created.
type ZendeskUser struct {
	ID    int64
	Name  string
	Email string
}

// zendeskMaxName is the longest user name Zendesk accepts; a name must also not be blank.
const zendeskMaxName = 255

// Zendesk stands in for the Zendesk Support Tickets API: list (by external id), create (with
// a requester, who is created or matched by email as Zendesk does), show, update and list a
// ticket's comments, with API token basic auth. It is safe for concurrent use.
type Zendesk struct {
	faults

	srv          *httptest.Server
	email, token string

	mu          sync.Mutex
	tickets     []*ZendeskTicket // by id
	users       []ZendeskUser    // by id; the first is the API agent
	lastComment int64
	dropAnswer  bool
	dropUpdate  bool
}

// NewZendesk starts a Zendesk stand-in that accepts email's API token token and stops it when
// the test ends.
func NewZendesk(t testing.TB, email, token string) *Zendesk {
	t.Helper()
	z := &Zendesk{email: email, token: token, users: []ZendeskUser{{ID: 1, Name: "Shipflow API", Email: email}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/tickets.json", z.list)
	mux.HandleFunc("GET /api/v2/tickets/{id}/comments.json", z.comments)
	mux.HandleFunc("POST /api/v2/tickets.json", z.create)
	mux.HandleFunc("GET /api/v2/tickets/{file}", z.show)
	mux.HandleFunc("PUT /api/v2/tickets/{file}", z.update)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		zendeskError(w, http.StatusNotFound, "InvalidEndpoint", "Not found", nil)
	})
	z.srv = httptest.NewServer(z.guard(mux))
	t.Cleanup(z.srv.Close)
	return z
}

// URL is the account's base URL, the value of ZENDESK_URL.
func (z *Zendesk) URL() string { return z.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (z *Zendesk) Close() { z.srv.Close() }

// Tickets returns copies of every ticket, oldest first.
func (z *Zendesk) Tickets() []ZendeskTicket {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := make([]ZendeskTicket, 0, len(z.tickets))
	for _, t := range z.tickets {
		out = append(out, t.clone())
	}
	return out
}

// DropAnswerOnce makes the next ticket creation succeed but answer 500, as when the answer is
// lost on the way back: the client cannot know the ticket exists.
func (z *Zendesk) DropAnswerOnce() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.dropAnswer = true
}

// DropUpdateAnswerOnce makes the next ticket update (a comment, a priority) take effect but
// answer 500, as when the answer is lost on the way back: a client that retries blindly
// comments twice.
func (z *Zendesk) DropUpdateAnswerOnce() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.dropUpdate = true
}

// SetStatus changes a ticket's status as an agent or an automation would (solved by staff,
// closed four days later), so tests can meet tickets in every state.
func (z *Zendesk) SetStatus(id int64, status string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if t := z.find(id); t != nil {
		t.setStatus(status)
	}
}

func (t *ZendeskTicket) clone() ZendeskTicket {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	c.Comments = slices.Clone(t.Comments)
	c.Priorities = slices.Clone(t.Priorities)
	c.Statuses = slices.Clone(t.Statuses)
	return c
}

func (t *ZendeskTicket) setStatus(s string) {
	if s != "" && s != t.Status {
		t.Status = s
		t.Statuses = append(t.Statuses, s)
	}
}

func (t *ZendeskTicket) setPriority(p string) {
	if p != "" && p != t.Priority {
		t.Priority = p
		t.Priorities = append(t.Priorities, p)
	}
}

// find returns the ticket with id; z.mu must be held.
func (z *Zendesk) find(id int64) *ZendeskTicket {
	for _, t := range z.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// zendeskDetail is one entry of a 422's details.
type zendeskDetail struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
}

func zendeskError(w http.ResponseWriter, status int, code, description string, details map[string][]zendeskDetail) {
	body := map[string]any{"error": code}
	if description != "" {
		body["description"] = description
	}
	if details != nil {
		body["details"] = details
	}
	retryAfter(w, status)
	writeJSON(w, status, body)
}

// failure answers a FailNext status with Zendesk's body for it.
func failure(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusUnauthorized:
		writeJSON(w, status, map[string]string{"error": "Couldn't authenticate you"})
	case http.StatusForbidden:
		zendeskError(w, status, "Forbidden", "You do not have access to this page. Please contact the account owner of this help desk for further help.", nil)
	case http.StatusNotFound:
		zendeskError(w, status, "RecordNotFound", "Not found", nil)
	case http.StatusUnprocessableEntity:
		zendeskError(w, status, "RecordInvalid", "Record validation errors", map[string][]zendeskDetail{})
	case http.StatusTooManyRequests:
		zendeskError(w, status, "APIRateLimitExceeded", "Number of allowed API requests per minute exceeded", nil)
	default:
		zendeskError(w, status, strings.ReplaceAll(http.StatusText(status), " ", ""), http.StatusText(status), nil)
	}
}

// guard applies what comes before routing: programmed failures, then authentication. Zendesk
// takes an API token as basic auth with the user "<email>/token" and the token as password.
func (z *Zendesk) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, fail := z.next(); fail {
			failure(w, status)
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(z.email+"/token")) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(z.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="Web Password"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ticketID reads {id}.json from the path.
func ticketID(r *http.Request) (int64, bool) {
	file := r.PathValue("file")
	id, err := strconv.ParseInt(strings.TrimSuffix(file, ".json"), 10, 64)
	return id, err == nil && strings.HasSuffix(file, ".json") && id > 0
}

func (z *Zendesk) list(w http.ResponseWriter, r *http.Request) {
	ext, byExt := r.URL.Query()["external_id"]
	z.mu.Lock()
	out := []map[string]any{}
	for _, t := range z.tickets {
		if !byExt || slices.Contains(ext, t.ExternalID) {
			out = append(out, z.wire(t))
		}
	}
	z.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out, "next_page": nil, "previous_page": nil, "count": len(out)})
}

func (z *Zendesk) show(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	z.mu.Lock()
	defer z.mu.Unlock()
	t := z.find(id)
	if !ok || t == nil {
		zendeskError(w, http.StatusNotFound, "RecordNotFound", "Not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": z.wire(t)})
}

// zendeskComment and zendeskTicketBody are the parts of a ticket request the stand-in reads;
// a field of the wrong JSON type is refused with 400, as Zendesk does.
type zendeskComment struct {
	Body     *string `json:"body"`
	HTMLBody *string `json:"html_body"`
	Public   *bool   `json:"public"`
}

type zendeskTicketBody struct {
	Requester  *zendeskRequester `json:"requester"`
	Subject    *string           `json:"subject"`
	Comment    *zendeskComment   `json:"comment"`
	Priority   *string           `json:"priority"`
	Status     *string           `json:"status"`
	Tags       []string          `json:"tags"`
	ExternalID *string           `json:"external_id"`
}

// readTicket reads {"ticket":{...}} or answers the error and returns nil.
func readTicket(w http.ResponseWriter, r *http.Request) *zendeskTicketBody {
	body, err := readBody(w, r)
	if err != nil {
		zendeskError(w, http.StatusRequestEntityTooLarge, "RequestTooLarge", "Request entity too large", nil)
		return nil
	}
	if !isJSON(r) {
		zendeskError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Type must be application/json", nil)
		return nil
	}
	var req struct {
		Ticket *zendeskTicketBody `json:"ticket"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		zendeskError(w, http.StatusBadRequest, "InvalidValue", "Invalid JSON: "+err.Error(), nil)
		return nil
	}
	if req.Ticket == nil {
		zendeskError(w, http.StatusBadRequest, "ParameterMissing", "Parameter ticket is required", nil)
		return nil
	}
	return req.Ticket
}

// zendeskRequester is a ticket's requester given by identity rather than id.
type zendeskRequester struct {
	Name     *string `json:"name"`
	Email    *string `json:"email"`
	LocaleID *int64  `json:"locale_id"`
}

var (
	zendeskPriorities = []string{"low", "normal", "high", "urgent"}
	zendeskStatuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
)

// validate returns the 422 details for invalid priority, status and comment, or nil.
func validate(tb *zendeskTicketBody, creating bool) map[string][]zendeskDetail {
	details := map[string][]zendeskDetail{}
	if tb.Priority != nil && *tb.Priority != "" && !slices.Contains(zendeskPriorities, *tb.Priority) {
		details["priority"] = []zendeskDetail{{Description: "Priority: is not valid", Error: "InvalidValue"}}
	}
	if tb.Status != nil && *tb.Status != "" && !slices.Contains(zendeskStatuses, *tb.Status) {
		details["status"] = []zendeskDetail{{Description: "Status: is not valid", Error: "InvalidValue"}}
	}
	blank := tb.Comment == nil ||
		(tb.Comment.Body == nil || strings.TrimSpace(*tb.Comment.Body) == "") && (tb.Comment.HTMLBody == nil || *tb.Comment.HTMLBody == "")
	if creating && blank {
		details["base"] = []zendeskDetail{{Description: "Description: cannot be blank", Error: "BlankValue"}}
	}
	if !creating && tb.Comment != nil && blank {
		details["comment"] = []zendeskDetail{{Description: "Comment: cannot be blank", Error: "BlankValue"}}
	}
	if rq := tb.Requester; rq != nil {
		email := deref(rq.Email)
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
			details["requester"] = []zendeskDetail{{Description: fmt.Sprintf("Requester: Email: %s is not properly formatted", email), Error: "InvalidFormat"}}
		} else if n := utf8.RuneCountInString(strings.TrimSpace(deref(rq.Name))); n > zendeskMaxName {
			details["requester"] = []zendeskDetail{{Description: "Requester: Name: is too long (maximum is 255 characters)", Error: "TooLong"}}
		}
	}
	if len(details) == 0 {
		return nil
	}
	return details
}

func (z *Zendesk) create(w http.ResponseWriter, r *http.Request) {
	tb := readTicket(w, r)
	if tb == nil {
		return
	}
	if details := validate(tb, true); details != nil {
		zendeskError(w, http.StatusUnprocessableEntity, "RecordInvalid", "Record validation errors", details)
		return
	}
	t := &ZendeskTicket{Status: "new", Tags: slices.Clone(tb.Tags), Statuses: []string{"new"}}
	if tb.Subject != nil {
		t.Subject = *tb.Subject
	}
	if tb.ExternalID != nil {
		t.ExternalID = *tb.ExternalID
	}
	t.setPriority(deref(tb.Priority))
	t.setStatus(deref(tb.Status))

	z.mu.Lock()
	t.Requester = z.users[0]
	if rq := tb.Requester; rq != nil {
		u, ok := z.requester(deref(rq.Name), deref(rq.Email))
		if !ok {
			z.mu.Unlock()
			zendeskError(w, http.StatusUnprocessableEntity, "RecordInvalid", "Record validation errors",
				map[string][]zendeskDetail{"requester": {{Description: "Requester: Name: is too short (minimum is 1 character)", Error: "TooShort"}}})
			return
		}
		t.Requester = u
	}
	t.Comments = append(t.Comments, z.comment(tb.Comment))
	t.ID = int64(len(z.tickets)) + 1
	z.tickets = append(z.tickets, t)
	drop := z.dropAnswer
	z.dropAnswer = false
	answer := map[string]any{"ticket": z.wire(t)}
	z.mu.Unlock()
	if drop {
		zendeskError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error", nil)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/api/v2/tickets/%d.json", z.srv.URL, t.ID))
	writeJSON(w, http.StatusCreated, answer)
}

func (z *Zendesk) update(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	tb := readTicket(w, r)
	if tb == nil {
		return
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	t := z.find(id)
	if !ok || t == nil {
		zendeskError(w, http.StatusNotFound, "RecordNotFound", "Not found", nil)
		return
	}
	if t.Status == "closed" {
		zendeskError(w, http.StatusUnprocessableEntity, "RecordInvalid", "Record validation errors",
			map[string][]zendeskDetail{"status": {{Description: "Status: closed prevents ticket update", Error: "ClosedPreventsUpdate"}}})
		return
	}
	if details := validate(tb, false); details != nil {
		zendeskError(w, http.StatusUnprocessableEntity, "RecordInvalid", "Record validation errors", details)
		return
	}
	if tb.Subject != nil {
		t.Subject = *tb.Subject
	}
	if tb.Tags != nil {
		t.Tags = slices.Clone(tb.Tags)
	}
	t.setPriority(deref(tb.Priority))
	t.setStatus(deref(tb.Status))
	if tb.Requester != nil {
		zendeskError(w, http.StatusBadRequest, "InvalidValue", "A requester identity can only be given when the ticket is created; update requester_id", nil)
		return
	}
	if tb.Comment != nil {
		t.Comments = append(t.Comments, z.comment(tb.Comment))
	}
	if z.dropUpdate {
		z.dropUpdate = false
		zendeskError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": z.wire(t)})
}

// requester finds the end user with email (Zendesk matches identities case-blind) or creates
// one named name; an existing user keeps their name, as in Zendesk. A new user needs a name.
// z.mu must be held.
func (z *Zendesk) requester(name, email string) (ZendeskUser, bool) {
	for _, u := range z.users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return ZendeskUser{}, false
	}
	u := ZendeskUser{ID: int64(len(z.users)) + 1, Name: name, Email: email}
	z.users = append(z.users, u)
	return u, true
}

// comment records a request's comment as the API agent's. Zendesk makes comments public unless
// told otherwise and trims the body's surrounding white space. z.mu must be held.
func (z *Zendesk) comment(c *zendeskComment) ZendeskComment {
	z.lastComment++
	out := ZendeskComment{ID: z.lastComment, AuthorID: z.users[0].ID, Body: strings.TrimSpace(deref(c.Body)), Public: true}
	if out.Body == "" {
		out.Body = deref(c.HTMLBody)
	}
	if c.Public != nil {
		out.Public = *c.Public
	}
	return out
}

// zendeskMaxPerPage is the largest page the offset-paginated list endpoints serve.
const zendeskMaxPerPage = 100

// comments answers GET /api/v2/tickets/{id}/comments.json: the ticket's comments, oldest first
// unless sort_order=desc, a page of per_page (at most 100, the default) at a time, with the
// next page's URL or null.
func (z *Zendesk) comments(w http.ResponseWriter, r *http.Request) {
	id, idErr := strconv.ParseInt(r.PathValue("id"), 10, 64)
	q := r.URL.Query()
	perPage, page := zendeskMaxPerPage, 1
	var err error
	if v := q.Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > zendeskMaxPerPage {
			zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "per_page must be between 1 and 100", nil)
			return
		}
	}
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			zendeskError(w, http.StatusBadRequest, "InvalidPaginationParameter", "page must be a positive number", nil)
			return
		}
	}
	order := q.Get("sort_order")
	if order != "" && order != "asc" && order != "desc" {
		zendeskError(w, http.StatusBadRequest, "InvalidValue", "sort_order must be asc or desc", nil)
		return
	}
	z.mu.Lock()
	t := z.find(id)
	if idErr != nil || t == nil {
		z.mu.Unlock()
		zendeskError(w, http.StatusNotFound, "RecordNotFound", "Not found", nil)
		return
	}
	all := slices.Clone(t.Comments)
	z.mu.Unlock()
	if order == "desc" {
		slices.Reverse(all)
	}
	from := min((page-1)*perPage, len(all))
	to := min(from+perPage, len(all))
	out := make([]map[string]any, 0, to-from)
	for _, c := range all[from:to] {
		out = append(out, map[string]any{
			"id": c.ID, "type": "Comment", "author_id": c.AuthorID, "body": c.Body,
			"html_body": "<div class=\"zd-comment\"><p>" + html.EscapeString(c.Body) + "</p></div>", "plain_body": c.Body,
			"public": c.Public, "attachments": []any{}, "audit_id": c.ID,
			"via":        map[string]any{"channel": "api", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
			"created_at": time.Now().UTC().Format(time.RFC3339), "metadata": map[string]any{"system": map[string]any{}},
		})
	}
	var next any
	if to < len(all) {
		nq := url.Values{"page": {strconv.Itoa(page + 1)}, "per_page": {strconv.Itoa(perPage)}}
		if order != "" {
			nq.Set("sort_order", order)
		}
		next = fmt.Sprintf("%s/api/v2/tickets/%d/comments.json?%s", z.srv.URL, id, nq.Encode())
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": out, "next_page": next, "previous_page": nil, "count": len(all)})
}

// wire renders t as the Tickets API does; z.mu must be held.
func (z *Zendesk) wire(t *ZendeskTicket) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	m := map[string]any{
		"id":           t.ID,
		"url":          fmt.Sprintf("%s/api/v2/tickets/%d.json", z.srv.URL, t.ID),
		"external_id":  nil,
		"type":         nil,
		"subject":      t.Subject,
		"raw_subject":  t.Subject,
		"description":  t.Comments[0].Body,
		"priority":     nil,
		"status":       t.Status,
		"tags":         slices.Clone(t.Tags),
		"requester_id": t.Requester.ID,
		"submitter_id": z.users[0].ID,
		"created_at":   now,
		"updated_at":   now,
	}
	if t.ExternalID != "" {
		m["external_id"] = t.ExternalID
	}
	if t.Priority != "" {
		m["priority"] = t.Priority
	}
	if t.Tags == nil {
		m["tags"] = []string{}
	}
	return m
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

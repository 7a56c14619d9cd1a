package connectortest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ActiveCampaignContact is a contact as the ActiveCampaign stand-in holds it.
type ActiveCampaignContact struct {
	ID    string
	Email string
	// Fields are the custom field values by the field's personalization tag.
	Fields map[string]string
	// Tags are the names of the contact's tags, in the order they were added.
	Tags []string
}

// ActiveCampaign stands in for ActiveCampaign's v3 API as a connector uses it: custom fields
// (GET /api/3/fields), contact sync (POST /api/3/contact/sync), tags (GET and POST
// /api/3/tags) and contact tags (POST /api/3/contactTags), with Api-Token authentication. It is
// safe for concurrent use.
type ActiveCampaign struct {
	faults

	token string
	srv   *httptest.Server
	// OnTag, when set before the first request, is called with the contact's email and the
	// tag's name whenever a contact gets a tag it did not have.
	OnTag func(email, tag string)

	mu          sync.Mutex
	nextID      int
	fields      []acField
	contacts    map[string]*acContact // by lower-case email
	tags        []acTag
	contactTags map[[2]string]string // contact id, tag id: contactTag id
	requests    map[string]int       // "METHOD /path": count
}

type acField struct{ ID, Title, Perstag string }

type acTag struct{ ID, Name, Type string }

type acContact struct {
	ID, Email string
	values    map[string]string // by field id
	tags      []string          // tag ids
}

// NewActiveCampaign starts an ActiveCampaign stand-in that accepts the API token token, and
// stops it when the test ends.
func NewActiveCampaign(t testing.TB, token string) *ActiveCampaign {
	t.Helper()
	ac := StartActiveCampaign(token)
	t.Cleanup(ac.Close)
	return ac
}

// StartActiveCampaign starts an ActiveCampaign stand-in outside a test (`shipflow dev
// -standins`); Close stops it.
func StartActiveCampaign(token string) *ActiveCampaign {
	ac := &ActiveCampaign{token: token, contacts: map[string]*acContact{}, contactTags: map[[2]string]string{}, requests: map[string]int{}}
	ac.srv = httptest.NewServer(ac.Control(http.HandlerFunc(ac.serve)))
	return ac
}

// Close stops the stand-in.
func (ac *ActiveCampaign) Close() { ac.srv.Close() }

// URL is the stand-in's base URL, an ActiveCampaign connector's url (the account's API URL).
func (ac *ActiveCampaign) URL() string { return ac.srv.URL }

// AddField creates a custom text field titled title, with the personalization tag
// ActiveCampaign derives from it (upper case, spaces as underscores), and returns its id.
func (ac *ActiveCampaign) AddField(title string) string {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	id := ac.newID()
	ac.fields = append(ac.fields, acField{ID: id, Title: title, Perstag: strings.ToUpper(strings.ReplaceAll(title, " ", "_"))})
	return id
}

// DeleteTag deletes the tag named name and its contact tags, as an account user can.
func (ac *ActiveCampaign) DeleteTag(name string) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	ac.tags = slices.DeleteFunc(ac.tags, func(t acTag) bool { return strings.EqualFold(t.Name, name) })
}

// Contact is the contact with email, if there is one.
func (ac *ActiveCampaign) Contact(email string) (ActiveCampaignContact, bool) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	c, ok := ac.contacts[strings.ToLower(email)]
	if !ok {
		return ActiveCampaignContact{}, false
	}
	out := ActiveCampaignContact{ID: c.ID, Email: c.Email, Fields: map[string]string{}}
	for _, f := range ac.fields {
		if v, ok := c.values[f.ID]; ok {
			out.Fields[f.Perstag] = v
		}
	}
	for _, id := range c.tags {
		for _, t := range ac.tags {
			if t.ID == id {
				out.Tags = append(out.Tags, t.Name)
			}
		}
	}
	return out, true
}

// Requests counts the authenticated requests of method and path ("POST /api/3/contactTags").
func (ac *ActiveCampaign) Requests(methodPath string) int {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	return ac.requests[methodPath]
}

func (ac *ActiveCampaign) newID() string {
	ac.nextID++
	return strconv.Itoa(ac.nextID)
}

// acMaxPage is the API's largest page (limit).
const acMaxPage = 100

func (ac *ActiveCampaign) serve(w http.ResponseWriter, r *http.Request) {
	raw, fail, done, bodyErr := ac.Suffer(w, r, maxBody)
	if done {
		return
	}
	if fail != nil {
		retryAfter(w, fail.Status)
		acFailure(w, fail.Status)
		return
	}
	if tok := r.Header.Get("Api-Token"); tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(ac.token)) != 1 {
		acMessage(w, http.StatusForbidden, "You are not authorized to access this resource")
		return
	}
	route := r.Method + " " + strings.TrimSuffix(r.URL.Path, "/")
	ac.mu.Lock()
	ac.requests[route]++
	ac.mu.Unlock()
	if bodyErr != nil {
		acMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	if r.Method == http.MethodPost {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
			acErrors(w, http.StatusUnprocessableEntity, "Content-Type must be application/json", "invalid", "")
			return
		}
	}
	switch route {
	case "GET /api/3/fields":
		ac.listFields(w, r)
	case "POST /api/3/contact/sync":
		ac.syncContact(w, raw)
	case "GET /api/3/tags":
		ac.listTags(w, r)
	case "POST /api/3/tags":
		ac.createTag(w, raw)
	case "POST /api/3/contactTags":
		ac.addContactTag(w, raw)
	default:
		acMessage(w, http.StatusNotFound, "No Result found for route "+strings.TrimSuffix(r.URL.Path, "/"))
	}
}

// page reads limit (default 20, at most acMaxPage) and offset as the API does.
func page(r *http.Request) (limit, offset int) {
	limit, offset = 20, 0
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, acMaxPage)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && n > 0 {
		offset = n
	}
	return limit, offset
}

func (ac *ActiveCampaign) listFields(w http.ResponseWriter, r *http.Request) {
	limit, offset := page(r)
	ac.mu.Lock()
	total := len(ac.fields)
	var out []map[string]any
	for _, f := range ac.fields[min(offset, total):min(offset+limit, total)] {
		out = append(out, map[string]any{"title": f.Title, "descript": "", "type": "text", "isrequired": "0", "perstag": f.Perstag,
			"defval": "", "show_in_list": "0", "rows": "0", "cols": "0", "visible": "1", "service": "", "ordernum": f.ID,
			"cdate": acNow(), "udate": acNow(), "options": []any{}, "relations": []any{}, "links": map[string]string{"options": "", "relations": ""}, "id": f.ID})
	}
	ac.mu.Unlock()
	acJSON(w, http.StatusOK, map[string]any{"fieldOptions": []any{}, "fieldRels": []any{}, "fields": nonNil(out), "meta": map[string]any{"total": strconv.Itoa(total)}})
}

func (ac *ActiveCampaign) syncContact(w http.ResponseWriter, raw []byte) {
	var in struct {
		Contact *struct {
			Email       string `json:"email"`
			FieldValues []struct {
				Field json.RawMessage `json:"field"`
				Value string          `json:"value"`
			} `json:"fieldValues"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || in.Contact == nil {
		acErrors(w, http.StatusBadRequest, "The request body is not valid JSON or has no contact.", "invalid", "/data")
		return
	}
	email := in.Contact.Email
	if email == "" {
		acErrors(w, http.StatusUnprocessableEntity, "Email address is required", "field_missing", "/data/attributes/email")
		return
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		acErrors(w, http.StatusUnprocessableEntity, "Email address is not valid", "email_invalid", "/data/attributes/email")
		return
	}
	ac.mu.Lock()
	values := map[string]string{}
	for _, fv := range in.Contact.FieldValues {
		id := strings.Trim(string(fv.Field), `"`)
		if !slices.ContainsFunc(ac.fields, func(f acField) bool { return f.ID == id }) {
			ac.mu.Unlock()
			acErrors(w, http.StatusUnprocessableEntity, fmt.Sprintf("Field with id %s does not exist", id), "field_invalid", "/data/attributes/fieldValues")
			return
		}
		values[id] = fv.Value
	}
	status := http.StatusOK
	c, ok := ac.contacts[strings.ToLower(email)]
	if !ok {
		status = http.StatusCreated
		c = &acContact{ID: ac.newID(), Email: email, values: map[string]string{}}
		ac.contacts[strings.ToLower(email)] = c
	}
	var fvs []map[string]any
	for id, v := range values {
		c.values[id] = v
		fvs = append(fvs, map[string]any{"contact": c.ID, "field": id, "value": v, "cdate": acNow(), "udate": acNow(), "links": map[string]string{}, "id": id, "owner": c.ID})
	}
	contact := map[string]any{"email": c.Email, "cdate": acNow(), "udate": acNow(), "orgid": "", "orgname": "", "links": map[string]string{}, "id": c.ID, "organization": ""}
	ac.mu.Unlock()
	acJSON(w, status, map[string]any{"fieldValues": nonNil(fvs), "contact": contact})
}

func (ac *ActiveCampaign) listTags(w http.ResponseWriter, r *http.Request) {
	limit, offset := page(r)
	search := strings.ToLower(r.URL.Query().Get("search"))
	ac.mu.Lock()
	var found []map[string]any
	for _, t := range ac.tags {
		if strings.Contains(strings.ToLower(t.Name), search) {
			found = append(found, acTagJSON(t))
		}
	}
	ac.mu.Unlock()
	total := len(found)
	acJSON(w, http.StatusOK, map[string]any{"tags": nonNil(found[min(offset, total):min(offset+limit, total)]), "meta": map[string]any{"total": strconv.Itoa(total)}})
}

func acTagJSON(t acTag) map[string]any {
	return map[string]any{"tagType": t.Type, "tag": t.Name, "description": "", "cdate": acNow(), "subscriber_count": "0",
		"created_timestamp": acNow(), "updated_timestamp": acNow(), "links": map[string]string{}, "id": t.ID}
}

func (ac *ActiveCampaign) createTag(w http.ResponseWriter, raw []byte) {
	var in struct {
		Tag *struct {
			Tag     string `json:"tag"`
			TagType string `json:"tagType"`
		} `json:"tag"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || in.Tag == nil {
		acErrors(w, http.StatusBadRequest, "The request body is not valid JSON or has no tag.", "invalid", "/data")
		return
	}
	if strings.TrimSpace(in.Tag.Tag) == "" {
		acErrors(w, http.StatusUnprocessableEntity, "Tag name is required", "field_missing", "/data/attributes/tag")
		return
	}
	if in.Tag.TagType != "contact" && in.Tag.TagType != "template" {
		acErrors(w, http.StatusUnprocessableEntity, "Tag type must be contact or template", "field_invalid", "/data/attributes/tagType")
		return
	}
	ac.mu.Lock()
	if slices.ContainsFunc(ac.tags, func(t acTag) bool { return strings.EqualFold(t.Name, in.Tag.Tag) && t.Type == in.Tag.TagType }) {
		ac.mu.Unlock()
		acErrors(w, http.StatusUnprocessableEntity, "Tag name already exists", "duplicate", "/data/attributes/tag")
		return
	}
	t := acTag{ID: ac.newID(), Name: in.Tag.Tag, Type: in.Tag.TagType}
	ac.tags = append(ac.tags, t)
	ac.mu.Unlock()
	acJSON(w, http.StatusCreated, map[string]any{"tag": acTagJSON(t)})
}

func (ac *ActiveCampaign) addContactTag(w http.ResponseWriter, raw []byte) {
	var in struct {
		ContactTag *struct {
			Contact json.RawMessage `json:"contact"`
			Tag     json.RawMessage `json:"tag"`
		} `json:"contactTag"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || in.ContactTag == nil {
		acErrors(w, http.StatusBadRequest, "The request body is not valid JSON or has no contactTag.", "invalid", "/data")
		return
	}
	cid, tid := strings.Trim(string(in.ContactTag.Contact), `"`), strings.Trim(string(in.ContactTag.Tag), `"`)
	ac.mu.Lock()
	defer ac.mu.Unlock()
	var contact *acContact
	for _, c := range ac.contacts {
		if c.ID == cid {
			contact = c
		}
	}
	if contact == nil {
		acErrors(w, http.StatusUnprocessableEntity, "The related contact does not exist.", "related_missing", "/data/attributes/contact")
		return
	}
	if !slices.ContainsFunc(ac.tags, func(t acTag) bool { return t.ID == tid }) {
		acErrors(w, http.StatusUnprocessableEntity, "The related tag does not exist.", "related_missing", "/data/attributes/tag")
		return
	}
	key := [2]string{cid, tid}
	id, ok := ac.contactTags[key]
	if !ok { // a tag the contact has already is answered with its contactTag, unchanged
		id = ac.newID()
		ac.contactTags[key] = id
		contact.tags = append(contact.tags, tid)
		if ac.OnTag != nil {
			for _, t := range ac.tags {
				if t.ID == tid {
					ac.OnTag(contact.Email, t.Name) // under the lock: keep it short
				}
			}
		}
	}
	acJSON(w, http.StatusCreated, map[string]any{"contactTag": map[string]any{"cdate": acNow(), "contact": cid, "id": id, "links": map[string]string{}, "tag": tid}})
}

// acFailure answers a programmed failure with ActiveCampaign's body for the status.
func acFailure(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusUnprocessableEntity:
		acErrors(w, status, "The request could not be processed", "invalid", "")
	case http.StatusTooManyRequests:
		acMessage(w, status, "Too Many Requests")
	default:
		acMessage(w, status, http.StatusText(status))
	}
}

// acMessage answers {"message": ...}, ActiveCampaign's body for 403, 404 and 429.
func acMessage(w http.ResponseWriter, status int, msg string) {
	acJSON(w, status, map[string]string{"message": msg})
}

// acErrors answers ActiveCampaign's validation errors body.
func acErrors(w http.ResponseWriter, status int, title, code, pointer string) {
	e := map[string]any{"title": title, "detail": "", "code": code}
	if pointer != "" {
		e["source"] = map[string]string{"pointer": pointer}
	}
	acJSON(w, status, map[string]any{"errors": []any{e}})
}

func acJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// acNow is a time as ActiveCampaign writes it.
func acNow() string { return time.Now().Format("2006-01-02T15:04:05-07:00") }

// nonNil is a list that encodes as [] when empty, as the API answers.
func nonNil(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

package connectortest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HubSpotUpdate is one contact update the HubSpot stand-in accepted.
type HubSpotUpdate struct {
	ContactID  string
	Email      string            // the contact's email, as the request's path named it
	Properties map[string]string // the request's properties, as sent
}

// HubSpot properties the stand-in's account has, as a merchant following docs/connectors.md
// creates them, with HubSpot's field types: an enumeration takes only its options' internal
// values, a date only YYYY-MM-DD or the epoch milliseconds of a UTC midnight.
var hubSpotProperties = map[string]hubSpotProperty{
	"email":                    {kind: "string"},
	"firstname":                {kind: "string"},
	"shipflow_order_id":        {kind: "string"},
	"shipflow_carrier":         {kind: "string"},
	"shipflow_tracking_url":    {kind: "string"},
	"shipflow_tracking_number": {kind: "string"},
	"shipflow_eta":             {kind: "date"},
	"shipflow_shipping_stage": {kind: "enumeration", options: []string{"created", "confirmed", "packed", "shipped",
		"in_transit", "out_for_delivery", "delivered", "exception", "cancelled", "returned"}},
}

type hubSpotProperty struct {
	kind    string // string, date, enumeration
	options []string
}

// HubSpot stands in for HubSpot's CRM API v3 as a private app with the contacts write scope
// reaches it: PATCH /crm/v3/objects/contacts/{id or email}?idProperty=email. It is safe for
// concurrent use.
type HubSpot struct {
	faults

	// EveryoneKnown, set before the first request, makes a contact of any email on its first
	// update, for `shipflow dev`, whose customers no CRM knows; otherwise an unknown email is
	// HubSpot's 404.
	EveryoneKnown bool
	// OnAccept, when set before the first request, is called with every accepted update.
	OnAccept func(HubSpotUpdate)

	token string
	srv   *httptest.Server

	mu       sync.Mutex
	contacts map[string]*hubSpotContact // by lower-cased email
	props    map[string]hubSpotProperty
	updates  []HubSpotUpdate
	nextID   int
}

type hubSpotContact struct {
	id         string
	properties map[string]string
	created    time.Time
	updated    time.Time
}

// NewHubSpot starts a HubSpot stand-in that accepts token as a private app's access token and
// stops it when the test ends.
func NewHubSpot(t testing.TB, token string) *HubSpot {
	t.Helper()
	h := StartHubSpot(token)
	t.Cleanup(h.Close)
	return h
}

// StartHubSpot starts a HubSpot stand-in outside a test (`shipflow dev`); Close stops it.
func StartHubSpot(token string) *HubSpot {
	h := &HubSpot{token: token, contacts: map[string]*hubSpotContact{}, props: maps.Clone(hubSpotProperties), nextID: 51}
	h.srv = httptest.NewServer(h.Control(http.HandlerFunc(h.serve)))
	return h
}

// URL is the stand-in's base URL, the url of a hubspot endpoint.
func (h *HubSpot) URL() string { return h.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection.
func (h *HubSpot) Close() { h.srv.Close() }

// AddContact creates a contact with email, as the merchant's CRM has it, and returns its id.
func (h *HubSpot) AddContact(email string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	id := strconv.Itoa(h.nextID)
	now := time.Now().UTC()
	h.contacts[strings.ToLower(email)] = &hubSpotContact{id: id, properties: map[string]string{"email": email}, created: now, updated: now}
	return id
}

// Contact returns the properties the contact with email has now.
func (h *HubSpot) Contact(email string) (map[string]string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.contacts[strings.ToLower(email)]
	if !ok {
		return nil, false
	}
	return maps.Clone(c.properties), true
}

// DeleteProperty removes a contact property from the account, as if the merchant never
// created it.
func (h *HubSpot) DeleteProperty(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.props, name)
}

// Updates returns the updates accepted so far, oldest first.
func (h *HubSpot) Updates() []HubSpotUpdate {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.updates)
}

const hubSpotContactsPath = "/crm/v3/objects/contacts/"

func (h *HubSpot) serve(w http.ResponseWriter, r *http.Request) {
	body, fail, done, bodyErr := h.Suffer(w, r, maxBody)
	if done {
		return
	}
	if fail != nil {
		h.fail(w, fail)
		return
	}
	// HubSpot authenticates before it routes: a bad token is 401 on any path.
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") {
		hubSpotError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", nil)
		return
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimPrefix(auth, "Bearer ")), []byte(h.token)) != 1 {
		hubSpotError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"The OAuth token used to make this call expired or is invalid. Authentication failed.", nil)
		return
	}
	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(escaped, hubSpotContactsPath) || strings.Contains(escaped[len(hubSpotContactsPath):], "/") {
		w.WriteHeader(http.StatusNotFound) // HubSpot answers an unknown path with an empty 404
		return
	}
	if r.Method != http.MethodPatch {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	ref, err := url.PathUnescape(escaped[len(hubSpotContactsPath):])
	if err != nil || ref == "" {
		hubSpotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid object id", nil)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		hubSpotError(w, http.StatusUnsupportedMediaType, "VALIDATION_ERROR", "Content type '"+r.Header.Get("Content-Type")+"' not supported", nil)
		return
	}
	if bodyErr != nil {
		hubSpotError(w, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR", "Request entity too large", nil)
		return
	}
	var req struct {
		Properties map[string]*string `json:"properties"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		hubSpotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: "+err.Error(), nil)
		return
	}
	idProperty := r.URL.Query().Get("idProperty")
	if idProperty != "" && idProperty != "email" && idProperty != "hs_object_id" {
		hubSpotError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("Property %q is not a unique identifier", idProperty), nil)
		return
	}
	if errs := h.checkProperties(req.Properties); len(errs) > 0 {
		b, _ := json.Marshal(errs)
		hubSpotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Property values were not valid: "+string(b), nil)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var c *hubSpotContact
	if idProperty == "email" {
		c = h.contacts[strings.ToLower(ref)]
	} else {
		for _, k := range h.contacts {
			if k.id == ref {
				c = k
			}
		}
	}
	if c == nil && h.EveryoneKnown && idProperty == "email" {
		h.nextID++
		c = &hubSpotContact{id: strconv.Itoa(h.nextID), properties: map[string]string{"email": ref}, created: time.Now().UTC()}
		h.contacts[strings.ToLower(ref)] = c
	}
	if c == nil {
		hubSpotError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found", nil)
		return
	}
	sent := map[string]string{}
	for k, v := range req.Properties {
		val := ""
		if v != nil {
			val = *v
		}
		sent[k] = val
		c.properties[k] = val // an empty string clears a property, as HubSpot documents
	}
	c.updated = time.Now().UTC()
	up := HubSpotUpdate{ContactID: c.id, Email: c.properties["email"], Properties: sent}
	h.updates = append(h.updates, up)
	if h.OnAccept != nil {
		h.OnAccept(up)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": c.id, "properties": c.properties, "createdAt": c.created.Format(time.RFC3339Nano),
		"updatedAt": c.updated.Format(time.RFC3339Nano), "archived": false,
	})
}

// hubSpotPropertyError is one entry of the list HubSpot quotes in a VALIDATION_ERROR's message.
type hubSpotPropertyError struct {
	IsValid bool   `json:"isValid"`
	Message string `json:"message"`
	Error   string `json:"error"`
	Name    string `json:"name"`
}

var midnightMillis = regexp.MustCompile(`^[0-9]{1,15}$`)

// checkProperties validates property values as HubSpot does for their types.
func (h *HubSpot) checkProperties(props map[string]*string) []hubSpotPropertyError {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []hubSpotPropertyError
	for _, name := range slices.Sorted(maps.Keys(props)) {
		p, ok := h.props[name]
		if !ok {
			errs = append(errs, hubSpotPropertyError{Message: fmt.Sprintf("Property %q does not exist", name), Error: "PROPERTY_DOESNT_EXIST", Name: name})
			continue
		}
		v := props[name]
		if v == nil || *v == "" {
			continue
		}
		switch p.kind {
		case "date":
			if _, err := time.Parse(time.DateOnly, *v); err == nil {
				continue
			}
			if midnightMillis.MatchString(*v) {
				ms, _ := strconv.ParseInt(*v, 10, 64)
				if ms%(24*3600*1000) == 0 {
					continue
				}
			}
			errs = append(errs, hubSpotPropertyError{Message: fmt.Sprintf("%s was not a valid long. Date properties must be set to midnight UTC or a YYYY-MM-DD date", *v), Error: "INVALID_DATE", Name: name})
		case "enumeration":
			if !slices.Contains(p.options, *v) {
				errs = append(errs, hubSpotPropertyError{Message: fmt.Sprintf("%s was not one of the allowed options: %v", *v, p.options), Error: "INVALID_OPTION", Name: name})
			}
		}
	}
	return errs
}

// fail answers a programmed failure with HubSpot's body for it. A 429 is HubSpot's rate
// limit: its rate headers and RATE_LIMIT body, the policy named by the code (the default
// TEN_SECONDLY_ROLLING, or DAILY), and no Retry-After, which HubSpot does not send.
func (h *HubSpot) fail(w http.ResponseWriter, f *failure) {
	switch f.Status {
	case http.StatusTooManyRequests:
		policy := f.Code
		if policy == "" {
			policy = "TEN_SECONDLY_ROLLING"
		}
		w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		w.Header().Set("X-HubSpot-RateLimit-Max", "190")
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "0")
		w.Header().Set("X-HubSpot-RateLimit-Daily", "650000")
		w.Header().Set("X-HubSpot-RateLimit-Daily-Remaining", map[bool]string{true: "0", false: "640000"}[policy == "DAILY"])
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"status": "error", "message": "You have reached your " + strings.ToLower(policy) + " limit.", "errorType": "RATE_LIMIT",
			"correlationId": correlationID(), "policyName": policy,
		})
	case http.StatusUnauthorized:
		hubSpotError(w, f.Status, "INVALID_AUTHENTICATION", "The OAuth token used to make this call expired or is invalid. Authentication failed.", nil)
	case http.StatusForbidden:
		hubSpotError(w, f.Status, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
			[]map[string]any{{"message": "One or more of the following scopes are required.", "context": map[string]any{"requiredGranularScopes": []string{"crm.objects.contacts.write"}}}})
	default:
		if f.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		code := f.Code
		if code == "" {
			code = "INTERNAL_ERROR"
		}
		hubSpotError(w, f.Status, code, http.StatusText(f.Status), nil)
	}
}

// hubSpotError answers with HubSpot's error body.
func hubSpotError(w http.ResponseWriter, status int, category, message string, errs []map[string]any) {
	body := map[string]any{"status": "error", "message": message, "correlationId": correlationID(), "category": category}
	if errs != nil {
		body["errors"] = errs
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// correlationID is shaped like HubSpot's (a UUID).
func correlationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

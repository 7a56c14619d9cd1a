package connectortest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
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
	"unicode/utf8"
)

// SalesforceEvent is one Platform Event message the Salesforce stand-in accepted.
type SalesforceEvent struct {
	Object string         // the event's API name, e.g. Shipflow_Milestone__e
	Fields map[string]any // the request's fields, as JSON decodes them (null is nil)
}

// SalesforceMilestone is the Platform Event a merchant following docs/connectors.md defines:
// its API name and its custom fields with their types. The stand-in's org has it.
const SalesforceMilestone = "Shipflow_Milestone__e"

// salesforceFieldTypes are SalesforceMilestone's fields: Text(255) unless named here.
var salesforceFieldTypes = map[string]string{
	"Event_Id__c": "text", "Order_Id__c": "text", "Milestone__c": "text", "Status__c": "text",
	"Carrier__c": "text", "Tracking_Number__c": "text", "Tracking_Url__c": "url", "ETA__c": "date",
	"Customer_Email__c": "text", "Customer_Phone__c": "phone", "Occurred_At__c": "datetime",
}

// Salesforce stands in for a Salesforce org's REST API as a connected app (or external client
// app) with the OAuth 2.0 client credentials flow reaches it: POST /services/oauth2/token, then
// Platform Events published with POST /services/data/vXX.X/sobjects/<Event>__e/. It is safe for
// concurrent use.
type Salesforce struct {
	faults

	// OnAccept, when set before the first request, is called with every published event.
	OnAccept func(SalesforceEvent)

	clientID, clientSecret string
	srv                    *httptest.Server

	mu      sync.Mutex
	tokens  map[string]bool              // issued access tokens still valid
	objects map[string]map[string]string // event API name: field: type
	events  []SalesforceEvent
	issued  int
}

// NewSalesforce starts a Salesforce stand-in that accepts clientID and clientSecret for the
// client credentials flow and stops it when the test ends.
func NewSalesforce(t testing.TB, clientID, clientSecret string) *Salesforce {
	t.Helper()
	sf := StartSalesforce(clientID, clientSecret)
	t.Cleanup(sf.Close)
	return sf
}

// StartSalesforce starts a Salesforce stand-in outside a test (`shipflow dev`); Close stops it.
func StartSalesforce(clientID, clientSecret string) *Salesforce {
	sf := &Salesforce{clientID: clientID, clientSecret: clientSecret, tokens: map[string]bool{},
		objects: map[string]map[string]string{SalesforceMilestone: maps.Clone(salesforceFieldTypes)}}
	sf.srv = httptest.NewServer(sf.Control(http.HandlerFunc(sf.serve)))
	return sf
}

// URL is the stand-in's base URL, the instance URL of a salesforce endpoint.
func (sf *Salesforce) URL() string { return sf.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection.
func (sf *Salesforce) Close() { sf.srv.Close() }

// Events returns the event messages published so far, oldest first.
func (sf *Salesforce) Events() []SalesforceEvent {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return slices.Clone(sf.events)
}

// TokensIssued is how many access tokens the token endpoint has issued.
func (sf *Salesforce) TokensIssued() int {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return sf.issued
}

// ExpireSessions ends every session issued so far, as the org's session timeout or an admin's
// revoking them does: their next call is 401 INVALID_SESSION_ID.
func (sf *Salesforce) ExpireSessions() {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	clear(sf.tokens)
}

// DefineEvent adds a Platform Event with SalesforceMilestone's fields under another API name.
func (sf *Salesforce) DefineEvent(name string) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.objects[name] = maps.Clone(salesforceFieldTypes)
}

// DeleteField removes a field from every event, as if the merchant never created it.
func (sf *Salesforce) DeleteField(name string) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	for _, fields := range sf.objects {
		delete(fields, name)
	}
}

var salesforceEventPath = regexp.MustCompile(`^/services/data/v([0-9]{2})\.0/sobjects/([A-Za-z0-9_]+)/?$`)

func (sf *Salesforce) serve(w http.ResponseWriter, r *http.Request) {
	body, fail, done, bodyErr := sf.Suffer(w, r, maxBody)
	if done {
		return
	}
	if fail != nil {
		sf.fail(w, fail)
		return
	}
	if r.URL.Path == "/services/oauth2/token" {
		sf.token(w, r, body, bodyErr)
		return
	}
	m := salesforceEventPath.FindStringSubmatch(r.URL.Path)
	if !strings.HasPrefix(r.URL.Path, "/services/data/") {
		salesforceError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	// The REST API authenticates before it routes within /services/data.
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sf.mu.Lock()
	valid := ok && sf.tokens[tok]
	sf.mu.Unlock()
	if !valid {
		salesforceError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	if m == nil {
		salesforceError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	if v, _ := strconv.Atoi(m[1]); v < 20 || v > 68 {
		salesforceError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	sf.mu.Lock()
	fields, known := sf.objects[m[2]]
	fields = maps.Clone(fields)
	sf.mu.Unlock()
	if !known {
		salesforceError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		salesforceError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "HTTP Method '"+r.Method+"' not allowed. Allowed are GET,HEAD,POST")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		salesforceError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content type '"+r.Header.Get("Content-Type")+"' not supported")
		return
	}
	if bodyErr != nil {
		salesforceError(w, http.StatusRequestEntityTooLarge, "REQUEST_ENTITY_TOO_LARGE", "Request entity too large")
		return
	}
	var rec map[string]any
	if err := json.Unmarshal(body, &rec); err != nil || rec == nil {
		salesforceError(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character: was expecting a JSON object at [line:1, column:1]")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(rec)) {
		typ, ok := fields[name]
		if !ok {
			salesforceError(w, http.StatusBadRequest, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", name, m[2]))
			return
		}
		if code, msg := checkSalesforceValue(name, typ, rec[name]); code != "" {
			salesforceError(w, http.StatusBadRequest, code, msg)
			return
		}
	}
	ev := SalesforceEvent{Object: m[2], Fields: rec}
	sf.mu.Lock()
	sf.events = append(sf.events, ev)
	n := len(sf.events)
	sf.mu.Unlock()
	if sf.OnAccept != nil {
		sf.OnAccept(ev)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("e01xx%010dAAA", n), "success": true,
		"errors": []map[string]any{{"statusCode": "OPERATION_ENQUEUED", "message": uuid(), "fields": []string{}}},
	})
}

// checkSalesforceValue checks a field's value as Salesforce deserializes it for its type.
func checkSalesforceValue(name, typ string, v any) (code, msg string) {
	if v == nil {
		return "", ""
	}
	s, ok := v.(string)
	if !ok {
		return "JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s from %T value for field %s", typ, v, name)
	}
	switch typ {
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of date from VALUE_STRING value %s or request may be missing a required field", s)
		}
	case "datetime":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return "JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of datetime from VALUE_STRING value %s or request may be missing a required field", s)
		}
	default:
		limit := 255
		if typ == "phone" {
			limit = 40
		}
		if utf8.RuneCountInString(s) > limit {
			return "STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", strings.TrimSuffix(name, "__c"), s, limit)
		}
	}
	return "", ""
}

// token answers the client credentials flow as Salesforce does: a form post with grant_type,
// client_id and client_secret; OAuth's JSON error body on a refusal.
func (sf *Salesforce) token(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusBadRequest, "invalid_request", "must use HTTP POST")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" || bodyErr != nil {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "invalid request body")
		return
	}
	switch {
	case form.Get("grant_type") != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	case subtle.ConstantTimeCompare([]byte(form.Get("client_id")), []byte(sf.clientID)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_client_id", "client identifier invalid")
		return
	case subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(sf.clientSecret)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
		return
	}
	b := make([]byte, 72)
	_, _ = rand.Read(b)
	tok := "00D5g00000ABCDE!" + base64.RawURLEncoding.EncodeToString(b)
	sf.mu.Lock()
	sf.tokens[tok] = true
	sf.issued++
	sf.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"access_token": tok, "signature": base64.StdEncoding.EncodeToString(b[:32]), "scope": "api",
		"instance_url": sf.srv.URL, "id": "https://login.salesforce.com/id/00D5g00000ABCDEEA2/0055g00000FGHIJAA1",
		"token_type": "Bearer", "issued_at": strconv.FormatInt(time.Now().UnixMilli(), 10),
	})
}

// fail answers a programmed failure with Salesforce's body for it; the code defaults to the
// errorCode Salesforce answers the status with.
func (sf *Salesforce) fail(w http.ResponseWriter, f *failure) {
	code, msg := f.Code, ""
	defaults := map[int][2]string{
		http.StatusUnauthorized:        {"INVALID_SESSION_ID", "Session expired or invalid"},
		http.StatusForbidden:           {"REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."},
		http.StatusNotFound:            {"NOT_FOUND", "The requested resource does not exist"},
		http.StatusInternalServerError: {"UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-123456789)"},
		http.StatusServiceUnavailable:  {"SERVER_UNAVAILABLE", "Server is unavailable, please try again later."},
	}
	if d, ok := defaults[f.Status]; ok {
		if code == "" || code == d[0] {
			code, msg = d[0], d[1]
		}
	}
	if code == "" {
		code = "UNKNOWN_EXCEPTION"
	}
	if msg == "" {
		msg = strings.ReplaceAll(strings.ToLower(code), "_", " ")
	}
	if f.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	salesforceError(w, f.Status, code, msg)
}

// salesforceError answers with the REST API's error body: a JSON array of errors.
func salesforceError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode([]map[string]string{{"message": message, "errorCode": code}})
}

// oauthError answers with the token endpoint's error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// uuid is shaped like the event UUID Salesforce returns for an enqueued publish.
func uuid() string { return correlationID() }

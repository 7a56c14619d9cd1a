package outbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/db"
)

// Salesforce (docs/connectors.md#salesforce): each event publishes a Platform Event through
// the org's REST API, authenticated with the OAuth 2.0 client credentials flow of the
// merchant's connected app, and the merchant's Flows (triggered by the event) send the email
// or SMS, update the case, and so on. The endpoint's url is the org's instance
// (https://<domain>.my.salesforce.com).
const (
	// SalesforceClientID and SalesforceClientSecret name the connected app's consumer key and
	// secret, with the client credentials flow enabled and a run-as user allowed to create
	// the event.
	SalesforceClientID     = "client_id"
	SalesforceClientSecret = "client_secret"
	// SalesforceEventObject optionally names the Platform Event's API name (default
	// Shipflow_Milestone__e); SalesforceAPIVersion the REST API version (default v62.0).
	SalesforceEventObject = "event_object"
	SalesforceAPIVersion  = "api_version"
)

const (
	salesforceDefaultEvent   = "Shipflow_Milestone__e"
	salesforceDefaultVersion = "v62.0"
	// salesforceTokenLife is how long an access token is used before a new one is asked for.
	// Salesforce does not say (the org's session timeout decides, 15 minutes to 24 hours of
	// inactivity); a token that ends sooner is refreshed on its 401 anyway.
	salesforceTokenLife = time.Hour
	// salesforceLimitWait is the least a delivery refused by an org limit waits, within the
	// schedule: the API's daily request limit is a rolling 24 hours, Platform Events'
	// publishing allocation hourly, and neither says when it frees up.
	salesforceLimitWait = time.Hour
	// salesforceMaxText is the longest value a Text or URL field of a Platform Event takes.
	salesforceMaxText = 255
	// salesforceMaxPhone is a Phone field's length.
	salesforceMaxPhone = 40
)

// Salesforce answers that mean something other than the status says.
const (
	sfInvalidSession = "INVALID_SESSION_ID"
	sfNotFound       = "NOT_FOUND"
)

// salesforceRetried are errorCodes a later attempt may not meet: limits that free up, an org
// busy or down.
var salesforceRetried = map[string]bool{
	"REQUEST_LIMIT_EXCEEDED": true, "LIMIT_EXCEEDED": true, "SERVER_UNAVAILABLE": true,
	"UNABLE_TO_LOCK_ROW": true, "UNKNOWN_EXCEPTION": true, "QUERY_TIMEOUT": true,
}

// salesforceRefused are the token endpoint's errors for credentials or a connected app that
// will not authenticate until someone fixes them: gone, as a 401 is elsewhere.
var salesforceRefused = map[string]bool{
	"invalid_client_id": true, "invalid_client": true, "invalid_grant": true, "unsupported_grant_type": true,
	"inactive_user": true, "inactive_org": true, "unauthorized_client": true,
}

// salesforce is KindSalesforce's Transport.
type salesforce struct{ s *Sender }

// Send publishes the event's milestone. It uses the endpoint's cached access token, or asks
// for one; a cached token the org no longer accepts (401 INVALID_SESSION_ID) is replaced once
// within the attempt, and a new token refused too is gone. Every field is sent, null when
// empty, so a field the merchant has not created fails the first event, not one months later.
// Platform Events have no idempotency key: Event_Id__c is the same on every attempt, for a
// Flow that must not act twice on a retry after a lost answer.
func (sf salesforce) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	sh, err := sf.s.shippingOf(o.Event)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	body, err := json.Marshal(salesforceFields(o.Event, sh))
	if err != nil {
		return Result{Outcome: Failed, Err: "encoding event: " + err.Error()}, now
	}
	instance := strings.TrimRight(o.Endpoint.URL, "/")
	object := option(o.Credentials, SalesforceEventObject, salesforceDefaultEvent)
	u := instance + "/services/data/" + option(o.Credentials, SalesforceAPIVersion, salesforceDefaultVersion) +
		"/sobjects/" + url.PathEscape(object) + "/"
	start := time.Now()
	sess := sf.s.salesforce.session(o.Endpoint.ID, instance, o.Credentials)
	tok, fresh, fail := sess.token(ctx, sf.s, instance, o.Credentials)
	if fail != nil {
		return *fail, now
	}
	r := sf.publish(ctx, u, tok, body)
	if r.Status == http.StatusUnauthorized && !fresh {
		sess.drop(tok)
		if tok, _, fail = sess.token(ctx, sf.s, instance, o.Credentials); fail != nil {
			return *fail, now
		}
		r = sf.publish(ctx, u, tok, body)
	}
	r.Latency = time.Since(start) // the token requests count, as the attempt's wait did
	return salesforceResult(r, object), now
}

// salesforceFields are the Platform Event's fields for e (docs/connectors.md#salesforce).
func salesforceFields(e Event, sh shipping) map[string]any {
	text := func(s string, n int) any {
		if s == "" {
			return nil
		}
		return cut(s, n)
	}
	var eta any
	if d := etaDate(sh.ETA); d != "" {
		eta = d
	}
	return map[string]any{
		"Event_Id__c":        text(e.ID, salesforceMaxText),
		"Order_Id__c":        text(sh.OrderID, salesforceMaxText),
		"Milestone__c":       text(e.Type, salesforceMaxText),
		"Status__c":          text(sh.Stage, salesforceMaxText),
		"Carrier__c":         text(sh.Carrier, salesforceMaxText),
		"Tracking_Number__c": text(sh.TrackingNumber, salesforceMaxText),
		"Tracking_Url__c":    text(sh.TrackingURL, salesforceMaxText),
		"ETA__c":             eta,
		"Customer_Email__c":  text(sh.Email, salesforceMaxText),
		"Customer_Phone__c":  text(sh.Phone, salesforceMaxPhone),
		"Occurred_At__c":     e.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// publish makes the request that publishes the event with access token tok.
func (sf salesforce) publish(ctx context.Context, u, tok string, body []byte) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: "building request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	return sf.s.call(req)
}

// salesforceError is one entry of the REST API's error array.
type salesforceError struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// salesforceErrors reads the REST API's error array from an answer's body; nil for anything
// else.
func salesforceErrors(body string) []salesforceError {
	var errs []salesforceError
	if json.Unmarshal([]byte(body), &errs) != nil {
		return nil
	}
	return errs
}

// salesforceResult adds what Salesforce's error array says to a classified Result: limits
// and an org busy or down are retried whatever the status (REQUEST_LIMIT_EXCEEDED comes as a
// 403), a session refused after a fresh token is gone, an unknown event or API version fails
// the delivery naming what to create, and anything else keeps its status's class with
// Salesforce's words.
func salesforceResult(r Result, object string) Result {
	if r.Outcome == Delivered {
		var ok struct {
			Success *bool `json:"success"`
		}
		if json.Unmarshal([]byte(r.Body), &ok) == nil && ok.Success != nil && !*ok.Success {
			r.Outcome, r.Err = Failed, "Salesforce did not publish the event: "+r.Body
		}
		return r
	}
	errs := salesforceErrors(r.Body)
	if len(errs) == 0 {
		return r
	}
	e := errs[0]
	msg := db.SafeText(e.ErrorCode+": "+e.Message, db.MaxErrorText/2)
	switch {
	case salesforceRetried[e.ErrorCode]:
		r.Outcome = Retry
		if r.RetryAfter == 0 && strings.HasSuffix(e.ErrorCode, "LIMIT_EXCEEDED") {
			r.RetryAfter = salesforceLimitWait
		}
		r.Err = "Salesforce is not taking events now: " + msg
	case e.ErrorCode == sfInvalidSession:
		r.Outcome = Gone
		r.Err = "Salesforce refused a new session of the connected app: " + msg
	case e.ErrorCode == sfNotFound:
		r.Outcome = Failed
		r.Err = "Salesforce has no Platform Event " + object + " or API version named (create it, docs/connectors.md#salesforce): " + msg
	default:
		r.Err = "Salesforce answered " + strconv.Itoa(r.Status) + ": " + msg
	}
	return r
}

// salesforceSessions are the access tokens of this worker's Salesforce endpoints, kept in
// memory only: a restart asks for new ones. Its zero value is ready.
type salesforceSessions struct {
	mu sync.Mutex
	m  map[string]*salesforceSession
}

// salesforceSession is one endpoint's access token. Its lock is held while a token is asked
// for, so concurrent attempts to one endpoint ask once.
type salesforceSession struct {
	mu      sync.Mutex
	key     [32]byte // what the token was issued for: instance and credentials
	tok     string
	expires time.Time
}

// session is the endpoint's session. A token issued for another instance or other
// credentials (the endpoint was changed) is not used.
func (ss *salesforceSessions) session(endpointID, instance string, creds map[string]string) *salesforceSession {
	key := sha256.Sum256([]byte(instance + "\x00" + creds[SalesforceClientID] + "\x00" + creds[SalesforceClientSecret]))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]*salesforceSession{}
	}
	s := ss.m[endpointID]
	if s == nil {
		s = &salesforceSession{}
		ss.m[endpointID] = s
	}
	s.mu.Lock()
	if s.key != key {
		s.key, s.tok = key, ""
	}
	s.mu.Unlock()
	return s
}

// drop forgets tok if it is still the session's token.
func (s *salesforceSession) drop(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = ""
	}
}

// token is the session's access token, asked for when there is none or it is past its life;
// fresh says it was just issued. fail is the attempt's Result when no token could be had.
func (s *salesforceSession) token(ctx context.Context, snd *Sender, instance string, creds map[string]string) (tok string, fresh bool, fail *Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != "" && time.Now().Before(s.expires) {
		return s.tok, false, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {creds[SalesforceClientID]},
		"client_secret": {creds[SalesforceClientSecret]}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, instance+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", false, &Result{Outcome: Failed, Err: "building token request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	r := snd.call(req)
	tok, life, r := salesforceToken(r)
	if tok == "" {
		return "", false, &r
	}
	s.tok, s.expires = tok, time.Now().Add(life)
	return tok, true, nil
}

// salesforceToken reads the token endpoint's answer: the access token and how long to use it,
// or the attempt's Result saying why there is none. Credentials or a connected app Salesforce
// refuses (invalid_client, invalid_grant, ...) are gone, as a 401 is; the answer's body is
// kept only when it holds no token.
func salesforceToken(r Result) (tok string, life time.Duration, fail Result) {
	var a struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
	}
	_ = json.Unmarshal([]byte(r.Body), &a) // not Salesforce's JSON: the status decides
	if r.Outcome == Delivered {
		r.Body = "" // the token is a secret: never in the attempt log
		if a.AccessToken == "" || !tokenText.MatchString(a.AccessToken) || len(a.AccessToken) > maxCredential*4 {
			r.Outcome, r.Err = Retry, "Salesforce's token endpoint answered without a usable access token"
			return "", 0, r
		}
		life = salesforceTokenLife
		if n, err := strconv.Atoi(strings.Trim(string(a.ExpiresIn), `"`)); err == nil && n > 60 && time.Duration(n)*time.Second < life {
			life = time.Duration(n-30) * time.Second
		}
		return a.AccessToken, life, r
	}
	desc := db.SafeText(a.Error+": "+a.Description, db.MaxErrorText/2)
	switch {
	case salesforceRefused[a.Error]:
		r.Outcome = Gone
		r.Err = "Salesforce refused the connected app's client credentials: " + desc
	case a.Error != "":
		r.Err = "Salesforce's token endpoint answered " + strconv.Itoa(r.Status) + ": " + desc
	case r.Err == "":
		r.Err = "Salesforce's token endpoint answered " + strconv.Itoa(r.Status)
	}
	return "", 0, r
}

// option is an optional credential's value, or def when it is not set.
func option(creds map[string]string, name, def string) string {
	if v := creds[name]; v != "" {
		return v
	}
	return def
}

var (
	// salesforceEventName is a Platform Event's API name: an optional namespace, then a
	// letter, letters, digits and single underscores, and __e.
	salesforceEventName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*__)?[A-Za-z]([A-Za-z0-9]|_[A-Za-z0-9])*__e$`)
	// salesforceVersion is a REST API version as its URLs name it.
	salesforceVersion = regexp.MustCompile(`^v[2-9][0-9]\.0$`)
)

// checkSalesforce refuses an instance URL or credentials Salesforce would never accept.
// The instance is the org's My Domain URL alone: the token and the REST API are paths under
// it, so a path, a query or a fragment there is a mistake (a Lightning page's address pasted).
func checkSalesforce(instance string, creds map[string]string) error {
	u, err := url.Parse(instance)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable,
			"url: must be the Salesforce org's instance URL alone, https://<domain>.my.salesforce.com, without a path or query")
	}
	for _, name := range []string{SalesforceClientID, SalesforceClientSecret} {
		if err := checkToken(name, creds[name]); err != nil {
			return err
		}
	}
	if v, ok := creds[SalesforceEventObject]; ok && (len(v) > 80 || !salesforceEventName.MatchString(v)) {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
			"credentials.%s: must be a Platform Event's API name, such as Shipflow_Milestone__e (at most 80 characters, ending __e)", SalesforceEventObject)
	}
	if v, ok := creds[SalesforceAPIVersion]; ok && !salesforceVersion.MatchString(v) {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials.%s: must be a REST API version such as v62.0", SalesforceAPIVersion)
	}
	return nil
}

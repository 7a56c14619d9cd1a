package providertest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/standin"
)

// SendGridMessage is one email the SendGrid stand-in accepted, one per recipient, the way
// SendGrid splits a request into messages.
type SendGridMessage struct {
	MessageID  string // the X-Message-Id answered for the request
	To         string
	From       string
	FromName   string
	Subject    string
	Text       string // the text/plain content
	HTML       string // the text/html content
	CustomArgs map[string]string
	Headers    map[string]string // the request's headers object (List-Unsubscribe, ...)
	// TemplateID is the request's template_id and TemplateData its personalization's
	// dynamic_template_data, as JSON decodes them; Subject, Text and HTML are then empty,
	// since SendGrid renders them from the template.
	TemplateID   string
	TemplateData map[string]any
}

// SendGrid stands in for the SendGrid v3 Mail Send API and signs Event Webhook payloads the way
// SendGrid's Signed Event Webhook does. It is safe for concurrent use.
type SendGrid struct {
	faults

	// OnAccept, when set before the first request, is called with every accepted message after
	// it is recorded and before the answer is written (see Twilio.OnAccept).
	OnAccept func(SendGridMessage)

	apiKey string
	key    *ecdsa.PrivateKey
	srv    *httptest.Server

	mu       sync.Mutex
	messages []SendGridMessage
}

// NewSendGrid starts a SendGrid stand-in that accepts apiKey as bearer token and stops it when
// the test ends.
func NewSendGrid(t testing.TB, apiKey string) *SendGrid {
	t.Helper()
	sg, err := StartSendGrid(apiKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sg.Close)
	return sg
}

// StartSendGrid starts a SendGrid stand-in outside a test (`shipflow dev -standins`); Close
// stops it.
func StartSendGrid(apiKey string) (*SendGrid, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("providertest: generate event webhook key: %w", err)
	}
	sg := &SendGrid{apiKey: apiKey, key: key}
	sg.srv = httptest.NewServer(sg.Control(http.HandlerFunc(sg.serve)))
	return sg, nil
}

// URL is the stand-in's base URL, the value of SENDGRID_API_URL.
func (sg *SendGrid) URL() string { return sg.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (sg *SendGrid) Close() { sg.srv.Close() }

// Messages returns the messages accepted so far, oldest first.
func (sg *SendGrid) Messages() []SendGridMessage {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	return slices.Clone(sg.messages)
}

// PublicKey is the Event Webhook verification key as SendGrid's settings page shows it:
// base64 of the DER-encoded (PKIX) ECDSA P-256 public key.
func (sg *SendGrid) PublicKey() string {
	der, err := x509.MarshalPKIXPublicKey(&sg.key.PublicKey)
	if err != nil {
		panic(fmt.Sprintf("providertest: marshal public key: %v", err)) // cannot happen for P-256
	}
	return base64.StdEncoding.EncodeToString(der)
}

// SignEvents signs an Event Webhook body as SendGrid does, for the headers
// X-Twilio-Email-Event-Webhook-Signature (base64 ASN.1 ECDSA signature of the SHA-256 of the
// timestamp followed by the body) and X-Twilio-Email-Event-Webhook-Timestamp (Unix seconds).
func (sg *SendGrid) SignEvents(body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(time.Now().Unix(), 10)
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, sg.key, h.Sum(nil))
	if err != nil {
		panic(fmt.Sprintf("providertest: sign events: %v", err)) // only on a broken rand.Reader
	}
	return base64.StdEncoding.EncodeToString(sig), timestamp
}

// Events builds the Event Webhook body SendGrid posts when event (processed, delivered,
// deferred, bounce, dropped, open, click, spamreport, unsubscribe) happens to msgs: one event
// each, with SendGrid's fields and the message's custom args at the top level.
func (sg *SendGrid) Events(event string, msgs ...SendGridMessage) []byte {
	now := time.Now().Unix()
	out := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		e := map[string]any{}
		for k, v := range m.CustomArgs {
			e[k] = v
		}
		maps.Copy(e, map[string]any{
			"email":         m.To,
			"timestamp":     now,
			"event":         event,
			"smtp-id":       "<" + m.MessageID + "@geopod-ismtpd-1>",
			"category":      []string{},
			"sg_event_id":   randomID(),
			"sg_message_id": m.MessageID + ".recvd-5f4c7b8d9-x2x7k-1-6650A1B2-3.0",
		})
		switch event {
		case "delivered":
			e["response"] = "250 2.0.0 OK"
			e["tls"] = 1
			e["ip"] = "149.72.154.232"
		case "deferred":
			e["response"] = "451 4.7.1 Try again later"
			e["attempt"] = "1"
		case "bounce":
			e["reason"] = "550 5.1.1 The email account that you tried to reach does not exist."
			e["status"] = "5.1.1"
			e["type"] = "bounce"
			e["bounce_classification"] = "Invalid Address"
		case "dropped":
			e["reason"] = "Bounced Address"
		case "open":
			e["useragent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
			e["ip"] = "203.0.113.7"
			e["sg_machine_open"] = false
		case "click":
			e["url"] = "https://example.com/track"
			e["url_offset"] = map[string]any{"index": 0, "type": "html"}
		}
		out = append(out, e)
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(fmt.Sprintf("providertest: marshal events: %v", err)) // maps of strings always marshal
	}
	return b
}

// sendGridMail is the part of a v3 Mail Send body the stand-in checks.
type sendGridMail struct {
	Personalizations []struct {
		To                  []sendGridAddress `json:"to"`
		Subject             string            `json:"subject"`
		CustomArgs          map[string]any    `json:"custom_args"`
		DynamicTemplateData json.RawMessage   `json:"dynamic_template_data"`
	} `json:"personalizations"`
	From       *sendGridAddress `json:"from"`
	Subject    string           `json:"subject"`
	Content    []sendGridBody   `json:"content"`
	TemplateID string           `json:"template_id"`
	CustomArgs map[string]any   `json:"custom_args"`
	Headers    map[string]any   `json:"headers"`
}

// A template_id is a dynamic template's ("d-" and 32 hex digits) or a legacy template's GUID;
// SendGrid refuses anything else with 400 and checks only later whether the account has it.
var (
	sendGridTemplateID       = regexp.MustCompile(`^d-[0-9a-f]{32}$`)
	sendGridLegacyTemplateID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// sendGridReservedHeaders may not be set through the headers object (SendGrid's v3 docs).
var sendGridReservedHeaders = []string{"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
	"content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"}

type sendGridAddress struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type sendGridBody struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// sendGridFieldError is one entry of SendGrid's {"errors":[...]} body.
type sendGridFieldError struct {
	Message string  `json:"message"`
	Field   *string `json:"field"`
	Help    *string `json:"help"`
}

const maxMailSize = 30 << 20 // SendGrid's limit on a whole Mail Send request

func (sg *SendGrid) serve(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := standin.ReadBody(w, r, maxMailSize)
	delay, down, fail := sg.Next()
	if !standin.Wait(r, delay) {
		return
	}
	if down {
		standin.ServeDown(w)
		return
	}
	if fail != nil {
		if fail.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-RateLimit-Limit", "600")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
		}
		sendGridError(w, fail.Status, fieldError("", http.StatusText(fail.Status)))
		return
	}
	if r.URL.Path != "/v3/mail/send" {
		sendGridError(w, http.StatusNotFound, fieldError("", "resource not found"))
		return
	}
	if r.Method != http.MethodPost {
		sendGridError(w, http.StatusMethodNotAllowed, fieldError("", "method not allowed"))
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+sg.apiKey)) != 1 {
		sendGridError(w, http.StatusUnauthorized, fieldError("", "The provided authorization grant is invalid, expired, or revoked"))
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		sendGridError(w, http.StatusUnsupportedMediaType, fieldError("", "Content-Type should be application/json."))
		return
	}
	if bodyErr != nil {
		sendGridError(w, http.StatusRequestEntityTooLarge, fieldError("", "Payload Too Large"))
		return
	}
	var req sendGridMail
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			sendGridError(w, http.StatusBadRequest, fieldError(te.Field, fmt.Sprintf("Invalid type. Expected: %s, given: %s.", te.Type, te.Value)))
			return
		}
		sendGridError(w, http.StatusBadRequest, fieldError("", "Bad Request"))
		return
	}
	if errs := checkMail(&req); len(errs) > 0 {
		sendGridError(w, http.StatusBadRequest, errs...)
		return
	}
	id := randomID()
	accepted := sg.record(id, &req)
	if sg.OnAccept != nil {
		for _, m := range accepted {
			sg.OnAccept(m)
		}
	}
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

// checkMail validates a Mail Send body as SendGrid does and returns every error found.
func checkMail(req *sendGridMail) []sendGridFieldError {
	var errs []sendGridFieldError
	add := func(field, msg string) { errs = append(errs, fieldError(field, msg)) }
	if len(req.Personalizations) == 0 {
		add("personalizations", "The personalizations field is required and must have at least one personalization.")
	}
	everySubject := len(req.Personalizations) > 0
	for i, p := range req.Personalizations {
		if len(p.To) == 0 {
			add(fmt.Sprintf("personalizations.%d.to", i), "The to array is required for all personalization objects, and must have at least one email object with a valid email address.")
		}
		for j, to := range p.To {
			if !validAddress(to.Email) {
				add(fmt.Sprintf("personalizations.%d.to.%d.email", i, j), "Does not contain a valid address.")
			}
		}
		if p.Subject == "" {
			everySubject = false
		}
		errs = append(errs, checkCustomArgs(fmt.Sprintf("personalizations.%d.custom_args", i), p.CustomArgs)...)
		if len(p.DynamicTemplateData) > 0 {
			var v any
			_ = json.Unmarshal(p.DynamicTemplateData, &v) // the whole body decoded, so this part does
			if _, ok := v.(map[string]any); !ok {
				add(fmt.Sprintf("personalizations.%d.dynamic_template_data", i), fmt.Sprintf("Invalid type. Expected: object, given: %s.", jsonType(v)))
			}
		}
	}
	if req.TemplateID != "" && !sendGridTemplateID.MatchString(req.TemplateID) && !sendGridLegacyTemplateID.MatchString(req.TemplateID) {
		add("template_id", fmt.Sprintf("The template_id must be a valid GUID, you provided '%s'.", req.TemplateID))
	}
	errs = append(errs, checkCustomArgs("custom_args", req.CustomArgs)...)
	switch {
	case req.From == nil || req.From.Email == "":
		add("from", "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.")
	case !validAddress(req.From.Email):
		add("from.email", "The from email does not contain a valid address.")
	}
	if req.Subject == "" && !everySubject && req.TemplateID == "" {
		add("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.")
	}
	if len(req.Content) == 0 && req.TemplateID == "" {
		add("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.")
	}
	for i, c := range req.Content {
		if c.Type == "" {
			add(fmt.Sprintf("content.%d.type", i), "The content type must be a string at least one character in length.")
		}
		if c.Value == "" {
			add(fmt.Sprintf("content.%d.value", i), "The content value must be a string at least one character in length.")
		}
		if (c.Type == "text/plain" && i != 0) || (c.Type == "text/html" && i > 1) ||
			(c.Type == "text/html" && i == 1 && req.Content[0].Type != "text/plain") {
			add("content", "If present, text/plain must be first, followed by text/html, followed by any other content.")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(req.Headers)) {
		if _, ok := req.Headers[k].(string); !ok {
			add("headers."+k, fmt.Sprintf("Invalid type. Expected: string, given: %s.", jsonType(req.Headers[k])))
		}
		if slices.Contains(sendGridReservedHeaders, strings.ToLower(k)) {
			add("headers", fmt.Sprintf("The %s header is reserved and cannot be set in headers.", k))
		}
	}
	return errs
}

// checkCustomArgs enforces SendGrid's rule that custom args are strings, 10,000 bytes in all.
func checkCustomArgs(field string, args map[string]any) []sendGridFieldError {
	var errs []sendGridFieldError
	size := 0
	for _, k := range slices.Sorted(maps.Keys(args)) {
		s, ok := args[k].(string)
		if !ok {
			errs = append(errs, fieldError(field+"."+k, fmt.Sprintf("Invalid type. Expected: string, given: %s.", jsonType(args[k]))))
		}
		size += len(k) + len(s)
	}
	if size > 10000 {
		errs = append(errs, fieldError(field, "The custom_args parameter is limited to 10,000 bytes."))
	}
	return errs
}

// record stores the messages of an accepted request, one per recipient, and returns them.
func (sg *SendGrid) record(id string, req *sendGridMail) []SendGridMessage {
	var text, html string
	for _, c := range req.Content {
		switch c.Type {
		case "text/plain":
			text = c.Value
		case "text/html":
			html = c.Value
		}
	}
	var headers map[string]string
	for k, v := range req.Headers {
		if headers == nil {
			headers = map[string]string{}
		}
		headers[k], _ = v.(string)
	}
	var out []SendGridMessage
	for _, p := range req.Personalizations {
		args := map[string]string{}
		for k, v := range req.CustomArgs {
			args[k], _ = v.(string)
		}
		for k, v := range p.CustomArgs {
			args[k], _ = v.(string)
		}
		subject := req.Subject
		if p.Subject != "" {
			subject = p.Subject
		}
		var data map[string]any
		if len(p.DynamicTemplateData) > 0 {
			_ = json.Unmarshal(p.DynamicTemplateData, &data) // checkMail found it an object
		}
		for _, to := range p.To {
			out = append(out, SendGridMessage{
				MessageID: id, To: to.Email, From: req.From.Email, FromName: req.From.Name,
				Subject: subject, Text: text, HTML: html, CustomArgs: maps.Clone(args), Headers: headers,
				TemplateID: req.TemplateID, TemplateData: data,
			})
		}
	}
	sg.mu.Lock()
	sg.messages = append(sg.messages, out...)
	sg.mu.Unlock()
	return out
}

func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "string"
}

func fieldError(field, msg string) sendGridFieldError {
	e := sendGridFieldError{Message: msg}
	if field != "" {
		e.Field = &field
	}
	return e
}

// sendGridError answers with SendGrid's error body shape.
func sendGridError(w http.ResponseWriter, status int, errs ...sendGridFieldError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": errs})
}

// randomID makes an identifier shaped like SendGrid's X-Message-Id and sg_event_id.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

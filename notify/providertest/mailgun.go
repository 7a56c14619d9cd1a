package providertest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
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

	"github.com/shipflow/shipflow/internal/standin"
	"github.com/shipflow/shipflow/notify/mailgun"
)

// MailgunMessage is one email the Mailgun stand-in accepted.
type MailgunMessage struct {
	MessageID string // the id answered, without angle brackets, as events carry it
	Domain    string
	To        string
	From      string // the from field as sent: an address or "Name <address>"
	Subject   string
	Text      string
	HTML      string
	Vars      map[string]string // v: fields, the user variables
	Headers   map[string]string // h: fields
	// ContentType is the request's media type: multipart/form-data or
	// application/x-www-form-urlencoded, both of which Mailgun takes.
	ContentType string
}

// Mailgun stands in for Mailgun's Messages API (POST /v3/{domain}/messages) and signs webhook
// posts the way Mailgun does. It is safe for concurrent use.
type Mailgun struct {
	faults

	apiKey, domain, signingKey string
	srv                        *httptest.Server
	// OnAccept, when set before the first request, is called with every accepted message after
	// it is recorded and before the answer is written (see Twilio.OnAccept).
	OnAccept func(MailgunMessage)

	mu       sync.Mutex
	messages []MailgunMessage
}

// NewMailgun starts a Mailgun stand-in for domain that accepts apiKey (basic auth, user "api")
// and signs webhooks with signingKey, and stops it when the test ends.
func NewMailgun(t testing.TB, apiKey, domain, signingKey string) *Mailgun {
	t.Helper()
	mg := StartMailgun(apiKey, domain, signingKey)
	t.Cleanup(mg.Close)
	return mg
}

// StartMailgun starts a Mailgun stand-in outside a test (`shipflow dev -standins`); Close stops
// it.
func StartMailgun(apiKey, domain, signingKey string) *Mailgun {
	mg := &Mailgun{apiKey: apiKey, domain: domain, signingKey: signingKey}
	mg.srv = httptest.NewServer(mg.Control(http.HandlerFunc(mg.serve)))
	return mg
}

// Close stops the stand-in.
func (mg *Mailgun) Close() { mg.srv.Close() }

// URL is the stand-in's base URL, the value of MAILGUN_API_URL.
func (mg *Mailgun) URL() string { return mg.srv.URL }

// Messages returns the messages accepted so far, oldest first.
func (mg *Mailgun) Messages() []MailgunMessage {
	mg.mu.Lock()
	defer mg.mu.Unlock()
	return slices.Clone(mg.messages)
}

// Webhook builds the body Mailgun posts to a webhook when event (delivered, failed,
// unsubscribed, complained, opened) happens to m, signed with the stand-in's signing key.
// severity is a failed event's (permanent or temporary) and ignored for the others.
func (mg *Mailgun) Webhook(event, severity string, m MailgunMessage) []byte {
	return mg.WebhookAt(time.Now(), event, severity, m)
}

// WebhookAt is Webhook signed at another time, to test replay windows.
func (mg *Mailgun) WebhookAt(at time.Time, event, severity string, m MailgunMessage) []byte {
	ts := strconv.FormatInt(at.Unix(), 10)
	token := (randomID() + randomID() + randomID())[:50] // Mailgun's tokens are 50 characters
	data := map[string]any{
		"id":             randomID(),
		"event":          event,
		"timestamp":      float64(at.UnixMicro()) / 1e6,
		"recipient":      m.To,
		"log-level":      "info",
		"message":        map[string]any{"headers": map[string]any{"message-id": m.MessageID, "to": m.To, "from": m.From, "subject": m.Subject}},
		"user-variables": m.Vars,
		"tags":           []string{},
		"envelope":       map[string]any{"sender": "bounce@" + m.Domain, "transport": "smtp"},
	}
	switch event {
	case mailgun.EventDelivered:
		data["delivery-status"] = map[string]any{"code": 250, "message": "OK", "description": "", "tls": true}
	case mailgun.EventFailed:
		data["log-level"] = "error"
		data["severity"] = severity
		if severity == mailgun.SeverityTemporary {
			data["reason"] = "generic"
			data["delivery-status"] = map[string]any{"code": 452, "message": "452 4.2.2 Mailbox full", "attempt-no": 1, "retry-seconds": 600}
		} else {
			data["reason"] = "bounce"
			data["delivery-status"] = map[string]any{"code": 550, "message": "550 5.1.1 The email account that you tried to reach does not exist", "description": ""}
		}
	case mailgun.EventComplained:
		data["log-level"] = "warn"
	}
	b, err := json.Marshal(map[string]any{
		"signature":  map[string]string{"timestamp": ts, "token": token, "signature": mailgun.Sign(mg.signingKey, ts, token)},
		"event-data": data,
	})
	if err != nil {
		panic(fmt.Sprintf("providertest: marshal mailgun webhook: %v", err)) // maps of plain values always marshal
	}
	return b
}

// maxMailgunMessage is Mailgun's limit on a whole message, attachments included.
const maxMailgunMessage = 25 << 20

// maxMailgunOptions is Mailgun's limit on the o:, h:, v: and t: fields together.
const maxMailgunOptions = 16 << 10

func (mg *Mailgun) serve(w http.ResponseWriter, r *http.Request) {
	_, bodyErr := standin.ReadBody(w, r, maxMailgunMessage)
	delay, down, fail := mg.Next()
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
		}
		mailgunError(w, fail.Status, http.StatusText(fail.Status))
		return
	}
	domain, ok := strings.CutPrefix(r.URL.Path, "/v3/")
	domain, ok2 := strings.CutSuffix(domain, "/messages")
	if !ok || !ok2 || domain == "" || strings.Contains(domain, "/") {
		w.WriteHeader(http.StatusNotFound) // Mailgun answers an unknown endpoint without JSON
		return
	}
	// Mailgun checks the key before the domain: a wrong key is a plain "Forbidden".
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || user != "api" || subtle.ConstantTimeCompare([]byte(pass), []byte(mg.apiKey)) != 1 {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Forbidden"))
		return
	}
	if r.Method != http.MethodPost {
		mailgunError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if domain != mg.domain {
		mailgunError(w, http.StatusNotFound, "Domain not found: "+domain)
		return
	}
	if bodyErr != nil {
		mailgunError(w, http.StatusRequestEntityTooLarge, "Request entity too large")
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var form url.Values
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxMailgunMessage); err != nil {
			mailgunError(w, http.StatusBadRequest, "Bad multipart body")
			return
		}
		form = r.MultipartForm.Value
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			mailgunError(w, http.StatusBadRequest, "Bad form body")
			return
		}
		form = r.PostForm
	default:
		mailgunError(w, http.StatusBadRequest, "from parameter is missing")
		return
	}
	if msg := checkMailgunForm(form); msg != "" {
		mailgunError(w, http.StatusBadRequest, msg)
		return
	}
	id := fmt.Sprintf("%s.%s@%s", time.Now().UTC().Format("20060102150405"), randomID()[:12], domain)
	m := MailgunMessage{MessageID: id, Domain: domain, To: form.Get("to"), From: form.Get("from"), Subject: form.Get("subject"),
		Text: form.Get("text"), HTML: form.Get("html"), Vars: map[string]string{}, Headers: map[string]string{}, ContentType: ct}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "v:"); ok {
			m.Vars[name] = v[0]
		}
		if name, ok := strings.CutPrefix(k, "h:"); ok {
			m.Headers[name] = v[0]
		}
	}
	mg.mu.Lock()
	mg.messages = append(mg.messages, m)
	mg.mu.Unlock()
	if mg.OnAccept != nil {
		mg.OnAccept(m)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": "<" + id + ">", "message": "Queued. Thank you."})
}

// checkMailgunForm validates a Messages form as Mailgun does and returns its message for the
// first problem, or "".
func checkMailgunForm(form url.Values) string {
	switch {
	case form.Get("from") == "":
		return "from parameter is missing"
	case len(form["to"]) == 0 || form.Get("to") == "":
		return "to parameter is missing"
	case form.Get("subject") == "":
		return "subject parameter is missing"
	case form.Get("text") == "" && form.Get("html") == "" && form.Get("amp-html") == "" && form.Get("template") == "":
		return "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified"
	}
	if _, err := mail.ParseAddress(form.Get("from")); err != nil {
		return "from parameter is not a valid address. please check documentation"
	}
	for _, to := range form["to"] {
		if _, err := mail.ParseAddressList(to); err != nil {
			return "to parameter is not a valid address. please check documentation"
		}
	}
	options := 0
	for _, k := range slices.Sorted(maps.Keys(form)) {
		if len(k) > 2 && strings.Contains("o:h:v:t:", k[:2]) {
			for _, v := range form[k] {
				options += len(k) + len(v)
			}
		}
	}
	if options > maxMailgunOptions {
		return "Send options (parameters starting with o:, h:, v:, or t:) are limited to 16 kB total"
	}
	return ""
}

// mailgunError answers with Mailgun's error body: {"message": ...}.
func mailgunError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

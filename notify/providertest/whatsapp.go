package providertest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/internal/standin"
	"github.com/shipflow/shipflow/notify/whatsapp"
)

// WhatsAppMessage is one message the WhatsApp Cloud API stand-in accepted.
type WhatsAppMessage struct {
	ID            string // the wamid answered
	PhoneNumberID string // the business number's id in the path
	Version       string // the Graph API version in the path, e.g. v24.0
	To            string // as sent: the customer's digits
	Type          string // template or text
	Text          string // a text's body
	Template      string // a template's name
	Language      string // a template's language code
	Parameters    []string
}

// WhatsApp stands in for Meta's WhatsApp Business Cloud API: POST
// /{version}/{phone-number-id}/messages with a bearer token and a JSON body, answered with
// Meta's error JSON and codes. It knows a set of approved templates (Approve) and refuses
// others as Meta does, and it builds and signs the webhooks Meta posts (StatusWebhook,
// TextWebhook, SignWebhook). It is safe for concurrent use.
type WhatsApp struct {
	faults

	// OnAccept, when set before the first request, is called with every accepted message after
	// it is recorded and before the answer is written.
	OnAccept func(WhatsAppMessage)
	// Requests counts every request served, refused ones included.
	Requests atomic.Int64

	token, phoneNumberID, appSecret string
	srv                             *httptest.Server

	mu        sync.Mutex
	messages  []WhatsAppMessage
	templates map[string]int // "name/language": body parameters
}

// NewWhatsApp starts a Cloud API stand-in for the business number phoneNumberID that accepts
// token and signs webhooks with appSecret, and stops it when the test ends.
func NewWhatsApp(t testing.TB, token, phoneNumberID, appSecret string) *WhatsApp {
	t.Helper()
	wa := StartWhatsApp(token, phoneNumberID, appSecret)
	t.Cleanup(wa.Close)
	return wa
}

// StartWhatsApp starts a WhatsApp Cloud API stand-in outside a test (`shipflow dev
// -standins`); Close stops it.
func StartWhatsApp(token, phoneNumberID, appSecret string) *WhatsApp {
	wa := &WhatsApp{token: token, phoneNumberID: phoneNumberID, appSecret: appSecret, templates: map[string]int{}}
	wa.srv = httptest.NewServer(wa.Control(http.HandlerFunc(wa.serve)))
	return wa
}

// Close stops the stand-in.
func (wa *WhatsApp) Close() { wa.srv.Close() }

// URL is the stand-in's base URL, the value of WHATSAPP_CLOUD_API_URL.
func (wa *WhatsApp) URL() string { return wa.srv.URL }

// Approve adds a template approved in language with params body parameters ({{1}} to
// {{params}}).
func (wa *WhatsApp) Approve(name, language string, params int) {
	wa.mu.Lock()
	defer wa.mu.Unlock()
	wa.templates[name+"/"+language] = params
}

// Messages returns the messages accepted so far, oldest first.
func (wa *WhatsApp) Messages() []WhatsAppMessage {
	wa.mu.Lock()
	defer wa.mu.Unlock()
	return slices.Clone(wa.messages)
}

// SignWebhook is the X-Hub-Signature-256 Meta sends with body.
func (wa *WhatsApp) SignWebhook(body []byte) string { return whatsapp.Sign(wa.appSecret, body) }

// StatusWebhook builds the body Meta posts when m reaches status (sent, delivered, read,
// failed); a failed status carries errorCodes in its errors[].
func (wa *WhatsApp) StatusWebhook(m WhatsAppMessage, status string, errorCodes ...int) []byte {
	st := map[string]any{
		"id": m.ID, "status": status, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "recipient_id": m.To,
	}
	if status != whatsapp.StatusFailed {
		st["pricing"] = map[string]any{"billable": true, "pricing_model": "PMP", "type": "regular", "category": "utility"}
	}
	var errs []map[string]any
	for _, c := range errorCodes {
		title := whatsappTitles[c]
		errs = append(errs, map[string]any{"code": c, "title": title, "message": title,
			"error_data": map[string]any{"details": title}, "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"})
	}
	if errs != nil {
		st["errors"] = errs
	}
	return wa.webhook(map[string]any{"statuses": []any{st}})
}

// TextWebhook builds the body Meta posts when the WhatsApp user waID (digits) writes text to
// the business.
func (wa *WhatsApp) TextWebhook(waID, text string) []byte {
	return wa.webhook(map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]any{"name": "Customer"}, "wa_id": waID}},
		"messages": []any{map[string]any{"from": waID, "id": wamid(), "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
			"type": "text", "text": map[string]any{"body": text}}},
	})
}

// webhook wraps a change's value in the envelope of a messages webhook.
func (wa *WhatsApp) webhook(value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]any{"display_phone_number": "15550001234", "phone_number_id": wa.phoneNumberID}
	b, err := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry":  []any{map[string]any{"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": value}}}},
	})
	if err != nil {
		panic(fmt.Sprintf("providertest: marshal whatsapp webhook: %v", err)) // maps of plain values always marshal
	}
	return b
}

// whatsappTitles are the titles Meta gives the codes the stand-in answers with.
var whatsappTitles = map[int]string{
	whatsapp.CodeAPIUnknown: "API Unknown", whatsapp.CodeAPIService: "API Service",
	whatsapp.CodeInvalidParameter: "Invalid parameter", whatsapp.CodeAccessToken: "Invalid OAuth access token - Cannot parse access token",
	whatsapp.CodeThroughput: "Rate limit hit", whatsapp.CodeUndeliverable: "Message undeliverable",
	whatsapp.CodeReEngagement: "Re-engagement message", whatsapp.CodeSpamRateLimit: "Spam rate limit hit",
	whatsapp.CodePairRateLimit:   "(Business Account, Consumer Account) pair rate limit hit",
	whatsapp.CodeTemplateParams:  "Number of parameters does not match the expected number of params",
	whatsapp.CodeTemplateMissing: "Template name does not exist in the translation",
	codeRequiredParameter:        "Required parameter is missing",
}

// codeRequiredParameter is Meta's code for a parameter left empty.
const codeRequiredParameter = 131008

// The Graph API's limits the stand-in checks.
const (
	whatsappMaxBody = 1 << 20
	whatsappMaxText = 4096
)

var (
	graphVersion    = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)
	whatsappDigits  = regexp.MustCompile(`^\+?[0-9]{7,15}$`)
	templateName    = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	whatsappRequest = regexp.MustCompile(`^/([^/]+)/([^/]+)/messages$`)
)

// whatsappRequestBody is the part of a send request the stand-in checks.
type whatsappRequestBody struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Template *struct {
		Name     string `json:"name"`
		Language *struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Type string  `json:"type"`
				Text *string `json:"text"`
			} `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
}

func (wa *WhatsApp) serve(w http.ResponseWriter, r *http.Request) {
	wa.Requests.Add(1)
	body, bodyErr := standin.ReadBody(w, r, whatsappMaxBody)
	delay, down, fail := wa.Next()
	if !standin.Wait(r, delay) {
		return
	}
	if down {
		standin.ServeDown(w)
		return
	}
	if fail != nil {
		code := fail.Code
		if code == 0 {
			code = defaultWhatsAppCode(fail.Status)
		}
		whatsappError(w, fail.Status, code, "programmed failure")
		return
	}
	// The Graph API checks the token before anything else about the request.
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(auth), []byte(wa.token)) != 1 {
		whatsappError(w, http.StatusUnauthorized, whatsapp.CodeAccessToken, "")
		return
	}
	p := whatsappRequest.FindStringSubmatch(r.URL.Path)
	if p == nil || !graphVersion.MatchString(p[1]) {
		whatsappError(w, http.StatusBadRequest, 2500, "Unknown path components: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		whatsappError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, "Unsupported "+r.Method+" request")
		return
	}
	if p[2] != wa.phoneNumberID {
		whatsappError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter,
			fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", p[2]))
		return
	}
	if bodyErr != nil {
		whatsappError(w, http.StatusRequestEntityTooLarge, whatsapp.CodeInvalidParameter, "Request body too large")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		whatsappError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, "The parameter messaging_product is required.")
		return
	}
	var req whatsappRequestBody
	if err := json.Unmarshal(body, &req); err != nil {
		whatsappError(w, http.StatusBadRequest, whatsapp.CodeInvalidParameter, "Invalid JSON for postcard")
		return
	}
	m, status, code, details := wa.check(req)
	if code != 0 {
		whatsappError(w, status, code, details)
		return
	}
	m.ID, m.PhoneNumberID, m.Version = wamid(), p[2], p[1]
	wa.mu.Lock()
	wa.messages = append(wa.messages, m)
	wa.mu.Unlock()
	if wa.OnAccept != nil {
		wa.OnAccept(m)
	}
	msg := map[string]any{"id": m.ID}
	if m.Type == "template" {
		msg["message_status"] = "accepted"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{map[string]any{"input": req.To, "wa_id": strings.TrimPrefix(req.To, "+")}},
		"messages":          []any{msg},
	})
}

// check validates a send request as the Cloud API does: the message, or the HTTP status,
// Meta's code and details of the first problem.
func (wa *WhatsApp) check(req whatsappRequestBody) (m WhatsAppMessage, status, code int, details string) {
	bad := func(code int, details string) (WhatsAppMessage, int, int, string) {
		return WhatsAppMessage{}, http.StatusBadRequest, code, details
	}
	switch {
	case req.MessagingProduct != "whatsapp":
		return bad(whatsapp.CodeInvalidParameter, "The parameter messaging_product is required.")
	case req.RecipientType != "" && req.RecipientType != "individual" && req.RecipientType != "group":
		return bad(whatsapp.CodeInvalidParameter, "Invalid parameter recipient_type")
	case !whatsappDigits.MatchString(req.To):
		return bad(whatsapp.CodeInvalidParameter, "Invalid parameter to: a phone number with its country code")
	}
	m = WhatsAppMessage{To: strings.TrimPrefix(req.To, "+"), Type: req.Type}
	switch req.Type {
	case "text":
		switch {
		case req.Text == nil || req.Text.Body == "":
			return bad(whatsapp.CodeInvalidParameter, "The parameter text['body'] is required.")
		case utf8.RuneCountInString(req.Text.Body) > whatsappMaxText:
			return bad(whatsapp.CodeInvalidParameter, "Param text['body'] must be at most 4096 characters long.")
		}
		m.Text = req.Text.Body
	case "template":
		t := req.Template
		switch {
		case t == nil || t.Name == "":
			return bad(whatsapp.CodeInvalidParameter, "The parameter template['name'] is required.")
		case t.Language == nil || t.Language.Code == "":
			return bad(whatsapp.CodeInvalidParameter, "The parameter template['language'] is required.")
		case !templateName.MatchString(t.Name):
			return bad(whatsapp.CodeInvalidParameter, "Param template['name'] is not valid")
		}
		m.Template, m.Language = t.Name, t.Language.Code
		for _, c := range t.Components {
			if !strings.EqualFold(c.Type, "body") {
				continue
			}
			for _, p := range c.Parameters {
				if p.Type != "text" || p.Text == nil || *p.Text == "" {
					return bad(codeRequiredParameter, "Parameter of type text is missing text value")
				}
				m.Parameters = append(m.Parameters, *p.Text)
			}
		}
		wa.mu.Lock()
		want, ok := wa.templates[t.Name+"/"+t.Language.Code]
		wa.mu.Unlock()
		if !ok {
			return WhatsAppMessage{}, http.StatusNotFound, whatsapp.CodeTemplateMissing,
				fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code)
		}
		if len(m.Parameters) != want {
			return bad(whatsapp.CodeTemplateParams, fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", len(m.Parameters), want))
		}
	default:
		return bad(whatsapp.CodeInvalidParameter, "Param type must be one of {text, template, image, ...}")
	}
	return m, 0, 0, ""
}

// defaultWhatsAppCode is the code Meta pairs with a programmed HTTP status.
func defaultWhatsAppCode(status int) int {
	switch {
	case status == http.StatusTooManyRequests:
		return whatsapp.CodeThroughput
	case status == http.StatusUnauthorized:
		return whatsapp.CodeAccessToken
	case status >= 500:
		return whatsapp.CodeAPIService
	}
	return whatsapp.CodeInvalidParameter
}

// whatsappError answers with the Graph API's error body.
func whatsappError(w http.ResponseWriter, status, code int, details string) {
	title := whatsappTitles[code]
	if title == "" {
		title = "Invalid parameter"
	}
	// Meta types Cloud API errors as Graph API errors: OAuthException.
	e := map[string]any{"message": fmt.Sprintf("(#%d) %s", code, title), "type": "OAuthException", "code": code, "fbtrace_id": randomID()[:11]}
	if details != "" {
		e["error_data"] = map[string]any{"messaging_product": "whatsapp", "details": details}
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// wamid makes a WhatsApp message id: "wamid." and base64.
func wamid() string {
	return "wamid." + base64.StdEncoding.EncodeToString([]byte("HBgL"+randomID()))
}

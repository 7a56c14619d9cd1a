// Package whatsapp sends shipflow's WhatsApp messages straight to Meta's WhatsApp Business
// Cloud API (POST /{version}/{phone-number-id}/messages on the Graph API) over plain
// net/http, classifies Meta's refusals by their error code into permanent and retryable
// failures, and verifies and parses the webhooks Meta posts back (message statuses and the
// customer's own texts). Meta keeps no Go SDK for the Cloud API, so none is used.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// Provider is the name the notification log records for WhatsApp through the Cloud API,
// beside "twilio" for WhatsApp through Twilio.
const Provider = "whatsapp_cloud"

// The Graph API as shipped: WHATSAPP_CLOUD_API_URL and WHATSAPP_CLOUD_API_VERSION default to
// these. Meta keeps each version for about two years; a newer one is a setting, not a build.
const (
	DefaultAPIURL     = "https://graph.facebook.com"
	DefaultAPIVersion = "v24.0"
)

// Message types of a send request.
const (
	typeText     = "text"
	typeTemplate = "template"
)

// messagingProduct is the constant every Cloud API request and webhook carries.
const messagingProduct = "whatsapp"

// defaultTimeout bounds a send when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// maxAnswer bounds how much of an answer is read: Meta's answers are small.
const maxAnswer = 64 << 10

// Config holds the WHATSAPP_CLOUD_* settings a send needs.
type Config struct {
	AccessToken   string // WHATSAPP_CLOUD_ACCESS_TOKEN: a system user's token, sent as a bearer token
	PhoneNumberID string // WHATSAPP_CLOUD_PHONE_NUMBER_ID: the business number's id, not the number
	APIURL        string // WHATSAPP_CLOUD_API_URL; empty is DefaultAPIURL
	APIVersion    string // WHATSAPP_CLOUD_API_VERSION, e.g. v24.0; empty is DefaultAPIVersion
}

// phoneNumberID is the shape of a phone number id: Graph API ids are decimal.
var phoneNumberID = regexp.MustCompile(`^[0-9]{1,32}$`)

// apiVersion is the shape of a Graph API version in a path.
var apiVersion = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

// CheckPhoneNumberID refuses a WHATSAPP_CLOUD_PHONE_NUMBER_ID that is not a Graph API id
// (the phone number itself is a common mistake).
func CheckPhoneNumberID(id string) error {
	if id != "" && !phoneNumberID.MatchString(id) {
		return fmt.Errorf("%q is not a phone number id (the digits WhatsApp Manager shows as Phone number ID, not the number)", id)
	}
	return nil
}

// CheckAPIVersion refuses a WHATSAPP_CLOUD_API_VERSION that is not vNN.N.
func CheckAPIVersion(v string) error {
	if !apiVersion.MatchString(v) {
		return fmt.Errorf("%q is not a Graph API version such as %s", v, DefaultAPIVersion)
	}
	return nil
}

// Sender sends WhatsApp messages through the Cloud API. It implements notify.Sender and is
// safe for concurrent use.
type Sender struct {
	token   string
	sendURL string
	cfgErr  error // why cfg is unusable; every send fails permanently with it
	hc      *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender that posts to cfg's API with hc (a client with a 30-second timeout
// when hc is nil). A phone number id or version that cannot be right makes every Send fail
// permanently, naming it.
func New(cfg Config, hc *http.Client) *Sender {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	base := strings.TrimRight(cfg.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	s := &Sender{token: cfg.AccessToken, hc: hc,
		sendURL: base + "/" + version + "/" + url.PathEscape(cfg.PhoneNumberID) + "/messages"}
	switch {
	case cfg.PhoneNumberID == "":
		s.cfgErr = errors.New("WHATSAPP_CLOUD_PHONE_NUMBER_ID is not set")
	case CheckPhoneNumberID(cfg.PhoneNumberID) != nil:
		s.cfgErr = CheckPhoneNumberID(cfg.PhoneNumberID)
	case CheckAPIVersion(version) != nil:
		s.cfgErr = CheckAPIVersion(version)
	}
	return s
}

// request is a send request's body: a template or a text to one person.
type request struct {
	MessagingProduct string    `json:"messaging_product"`
	RecipientType    string    `json:"recipient_type"`
	To               string    `json:"to"`
	Type             string    `json:"type"`
	Text             *text     `json:"text,omitempty"`
	Template         *template `json:"template,omitempty"`
}

type text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type template struct {
	Name       string      `json:"name"`
	Language   language    `json:"language"`
	Components []component `json:"components,omitempty"`
}

type language struct {
	Code string `json:"code"`
}

type component struct {
	Type       string      `json:"type"`
	Parameters []parameter `json:"parameters"`
}

type parameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// answer is Meta's answer to an accepted message.
type answer struct {
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// statusAccepted is what an accepted message is until its first status webhook.
const statusAccepted = "accepted"

// Send sends m to m.To: as m.CloudTemplate when it has one, else as a text, which Meta
// delivers only inside the customer's 24-hour service window (outside it, the failed status
// webhook says 131047). It returns the message's wamid, which the status webhooks carry. A
// refusal that retrying cannot fix is a *notify.PermanentError whose Code is Meta's error
// code; anything else (rate limits, Meta's own trouble, 5xx, network, timeout) is a plain
// error to retry.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	what := "whatsapp cloud: message " + m.Key
	body, err := s.body(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sendURL, bytes.NewReader(body))
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return notify.Sent{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return notify.Sent{}, classify(what, resp)
	}
	var a answer
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	// An answer without an id still means accepted; only its receipts cannot find it.
	_ = json.Unmarshal(b, &a)
	sent := notify.Sent{Provider: Provider, Status: statusAccepted}
	if len(a.Messages) > 0 {
		sent.MessageID = a.Messages[0].ID
		if st := a.Messages[0].MessageStatus; st != "" {
			sent.Status = st
		}
	}
	return sent, nil
}

// body renders m as a send request, or says why Meta could never accept it.
func (s *Sender) body(m notify.Message) ([]byte, error) {
	if s.cfgErr != nil {
		return nil, s.cfgErr
	}
	if m.Channel != "" && m.Channel != order.ChannelWhatsApp {
		return nil, fmt.Errorf("channel %q is not sent through the WhatsApp Cloud API", m.Channel)
	}
	to, err := Recipient(m.To)
	if err != nil {
		return nil, err
	}
	r := request{MessagingProduct: messagingProduct, RecipientType: "individual", To: to}
	switch t := m.CloudTemplate; {
	case t != nil:
		r.Type = typeTemplate
		r.Template = &template{Name: t.Name, Language: language{Code: t.Language}}
		if len(t.Parameters) > 0 {
			c := component{Type: "body"}
			for _, p := range t.Parameters {
				c.Parameters = append(c.Parameters, parameter{Type: "text", Text: p})
			}
			r.Template.Components = []component{c}
		}
	case m.Text != "":
		r.Type = typeText
		r.Text = &text{Body: m.Text}
	default:
		return nil, errors.New("neither a template nor text")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode send request: %w", err)
	}
	return b, nil
}

// Recipient is an E.164 number as the Cloud API's "to" takes it, and as webhooks name
// WhatsApp users (wa_id): its digits without the plus.
func Recipient(e164 string) (string, error) {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok || len(digits) < 7 || len(digits) > 15 || strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", fmt.Errorf("%s is not an E.164 phone number", notify.Mask(e164))
	}
	return digits, nil
}

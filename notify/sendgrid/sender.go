// Package sendgrid sends shipflow's email through the SendGrid v3 Mail Send API over plain
// net/http, classifies SendGrid's refusals into permanent and retryable failures, and verifies
// and parses the delivery events SendGrid's Signed Event Webhook posts back.
package sendgrid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// DefaultAPIURL is SendGrid's production API.
const DefaultAPIURL = "https://api.sendgrid.com"

// defaultTimeout bounds a send when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// Config holds the SENDGRID_* settings. Its fields match config.SendGrid one for one, so
// sendgrid.Config(cfg.SendGrid) converts them.
type Config struct {
	APIKey string // SENDGRID_API_KEY, sent as a bearer token
	// From is the sender, SENDGRID_FROM: an address or "Name <address>", which must be a
	// verified sender identity at SendGrid.
	From string
	// APIURL is where requests go, SENDGRID_API_URL: DefaultAPIURL when empty, a stand-in
	// server's URL in tests and dev.
	APIURL string
}

// Sender sends email through SendGrid. It implements notify.Sender and is safe for
// concurrent use.
type Sender struct {
	apiKey  string
	from    address
	fromErr error // why cfg.From is unusable; every send fails permanently with it
	sendURL string
	hc      *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender that posts to cfg.APIURL with hc (a client with a 30-second timeout
// when hc is nil). A From that is not an address makes every Send fail permanently, naming it.
func New(cfg Config, hc *http.Client) *Sender {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	base := strings.TrimRight(cfg.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	s := &Sender{apiKey: cfg.APIKey, sendURL: base + "/v3/mail/send", hc: hc}
	if a, err := mail.ParseAddress(cfg.From); err != nil {
		s.fromErr = fmt.Errorf("SENDGRID_FROM %q is not an email address: %w", cfg.From, err)
	} else {
		s.from = address{Email: a.Address, Name: a.Name}
	}
	return s
}

// mailSend is the v3 Mail Send request body.
type mailSend struct {
	Personalizations []personalization `json:"personalizations"`
	From             address           `json:"from"`
	Subject          string            `json:"subject,omitempty"`
	Content          []content         `json:"content,omitempty"`
	TemplateID       string            `json:"template_id,omitempty"`
	Headers          map[string]string `json:"headers,omitempty"`
}

type personalization struct {
	To         []address         `json:"to"`
	CustomArgs map[string]string `json:"custom_args,omitempty"`
	// DynamicTemplateData fills the dynamic template named by template_id.
	DynamicTemplateData map[string]any `json:"dynamic_template_data,omitempty"`
}

type address struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Send sends m as one email to m.To, with m.Args as custom args that come back with every
// delivery event, and returns SendGrid's X-Message-Id. A refusal that retrying cannot fix is a
// *notify.PermanentError whose Code is the HTTP status; anything else (429, 5xx, network,
// timeout) is a plain error to retry.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	what := fmt.Sprintf("sendgrid: email message %s", m.Key)
	body, err := s.body(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sendURL, bytes.NewReader(body))
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return notify.Sent{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		// 202 is queued for delivery (200 only in sandbox mode). A missing X-Message-Id still
		// means sent: delivery events find the notification through its custom args.
		return notify.Sent{Provider: "sendgrid", MessageID: resp.Header.Get("X-Message-Id"), Status: "accepted"}, nil
	}
	return notify.Sent{}, classify(what, resp)
}

// ValidTemplateID says id is shaped as a SendGrid dynamic template id, "d-" and 32 lower-case
// hex digits: "d-4ad23ad40a0e47d0a0232b85f24ca5c2". Legacy template ids (GUIDs) take no
// dynamic_template_data and are not accepted.
func ValidTemplateID(id string) bool {
	hex, ok := strings.CutPrefix(id, "d-")
	if !ok || len(hex) != 32 {
		return false
	}
	for _, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// body renders m as a Mail Send request, or says why SendGrid could never accept it.
func (s *Sender) body(m notify.Message) ([]byte, error) {
	if s.fromErr != nil {
		return nil, s.fromErr
	}
	if m.Channel != "" && m.Channel != order.ChannelEmail {
		return nil, fmt.Errorf("channel %q is not sent through SendGrid", m.Channel)
	}
	if m.To == "" {
		return nil, errors.New("no recipient address")
	}
	ms := mailSend{
		Personalizations: []personalization{{To: []address{{Email: m.To}}, CustomArgs: m.Args}},
		From:             s.from,
		Headers:          m.Headers,
	}
	if m.TemplateID != "" {
		// A dynamic template brings its own subject and content: SendGrid renders them from
		// dynamic_template_data, and a subject or content sent beside it would be ignored.
		if !ValidTemplateID(m.TemplateID) {
			return nil, fmt.Errorf("template id %q is not a SendGrid dynamic template id", m.TemplateID)
		}
		ms.TemplateID = m.TemplateID
		ms.Personalizations[0].DynamicTemplateData = m.TemplateData
		return encode(ms)
	}
	ms.Subject = m.Subject
	// SendGrid wants text/plain first, then text/html, and no empty content.
	if m.Text != "" {
		ms.Content = append(ms.Content, content{Type: "text/plain", Value: m.Text})
	}
	if m.HTML != "" {
		ms.Content = append(ms.Content, content{Type: "text/html", Value: m.HTML})
	}
	if len(ms.Content) == 0 {
		return nil, errors.New("neither text nor HTML content")
	}
	return encode(ms)
}

func encode(ms mailSend) ([]byte, error) {
	b, err := json.Marshal(ms)
	if err != nil {
		return nil, fmt.Errorf("encode mail send body: %w", err)
	}
	return b, nil
}

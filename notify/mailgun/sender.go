// Package mailgun sends shipflow's email through Mailgun's Messages API
// (POST /v3/{domain}/messages) over plain net/http, classifies Mailgun's refusals into
// permanent and retryable failures, and verifies and parses the events Mailgun's signed
// webhooks post back. Mailgun's Go SDK is not used: the module proxy does not serve it.
package mailgun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// Mailgun's regions: an account's domains live in one, and its API answers only there.
const (
	RegionUS = "us"
	RegionEU = "eu"
)

// API base URLs of the regions.
const (
	USAPIURL = "https://api.mailgun.net"
	EUAPIURL = "https://api.eu.mailgun.net"
)

// Provider is the name the notification log records for Mailgun.
const Provider = "mailgun"

// defaultTimeout bounds a send when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// Config holds the MAILGUN_* settings.
type Config struct {
	APIKey string // MAILGUN_API_KEY, sent as the password of basic auth with user "api"
	Domain string // MAILGUN_DOMAIN, the sending domain, e.g. mg.store.example
	// From is the sender, MAILGUN_FROM: an address or "Name <address>", on Domain.
	From string
	// Region is RegionUS (the default when empty) or RegionEU.
	Region string
	// APIURL, MAILGUN_API_URL, overrides the region's URL: a stand-in server's in tests and dev.
	APIURL string
}

// BaseURL is where cfg's requests go: APIURL when set, else its region's API.
func (cfg Config) BaseURL() string {
	if cfg.APIURL != "" {
		return strings.TrimRight(cfg.APIURL, "/")
	}
	if cfg.Region == RegionEU {
		return EUAPIURL
	}
	return USAPIURL
}

// Sender sends email through Mailgun. It implements notify.Sender and is safe for concurrent
// use.
type Sender struct {
	apiKey  string
	from    string
	fromErr error // why cfg.From or cfg.Domain is unusable; every send fails permanently with it
	sendURL string
	hc      *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender that posts to cfg.BaseURL() with hc (a client with a 30-second timeout
// when hc is nil). A From that is not an address, or no Domain, makes every Send fail
// permanently, naming it.
func New(cfg Config, hc *http.Client) *Sender {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	s := &Sender{apiKey: cfg.APIKey, hc: hc,
		sendURL: cfg.BaseURL() + "/v3/" + url.PathEscape(cfg.Domain) + "/messages"}
	switch a, err := mail.ParseAddress(cfg.From); {
	case cfg.Domain == "":
		s.fromErr = errors.New("MAILGUN_DOMAIN is not set")
	case err != nil:
		s.fromErr = fmt.Errorf("MAILGUN_FROM %q is not an email address: %w", cfg.From, err)
	default:
		s.from = a.String()
	}
	return s
}

// sendAnswer is Mailgun's answer to an accepted message.
type sendAnswer struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Send sends m as one email to m.To, with m.Args as user variables (v:name) that come back
// with every event, and returns Mailgun's message id without its angle brackets, as events
// carry it. A refusal that retrying cannot fix is a *notify.PermanentError whose Code is the
// HTTP status; anything else (429, 5xx, network, timeout) is a plain error to retry.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	what := fmt.Sprintf("mailgun: email message %s", m.Key)
	body, ctype, err := s.body(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sendURL, bytes.NewReader(body))
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req.SetBasicAuth("api", s.apiKey)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return notify.Sent{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return notify.Sent{}, classify(what, resp)
	}
	var a sendAnswer
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// An answer without an id still means queued: events find the notification through its
	// user variables.
	_ = json.Unmarshal(b, &a)
	return notify.Sent{Provider: Provider, MessageID: MessageID(a.ID), Status: "queued"}, nil
}

// MessageID is a Message-Id as events carry it: without the angle brackets the send answer has.
func MessageID(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

// body renders m as a multipart/form-data Messages request, or says why Mailgun could never
// accept it.
func (s *Sender) body(m notify.Message) ([]byte, string, error) {
	if s.fromErr != nil {
		return nil, "", s.fromErr
	}
	if m.Channel != "" && m.Channel != order.ChannelEmail {
		return nil, "", fmt.Errorf("channel %q is not sent through Mailgun", m.Channel)
	}
	if m.To == "" {
		return nil, "", errors.New("no recipient address")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, "", errors.New("neither text nor HTML content")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	field := func(k, v string) {
		if v != "" {
			_ = w.WriteField(k, v) // writes to a bytes.Buffer do not fail
		}
	}
	field("from", s.from)
	field("to", m.To)
	field("subject", m.Subject)
	field("text", m.Text)
	field("html", m.HTML)
	for _, k := range slices.Sorted(maps.Keys(m.Headers)) {
		field("h:"+k, m.Headers[k])
	}
	for _, k := range slices.Sorted(maps.Keys(m.Args)) {
		field("v:"+k, m.Args[k])
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encode messages form: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

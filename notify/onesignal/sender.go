// Package onesignal sends shipflow's push notifications through OneSignal's Create
// Notification API (POST /notifications?c=push), addressed to the customer's external id (the
// merchant's id of the customer in their app, order.Customer.ExternalID), and classifies
// OneSignal's answers into permanent and retryable failures.
//
// It speaks plain net/http rather than OneSignal's Go client (github.com/OneSignal/
// onesignal-go-api): the module proxy this project builds from does not serve that module, and
// the request is one small JSON body. Every send carries an idempotency_key derived from the
// message's key, so a retry after a timeout or a 5xx is answered by OneSignal with the first
// attempt's notification instead of a second push: exactly once for OneSignal's 30 days of
// memory, which is longer than any retry of shipflow's.
package onesignal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// Provider is the name the notification log records for OneSignal.
const Provider = "onesignal"

// DefaultAPIURL is OneSignal's API, the default of ONESIGNAL_API_URL.
const DefaultAPIURL = "https://api.onesignal.com"

// SendPath is the Create Notification endpoint for the push channel.
const SendPath = "/notifications?c=push"

// Names in OneSignal's request body.
const (
	// AliasExternalID is the alias label of the merchant's own user id, which
	// include_aliases targets.
	AliasExternalID = "external_id"
	// TargetChannelPush is target_channel for a push notification: with include_aliases,
	// OneSignal sends only to the user's push subscriptions.
	TargetChannelPush = "push"
	// DefaultLanguage is the language OneSignal requires in contents and headings: what a
	// device whose language is not listed shows.
	DefaultLanguage = "en"
)

// statusCreated is what the log records for a notification OneSignal created: OneSignal
// reports no delivery back to shipflow.
const statusCreated = "created"

// defaultTimeout bounds a send when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// idempotencyNamespace scopes the keys derived from shipflow's message keys, so that they
// never meet another system's UUIDs in the same OneSignal app.
var idempotencyNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/shipflow/shipflow/notify/onesignal"))

// Config holds the ONESIGNAL_* settings.
type Config struct {
	AppID  string // ONESIGNAL_APP_ID, the OneSignal app's id (a UUID)
	APIKey string // ONESIGNAL_API_KEY, the app's REST API key, sent as "Authorization: Key <key>"
	// APIURL, ONESIGNAL_API_URL, is OneSignal's API; a stand-in server's in tests and dev.
	APIURL string
}

// BaseURL is where cfg's requests go: APIURL without a trailing slash, or DefaultAPIURL.
func (cfg Config) BaseURL() string {
	if cfg.APIURL != "" {
		return strings.TrimRight(cfg.APIURL, "/")
	}
	return DefaultAPIURL
}

// Sender sends push notifications through OneSignal. It implements notify.Sender and is safe
// for concurrent use.
type Sender struct {
	appID, apiKey string
	cfgErr        error // why the configuration is unusable; every send fails permanently with it
	sendURL       string
	hc            *http.Client
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender that posts to cfg.BaseURL() with hc (a client with a 30-second timeout
// when hc is nil). An app id that is not a UUID makes every Send fail permanently, naming it:
// OneSignal would refuse every request.
func New(cfg Config, hc *http.Client) *Sender {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	s := &Sender{appID: cfg.AppID, apiKey: cfg.APIKey, hc: hc, sendURL: cfg.BaseURL() + SendPath}
	if err := CheckAppID(cfg.AppID); err != nil {
		s.cfgErr = fmt.Errorf("ONESIGNAL_APP_ID: %w", err)
	}
	return s
}

// CheckAppID refuses an app id OneSignal never issues: every app id is a UUID
// ("5eb5a37e-b458-11e3-ac11-000c2940e62c", Settings > Keys & IDs).
func CheckAppID(id string) error {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return fmt.Errorf("%q is not a OneSignal app id (a UUID such as 5eb5a37e-b458-11e3-ac11-000c2940e62c)", id)
	}
	return nil
}

// Notification is the Create Notification body shipflow sends: one push to one external id.
// The stand-in reads the same type.
type Notification struct {
	AppID          string              `json:"app_id"`
	IncludeAliases map[string][]string `json:"include_aliases"`
	TargetChannel  string              `json:"target_channel"`
	Headings       map[string]string   `json:"headings,omitempty"`
	Contents       map[string]string   `json:"contents"`
	// URL opens when the notification is tapped, in the app's browser or on the web.
	URL string `json:"url,omitempty"`
	// Data reaches the app with the notification (its "additional data"): the order and the
	// message key, so the app may open its own order screen instead.
	Data           map[string]string `json:"data,omitempty"`
	IdempotencyKey string            `json:"idempotency_key"`
}

// IdempotencyKey is the idempotency_key of the message with shipflow key key in app appID: a
// name-based UUID (version 3, which OneSignal takes), the same for every attempt at one
// message and different for every other message.
func IdempotencyKey(appID, key string) string {
	return uuid.NewMD5(idempotencyNamespace, []byte(appID+"\n"+key)).String()
}

// Send sends m as one push notification to the OneSignal user whose external id is m.To, with
// m.Subject as its title, m.Text as its body and m.URL opened on tap, and returns OneSignal's
// notification id. A refusal that retrying cannot fix (the user has no push subscription, a
// rejected key, a malformed request) is a *notify.PermanentError; anything else (429, 5xx,
// network, timeout, an answer that cannot be read) is a plain error to retry, which the
// idempotency key makes safe.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	what := fmt.Sprintf("onesignal: push message %s", m.Key)
	body, err := s.body(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.sendURL, bytes.NewReader(body))
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	req.Header.Set("Authorization", "Key "+s.apiKey)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return notify.Sent{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	id, err := classify(what, resp)
	if err != nil {
		return notify.Sent{}, err
	}
	return notify.Sent{Provider: Provider, MessageID: id, Status: statusCreated}, nil
}

// body renders m as a Create Notification request, or says why OneSignal could never accept
// it.
func (s *Sender) body(m notify.Message) ([]byte, error) {
	if s.cfgErr != nil {
		return nil, s.cfgErr
	}
	if m.Channel != "" && m.Channel != order.ChannelPush {
		return nil, fmt.Errorf("channel %q is not sent through OneSignal", m.Channel)
	}
	if err := order.CheckExternalID("external id", m.To); err != nil {
		return nil, err
	}
	if m.Text == "" {
		return nil, errors.New("no message text")
	}
	n := Notification{
		AppID: s.appID, IncludeAliases: map[string][]string{AliasExternalID: {m.To}}, TargetChannel: TargetChannelPush,
		Contents: languages(m.Locale, m.Text), URL: m.URL, Data: m.Args, IdempotencyKey: IdempotencyKey(s.appID, m.Key),
	}
	if m.Subject != "" {
		n.Headings = languages(m.Locale, m.Subject)
	}
	b, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("encode notification: %w", err)
	}
	return b, nil
}

// languages labels text for OneSignal, which shows a device the entry of its own language and
// else the English one. The text is already in the customer's language (the order's locale),
// so it goes under English, which OneSignal requires, and under that language too.
func languages(locale, text string) map[string]string {
	out := map[string]string{DefaultLanguage: text}
	if lang := language(locale); lang != "" && lang != DefaultLanguage {
		out[lang] = text
	}
	return out
}

// language is the primary language subtag of locale in lower case ("lt" of "lt-LT"), or "".
func language(locale string) string {
	lang, _, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	lang = strings.ToLower(lang)
	if len(lang) < 2 || len(lang) > 3 {
		return ""
	}
	for _, r := range lang {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return lang
}

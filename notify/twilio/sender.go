// Package twilio sends shipflow's SMS and WhatsApp messages through Twilio's Programmable
// Messaging API with the official twilio-go client, classifies Twilio's refusals into
// permanent and retryable failures, and verifies the signatures of the webhooks Twilio posts
// back (status callbacks and inbound messages such as STOP).
package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	twiliogo "github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// DefaultAPIURL is Twilio's production API, the base URL twilio-go has built in.
const DefaultAPIURL = "https://api.twilio.com"

// defaultTimeout bounds a send when the caller gives no *http.Client, as twilio-go's own
// default client does.
const defaultTimeout = 10 * time.Second

// Config holds the TWILIO_* settings. Its fields match config.Twilio one for one, so
// twilio.Config(cfg.Twilio) converts them.
type Config struct {
	AccountSID string // TWILIO_ACCOUNT_SID, also the Basic auth user
	AuthToken  string // TWILIO_AUTH_TOKEN, also the key of webhook signatures
	// From is the SMS sender number (E.164) or alphanumeric sender ID, TWILIO_FROM.
	From string
	// MessagingServiceSID, when set, sends SMS through a Messaging Service (sender pools,
	// opt-out handling) instead of From; TWILIO_MESSAGING_SERVICE_SID.
	MessagingServiceSID string
	// WhatsAppFrom is the WhatsApp sender number (E.164, with or without the "whatsapp:"
	// prefix), TWILIO_WHATSAPP_FROM.
	WhatsAppFrom string
	// APIURL is where requests go, TWILIO_API_URL: DefaultAPIURL when empty, a stand-in
	// server's URL in tests and dev.
	APIURL string
}

// Sender sends SMS and WhatsApp messages through Twilio. It implements notify.Sender and is
// safe for concurrent use.
type Sender struct {
	cfg     Config
	base    http.RoundTripper // the caller's transport: TLS, proxies, connection pool
	target  *url.URL          // where requests go instead of DefaultAPIURL; nil for Twilio itself
	timeout time.Duration     // the caller's http.Client.Timeout, applied per send through ctx
}

var _ notify.Sender = (*Sender)(nil)

var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// New checks cfg and returns a Sender that makes its HTTP requests with hc's transport and
// timeout (a client with a 10-second timeout when hc is nil). Requests go to cfg.APIURL.
func New(cfg Config, hc *http.Client) (*Sender, error) {
	// twilio-go refuses credentials with other characters at every request (error 21222/21224);
	// say so once, at start-up. Neither value is quoted: the token is a secret.
	if !alphanumeric.MatchString(cfg.AccountSID) {
		return nil, errors.New("twilio: TWILIO_ACCOUNT_SID must be set and alphanumeric")
	}
	if !alphanumeric.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: TWILIO_AUTH_TOKEN must be set and alphanumeric")
	}
	if cfg.From == "" && cfg.MessagingServiceSID == "" && cfg.WhatsAppFrom == "" {
		return nil, errors.New("twilio: one of TWILIO_FROM, TWILIO_MESSAGING_SERVICE_SID or TWILIO_WHATSAPP_FROM must be set")
	}
	s := &Sender{cfg: cfg, base: http.DefaultTransport, timeout: defaultTimeout}
	if hc != nil {
		s.timeout = hc.Timeout
		if hc.Transport != nil {
			s.base = hc.Transport
		}
	}
	apiURL := strings.TrimRight(cfg.APIURL, "/")
	if apiURL != "" && apiURL != DefaultAPIURL {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("twilio: TWILIO_API_URL %q is not an http(s) base URL", apiURL)
		}
		s.target = u
	}
	return s, nil
}

// Send sends m on its channel (sms or whatsapp) and returns the Message SID and status Twilio
// answered. A refusal that retrying cannot fix is a *notify.PermanentError carrying Twilio's
// error code; anything else (429, 5xx, network, timeout) is a plain error to retry.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	params, err := s.params(m)
	if err != nil {
		return notify.Sent{}, &notify.PermanentError{Err: fmt.Errorf("twilio: %s message %s: %w", m.Channel, m.Key, err)}
	}
	if err := ctx.Err(); err != nil {
		return notify.Sent{}, fmt.Errorf("twilio: %s message %s: %w", m.Channel, m.Key, err)
	}
	rest, rt, cancel := s.client(ctx)
	defer cancel()
	res, err := rest.Api.CreateMessage(params)
	if err != nil {
		return notify.Sent{}, classify(fmt.Sprintf("twilio: %s message %s", m.Channel, m.Key), err, rt.status, rt.errBody)
	}
	if res.Sid == nil || *res.Sid == "" {
		return notify.Sent{}, fmt.Errorf("twilio: %s message %s: Twilio answered HTTP %d without a message SID", m.Channel, m.Key, rt.status)
	}
	sent := notify.Sent{Provider: "twilio", MessageID: *res.Sid}
	if res.Status != nil {
		sent.Status = *res.Status
	}
	return sent, nil
}

// client returns a twilio-go client for one request made under ctx, the transport that sees its
// answer, and the cancel of the request's timeout.
func (s *Sender) client(ctx context.Context) (*twiliogo.RestClient, *transport, context.CancelFunc) {
	cancel := context.CancelFunc(func() {})
	if s.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
	}
	// twilio-go takes no context and builds every request with context.Background(), so each
	// request gets a client of its own whose transport puts ctx on it: cancelling ctx or
	// reaching its deadline aborts the request wherever it is, as with any http.Client.
	rt := &transport{ctx: ctx, base: s.base, target: s.target}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient: &http.Client{
			Transport: rt,
			// Like twilio-go's default client: a redirect is an answer, not to be followed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	// With Client set, twilio-go takes credentials and account from it and ignores the rest.
	rest := twiliogo.NewRestClientWithParams(twiliogo.ClientParams{
		Username: s.cfg.AccountSID, Password: s.cfg.AuthToken, AccountSid: s.cfg.AccountSID, Client: c,
	})
	return rest, rt, cancel
}

// params translates m into twilio-go's request, or says why Twilio could never accept it.
func (s *Sender) params(m notify.Message) (*openapi.CreateMessageParams, error) {
	to := strings.TrimPrefix(m.To, "whatsapp:")
	if to == "" {
		return nil, errors.New("no recipient number")
	}
	if m.Text == "" && m.ContentSID == "" {
		return nil, errors.New("neither text nor a content template")
	}
	p := &openapi.CreateMessageParams{}
	switch m.Channel {
	case order.ChannelSMS:
		p.SetTo(to)
		switch {
		case s.cfg.MessagingServiceSID != "":
			p.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
		case s.cfg.From != "":
			p.SetFrom(s.cfg.From)
		default:
			return nil, errors.New("no SMS sender: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
		}
	case order.ChannelWhatsApp:
		p.SetTo("whatsapp:" + to)
		switch {
		case s.cfg.WhatsAppFrom != "":
			p.SetFrom("whatsapp:" + strings.TrimPrefix(s.cfg.WhatsAppFrom, "whatsapp:"))
		case s.cfg.MessagingServiceSID != "":
			// A Messaging Service whose sender pool holds a WhatsApp sender sends WhatsApp too.
			p.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
		default:
			return nil, errors.New("no WhatsApp sender: set TWILIO_WHATSAPP_FROM")
		}
	default:
		return nil, fmt.Errorf("channel %q is not sent through Twilio", m.Channel)
	}
	if m.ContentSID != "" {
		// A template (required for business-initiated WhatsApp outside the 24-hour window)
		// carries its own text; Twilio fills the variables in.
		p.SetContentSid(m.ContentSID)
		if len(m.ContentVariables) > 0 {
			vars, err := json.Marshal(m.ContentVariables)
			if err != nil {
				return nil, fmt.Errorf("encode content variables: %w", err)
			}
			p.SetContentVariables(string(vars))
		}
	} else {
		p.SetBody(m.Text)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	return p, nil
}

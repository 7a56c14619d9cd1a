package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shipflow/shipflow/egress"
)

// Zapier (docs/connectors.md "## Zapier"): a destination of KindZapier is one Zap's REST Hook
// subscription, created and deleted by Zapier itself through /zapier/v1/subscriptions
// (zapier_api.go), or a "Webhooks by Zapier" catch hook a merchant pastes into
// POST /v1/webhook-endpoints. Its URL is the only secret (whoever holds it can start the Zap),
// so it is shown masked like a feed's and nothing is signed. Each event is posted as one flat
// JSON object (ZapierEvent) that a Zap's fields map from directly.

// zapierHosts are the hosts Zapier gives its hooks: a Zapier destination's URL must name one,
// so that a Zapier key cannot point order details at an arbitrary server.
var zapierHosts = []string{"hooks.zapier.com"}

// ErrZapierHost is wrapped by CheckZapierURL's refusal of a host that is not Zapier's.
var ErrZapierHost = errors.New("not a Zapier hook host")

// CheckZapierURL says whether raw may be a Zapier hook's URL: one the egress policy allows
// (https, a global address or an allowed range) on hooks.zapier.com, or a stand-in reached by
// an address (or localhost) in a range SHIPFLOW_WEBHOOK_ALLOWED_CIDRS allows explicitly, as
// for a feed. Attempts check it again, so a policy that narrowed since holds.
func CheckZapierURL(raw string, p egress.Policy) error {
	if err := egress.CheckURL(raw, p); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", egress.ErrInvalidURL, err)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, h := range zapierHosts {
		if host == h {
			return nil
		}
	}
	if standIn(host, p) {
		return nil
	}
	return fmt.Errorf("%w: the host must be %s", ErrZapierHost, strings.Join(zapierHosts, ", "))
}

// SecretURL reports whether a destination of kind k is reached by a URL that is itself the
// secret (a staff feed's chat webhook, a Zapier hook): the API never shows it whole, nothing
// is signed, and it takes no headers of its own.
func (k Kind) SecretURL() bool { return k.Feed() || k == KindZapier }

// zapier is KindZapier's transport.
type zapier struct{ s *Sender }

// zapierUserAgent names shipflow to Zapier; the number is the flat shape's version.
const zapierUserAgent = "shipflow-zapier/1"

// Send posts the event as one flat object to the hook. Zapier answers 200 to a hook it took;
// 410 means the Zap was turned off or deleted and will never take another, which ends the
// subscription (Result.Unsubscribed: the destination is deleted, as Zapier's REST Hooks rule
// asks, rather than disabled with a staff alert). Everything else is classified as every
// platform's answer is (Sender.call). Zapier has no idempotency key: the object's id is the
// event id, the same on every attempt, for a Zap that wants to drop a repeat.
func (z zapier) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	if err := CheckZapierURL(o.Endpoint.URL, z.s.Policy); err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	body, err := json.Marshal(z.s.Feeds.zapierEvent(o.Event))
	if err != nil {
		return Result{Outcome: Failed, Err: "encoding body: " + err.Error()}, now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: "building request: " + err.Error()}, now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", zapierUserAgent)
	r := z.s.call(req)
	if r.Status == http.StatusGone {
		r.Outcome, r.Unsubscribed = Gone, true
		r.Err = "Zapier answered 410 Gone: the Zap was turned off or deleted; the subscription is deleted"
	}
	return r, now
}

package outbound

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/shipflow/shipflow/egress"
)

// feedHosts are the hosts each chat gives its webhooks: a feed's URL must name one, so that a
// feed cannot be pointed at an arbitrary server (it carries order details, unsigned). A host
// listed with a leading dot is a suffix (a Workflows URL names a regional host).
//
// Microsoft Teams: only Workflows (Power Automate) webhooks. The Office 365 connectors'
// incoming webhooks (*.webhook.office.com) are retired, and take no Adaptive Card envelope.
var feedHosts = map[Kind][]string{
	KindSlack:      {"hooks.slack.com", "hooks.slack-gov.com"},
	KindTeams:      {".logic.azure.com", ".powerautomate.com", ".powerplatform.com"},
	KindGoogleChat: {"chat.googleapis.com"},
}

// ErrFeedHost is wrapped by CheckFeedURL's refusal of a host the chat does not use.
var ErrFeedHost = errors.New("not a webhook host of the chat")

// CheckFeedURL says whether raw may be the webhook URL of a feed of kind k: one the egress
// policy allows (https, a global address or an allowed range), on one of the chat's webhook
// hosts. A stand-in in development or tests is reached by an IP address (or localhost) in a
// range SHIPFLOW_WEBHOOK_ALLOWED_CIDRS allows explicitly. Attempts check it again, so a policy
// that narrowed since the URL was saved holds.
func CheckFeedURL(k Kind, raw string, p egress.Policy) error {
	if err := egress.CheckURL(raw, p); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", egress.ErrInvalidURL, err)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, h := range feedHosts[k] {
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return nil
		}
	}
	if standIn(host, p) {
		return nil
	}
	return fmt.Errorf("%w %s: the host must be %s", ErrFeedHost, k, strings.Join(feedHostNames(k), ", "))
}

// standIn reports whether host is an address (or localhost) in a range the policy allows
// explicitly: a stand-in the operator chose to reach.
func standIn(host string, p egress.Policy) bool {
	if host == "localhost" {
		host = "127.0.0.1"
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, pf := range p.Allowed {
		if pf.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// feedHostNames lists a kind's hosts as people write them (*.logic.azure.com).
func feedHostNames(k Kind) []string {
	var out []string
	for _, h := range feedHosts[k] {
		if strings.HasPrefix(h, ".") {
			h = "*" + h
		}
		out = append(out, h)
	}
	return out
}

// ShownURL is the endpoint's URL as the API and staff alerts show it. A webhook's is shown
// whole. A feed's or a Zapier hook's is a secret (whoever has it can post to the channel or
// start the Zap: Kind.SecretURL), so only its scheme, host and first path segment are: enough
// to tell which chat and workspace, or that it is Zapier's, it is.
func (e Endpoint) ShownURL() string {
	if !e.Kind.SecretURL() {
		return e.URL
	}
	return MaskURL(e.URL)
}

// MaskURL keeps the scheme, the host and the first path segment of a secret URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "****"
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	return u.Scheme + "://" + u.Host + "/" + first + "/****"
}

package egress

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// DefaultTimeout bounds a whole request (connect, TLS, headers and body)
// when Policy.Timeout is not set. It is the documented 15 s (docs/reference/outbound-webhooks.md): a subscriber
// that has not answered by then has failed this attempt anyway.
const DefaultTimeout = 15 * time.Second

// Policy says which destinations a client may reach and how long it waits.
// Its zero value is the strict default: public HTTPS addresses only, 15 s.
type Policy struct {
	// Allowed are the non-global ranges that may be reached anyway, from
	// SHIPFLOW_WEBHOOK_ALLOWED_CIDRS: a receiver on the private network, or
	// 127.0.0.0/8 in development. An address inside one of them is always
	// allowed, whatever range it also falls in.
	Allowed []netip.Prefix

	// AllowHTTP lets CheckURL accept plain http URLs, for development and
	// private receivers. The default refuses them because a webhook's body
	// and signature would otherwise cross the internet in clear text.
	AllowHTTP bool

	// Timeout bounds each request; zero or negative means DefaultTimeout.
	// There is no way to ask for no timeout: a destination we do not trust
	// must not be able to hold a worker forever.
	Timeout time.Duration

	// Resolver resolves names before each connection; nil means
	// net.DefaultResolver. The guard does not trust its answers any more
	// than the default resolver's: whatever address it returns is checked.
	// Tests use it to make a name change address between two lookups.
	Resolver *net.Resolver
}

// NewClient returns an http.Client for URLs shipflow does not trust. It
// refuses, while dialling, every address p does not permit (see the
// package documentation for why there), does not follow redirects (a 3xx
// response is returned to the caller with its body unread), ignores proxy
// settings in the environment, and gives up on a request after p.Timeout.
//
// The client holds its own connection pool; make one per policy and reuse
// it rather than one per request.
func NewClient(p Policy) *http.Client {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	g := guard{allowed: slices.Clone(p.Allowed)}
	dialer := &net.Dialer{
		Timeout:        30 * time.Second,
		KeepAlive:      30 * time.Second,
		Resolver:       p.Resolver,
		ControlContext: g.control,
	}
	// The settings of http.DefaultTransport, written out rather than
	// cloned: a clone would inherit whatever another package set on the
	// shared default, and a DialTLSContext there would bypass our dialer.
	transport := &http.Transport{
		// No proxy, not even from HTTP_PROXY/HTTPS_PROXY: a proxy connects
		// to the destination itself, where the guard cannot see it.
		Proxy:             nil,
		DialContext:       dialer.DialContext,
		ForceAttemptHTTP2: true,
		MaxIdleConns:      100,
		// Deliveries to one receiver run in parallel; the default of 2 idle connections per
		// host would close and reopen the rest every time.
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		// A webhook answer's headers are small; a hostile receiver's need
		// not be, and the default allows 10 MB of them.
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		// Following a redirect would let the receiver pick a new
		// destination; docs/reference/outbound-webhooks.md says redirects are not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// guard is the dial-time check of one client.
type guard struct {
	allowed []netip.Prefix
}

// control runs for every connection attempt, after name resolution and
// before connect(2), with the numeric address being connected to. Anything
// it cannot positively identify as allowed is refused.
func (g guard) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %q is not TCP", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q", ErrForbiddenAddress, address)
	}
	return checkAddr(ap.Addr(), g.allowed, address)
}

package server

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/shipflow/shipflow/config"
)

// Body caps per kind of route (README "Limits and input rules"). Each is well above what its
// legitimate callers send, and small enough that a client cannot make the replica hold much.
const (
	// noBodyCap is for routes that take no body (GET, HEAD, DELETE, the tracking page, the
	// probes) and for requests that match no route.
	noBodyCap = 4 << 10
	// voiceBodyCap: a voice platform's tool call is a few hundred bytes of JSON.
	voiceBodyCap = 64 << 10
	// adminBodyCap: the admin API's bodies are an endpoint or a note.
	adminBodyCap = 256 << 10
	// webhookBodyCap is the documented 1 MiB cap for inbound webhooks (docs/reference/inbound.md); a route may hold its
	// own smaller cap inside.
	webhookBodyCap = 1 << 20
	// zapierBodyCap: a Zapier subscription is a hook URL and a trigger key.
	zapierBodyCap = 16 << 10
	// codecBodyCap: the Temporal UI sends a history's payloads to the codec server, each up
	// to Temporal's 2 MiB blob limit, base64 in JSON.
	codecBodyCap = 4 << 20
	// consoleBodyCap: the console's forms are an endpoint, a note or a token.
	consoleBodyCap = 64 << 10
)

// maxClients bounds each rate limiter's memory (tens of bytes a client), whatever the
// number of addresses a client can send from.
const maxClients = 50_000

// Route prefixes the body caps and the logs tell apart.
const (
	prefixWebhooks = "/webhooks/"
	prefixVoice    = "/voice/"
	prefixAdmin    = "/v1/"
	prefixTrack    = "/track/"
	prefixCodec    = "/codec/"
	prefixZapier   = "/zapier/"
	prefixConsole  = "/console/"
)

// bodyCapFor is the largest request body the route takes, in bytes: the one rule for every
// route, by method and route template.
func bodyCapFor(method, route string) int64 {
	switch {
	case method == http.MethodGet, method == http.MethodHead, method == http.MethodDelete, method == http.MethodOptions:
		return noBodyCap
	case strings.HasPrefix(route, prefixWebhooks):
		return webhookBodyCap
	case strings.HasPrefix(route, prefixVoice):
		return voiceBodyCap
	case strings.HasPrefix(route, prefixAdmin):
		return adminBodyCap
	case strings.HasPrefix(route, prefixCodec):
		return codecBodyCap
	case strings.HasPrefix(route, prefixZapier):
		return zapierBodyCap
	case strings.HasPrefix(route, prefixConsole):
		return consoleBodyCap
	}
	return noBodyCap
}

// capBody refuses a request whose declared length is over its route's cap before anything
// reads it, and stops a body without a declared length (chunked) at the cap. A handler that
// read past the cap failed because of it, whatever it made of the short read (malformed
// JSON, say): its error is answered as the 413 it is.
func capBody() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			n := bodyCapFor(req.Method, c.Path())
			if req.ContentLength > n {
				return bodyTooLarge(n)
			}
			// The net/http writer (not echo's) is the one that learns to close the connection
			// instead of reading the rest of an oversized body.
			body := &cappedBody{ReadCloser: http.MaxBytesReader(c.Response().Writer, req.Body, n)}
			req.Body = body
			if err := next(c); err != nil {
				if body.over {
					return bodyTooLarge(n)
				}
				return err
			}
			return nil
		}
	}
}

// cappedBody notes whether a read went past the cap.
type cappedBody struct {
	io.ReadCloser
	over bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.over = true
	}
	return n, err
}

// bodyTooLarge is the 413 for a route whose cap is n bytes.
func bodyTooLarge(n int64) *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge, Message: "request body is larger than " + sizeText(n) + ", the cap of this route"}
}

// sizeText writes a byte count the way the README does: 4 KiB, 1 MiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// clientIP is how the server tells clients apart. Without trusted proxies it is the
// connection's address and X-Forwarded-For is ignored: anyone can write that header, and
// believing it would let one client pose as many. Behind trusted proxies it is the nearest
// address in X-Forwarded-For that is not one of them.
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	// echo trusts loopback, link-local and private addresses by default: only what the
	// operator named is trusted here.
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// clientKey is the rate limiters' key for an address: an IPv6 client holds a whole /64 (one
// customer line), so it is counted as one client rather than 2^64.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// clientLimiter is a token bucket per client, remembering at most max clients. A client
// idle long enough for its bucket to be full again is forgotten, which changes nothing; when
// the map is full anyway, the least recently seen client is forgotten and starts afresh next
// time, so many addresses cost an attacker buckets of their own, never the service's memory.
// Each replica counts on its own.
type clientLimiter struct {
	limit  rate.Limit
	burst  int
	refill time.Duration // how long an unused bucket takes to fill up again
	max    int
	now    func() time.Time

	mu    sync.Mutex
	byKey map[string]*list.Element // of *visitor
	lru   *list.List               // most recently seen first
}

type visitor struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// newClientLimiter returns nil when rl is off; a nil limiter admits everything.
func newClientLimiter(rl config.RateLimit, maxClients int) *clientLimiter {
	if rl.Off() {
		return nil
	}
	refill := time.Duration(float64(rl.Burst) / rl.PerSecond * float64(time.Second))
	return &clientLimiter{
		limit: rate.Limit(rl.PerSecond), burst: rl.Burst, refill: refill, max: maxClients, now: time.Now,
		byKey: map[string]*list.Element{}, lru: list.New(),
	}
}

// take spends one request of key's bucket, or says how long until one is there.
func (l *clientLimiter) take(key string) (wait time.Duration, ok bool) {
	if l == nil {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for back := l.lru.Back(); back != nil && now.Sub(back.Value.(*visitor).seen) >= l.refill; back = l.lru.Back() {
		l.forget(back)
	}
	el, seen := l.byKey[key]
	if seen {
		l.lru.MoveToFront(el)
	} else {
		if l.lru.Len() >= l.max {
			l.forget(l.lru.Back())
		}
		el = l.lru.PushFront(&visitor{key: key, lim: rate.NewLimiter(l.limit, l.burst)})
		l.byKey[key] = el
	}
	v := el.Value.(*visitor)
	v.seen = now
	r := v.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

func (l *clientLimiter) forget(el *list.Element) {
	delete(l.byKey, el.Value.(*visitor).key)
	l.lru.Remove(el)
}

// clients is how many clients the limiter remembers.
func (l *clientLimiter) clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// rateLimit answers 429 with Retry-After to a client over l's rate, before anything else of
// the route runs (its token check included, so guessing tokens is paced too).
func rateLimit(l *clientLimiter) echo.MiddlewareFunc { return rateLimitWith(l, nil) }

// rateLimitWith is rateLimit with the refusal of a route whose callers are people (a page
// rather than the JSON error); refuse is given the seconds to wait, and nil means the JSON.
func rateLimitWith(l *clientLimiter, refuse func(c echo.Context, retryAfter int) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if l == nil {
			return next
		}
		return func(c echo.Context) error {
			wait, ok := l.take(clientKey(c.RealIP()))
			if ok {
				return next(c)
			}
			secs := max(1, int(math.Ceil(wait.Seconds())))
			if refuse != nil {
				return refuse(c, secs)
			}
			return tooMany(c, secs)
		}
	}
}

// tooMany is the 429 of the API's error shape, with Retry-After.
func tooMany(c echo.Context, retryAfter int) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
	return errorf(http.StatusTooManyRequests, codeRateLimited, "too many requests from this client; retry after %d s", retryAfter)
}

package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
)

func TestClientLimiterForgetsIdleClientsAndStaysBounded(t *testing.T) {
	clock := time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)
	l := newClientLimiter(config.RateLimit{PerSecond: 1, Burst: 2}, 3)
	l.now = func() time.Time { return clock }

	for i := range 2 {
		if _, ok := l.take("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	wait, ok := l.take("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("third request at once: ok %v, wait %v; want refused for up to 1 s", ok, wait)
	}
	if _, ok := l.take("b"); !ok {
		t.Fatal("another client was refused")
	}
	clock = clock.Add(500 * time.Millisecond)
	if _, ok := l.take("a"); ok {
		t.Fatal("a refused request spent nothing: the client got a token back too early")
	}
	clock = clock.Add(600 * time.Millisecond)
	if _, ok := l.take("a"); !ok {
		t.Fatal("refused a second after its bucket ran dry")
	}

	clock = clock.Add(2 * time.Second) // both buckets full again: nothing to remember
	l.take("c")
	if n := l.clients(); n != 1 {
		t.Errorf("%d clients remembered after the others idled, want 1", n)
	}
	for _, k := range []string{"d", "e", "f", "g", "h"} {
		l.take(k)
	}
	if n := l.clients(); n != 3 {
		t.Errorf("%d clients remembered, want the cap of 3", n)
	}
	if _, ok := l.take("h"); !ok {
		t.Error("the most recent client was forgotten instead of the least recent")
	}
	if newClientLimiter(config.RateLimit{}, 3) != nil {
		t.Error("a limit that is off made a limiter")
	}
	var off *clientLimiter
	if _, ok := off.take("a"); !ok {
		t.Error("no limiter refused a request")
	}
}

func TestClientKey(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"::ffff:203.0.113.7":    "203.0.113.7",
		"2001:db8:1:1::1":       "2001:db8:1:1::/64",
		"2001:db8:1:1:ffff::2":  "2001:db8:1:1::/64",
		"2001:db8:1:2::1":       "2001:db8:1:2::/64",
		"fe80::1%eth0":          "fe80::/64",
		"":                      "",
		"not an address at all": "not an address at all",
	} {
		if got := clientKey(ip); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", ip, got, want)
		}
	}
}

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.0.0.5:4000"
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.1")
	if got := clientIP(nil)(req); got != "10.0.0.5" {
		t.Errorf("no trusted proxies: %q, want the connection's address", got)
	}
	if got := clientIP([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})(req); got != "198.51.100.1" {
		t.Errorf("behind 10.0.0.0/8: %q, want the nearest untrusted hop", got)
	}
	both := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("198.51.100.0/24")}
	if got := clientIP(both)(req); got != "203.0.113.9" {
		t.Errorf("behind two trusted hops: %q, want the client", got)
	}
	req.RemoteAddr = "192.168.1.1:4000" // private, but not named: echo's default would trust it
	if got := clientIP(both)(req); got != "192.168.1.1" {
		t.Errorf("from an untrusted private address: %q, want that address", got)
	}
}

func TestLogPath(t *testing.T) {
	long := "/v1/orders/" + strings.Repeat("x", 400)
	for in, want := range map[string]string{
		"/track/q2V1bV0K9wY3xXcH8i2Pj4lA":        "/track/[token]",
		"/track/q2V1bV0K9wY3xXcH8i2Pj4lA/events": "/track/[token]/events",
		"/track/":                                "/track/[token]",
		"//track/abc/x":                          "//track/[token]/x",
		"/TRACK/abc":                             "/TRACK/[token]",
		"/proxy/track/abc":                       "/proxy/track/[token]",
		"/track/track/abc":                       "/track/[token]/abc",
		"/track":                                 "/track",
		"/tracking/abc":                          "/tracking/abc",
		"/v1/orders/o-1/stream":                  "/v1/orders/o-1/stream",
		long:                                     long[:maxLoggedPath] + "...",
		strings.Repeat("/", 300) + "track/abc":   strings.Repeat("/", maxLoggedPath) + "...",
		"/x" + strings.Repeat("/", 248) + "track/abcdefgh": "/x" + strings.Repeat("/", 248) + "track/...",
		"/x" + strings.Repeat("/", 240) + "track/abcdefgh": "/x" + strings.Repeat("/", 240) + "track/[token]",
	} {
		if got := logPath(in); got != want {
			t.Errorf("logPath(%.60q) = %.80q, want %.80q", in, got, want)
		}
	}
}

func TestBodyCapFor(t *testing.T) {
	for _, tt := range []struct {
		method, route string
		want          int64
	}{
		{http.MethodGet, "/track/:token", noBodyCap},
		{http.MethodGet, "/v1/orders", noBodyCap},
		{http.MethodDelete, "/v1/webhook-endpoints/:id", noBodyCap},
		{http.MethodPost, "/voice/tools", voiceBodyCap},
		{http.MethodPost, "/v1/webhook-endpoints", adminBodyCap},
		{http.MethodPatch, "/v1/webhook-endpoints/:id", adminBodyCap},
		{http.MethodPost, "/webhooks/commerce", webhookBodyCap},
		{http.MethodPost, "/webhooks/twilio/inbound", webhookBodyCap},
		{http.MethodPost, "", noBodyCap},
	} {
		if got := bodyCapFor(tt.method, tt.route); got != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.route, got, tt.want)
		}
	}
	if sizeText(noBodyCap) != "4 KiB" || sizeText(webhookBodyCap) != "1 MiB" || sizeText(1000) != "1000 bytes" {
		t.Error("sizes are not written as the README writes them")
	}
}

// FuzzRequestID: whatever a caller sends as X-Request-ID, the id the server answers with (and
// logs) is a short plain token, and it is the caller's exactly when the caller's is one.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"", "caller-chosen-id", "req:1.2_3-4", strings.Repeat("A", 60<<10), strings.Repeat("a", 65),
		"a\nlevel=ERROR msg=forged", "užsakymas-1", "a b", "a\x00b", `a"b`, "\xff"} {
		f.Add(s)
	}
	h := requestID()(func(c echo.Context) error { return nil })
	e := echo.New()
	f.Fuzz(func(t *testing.T, id string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header[echo.HeaderXRequestID] = []string{id}
		rec := httptest.NewRecorder()
		if err := h(e.NewContext(req, rec)); err != nil {
			t.Fatal(err)
		}
		got := rec.Header().Get(echo.HeaderXRequestID)
		if len(got) == 0 || len(got) > maxRequestIDLen || strings.Trim(got, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != "" {
			t.Fatalf("answered request id %q", got)
		}
		if validRequestID(id) != (got == id) {
			t.Fatalf("caller's %q: answered %q (valid %v)", id, got, validRequestID(id))
		}
	})
}

// FuzzLogPath: a logged path is bounded, and every segment after a "track" segment is
// redacted.
func FuzzLogPath(f *testing.F) {
	for _, s := range []string{"/track/q2V1bV0K9wY3xXcH8i2Pj4lA/events", "//TRACK/x", "/track/", "/track",
		strings.Repeat("/track", 100), "/x" + strings.Repeat("/", 248) + "track/abcdefgh", "/tr\xffack/abc", "/track/\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := logPath(p)
		if len(got) > maxLoggedPath+len("...") {
			t.Fatalf("%d bytes logged", len(got))
		}
		trimmed, cut := strings.CutSuffix(got, "...")
		segs := strings.Split(trimmed, "/")
		for i := 0; i+1 < len(segs); i++ {
			if strings.EqualFold(segs[i], trackSegment) {
				last := cut && i+1 == len(segs)-1 // may be cut inside the marker
				if segs[i+1] != redactedToken && !(last && strings.HasPrefix(redactedToken, segs[i+1])) {
					t.Fatalf("logPath(%q) = %q: %q after a track segment", p, got, segs[i+1])
				}
				i++
			}
		}
	})
}

// FuzzClientKey: any address string gives a key, and an IPv6 client is its /64.
func FuzzClientKey(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "::ffff:203.0.113.7", "2001:db8::1", "fe80::1%eth0", "", "x", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ip string) {
		k := clientKey(ip)
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return
		}
		if a = a.Unmap(); a.Is6() {
			b := a.As16()
			b[15] ^= 0xff
			if other := clientKey(netip.AddrFrom16(b).String()); other != k {
				t.Fatalf("%s and its neighbour in the /64: keys %q and %q", ip, k, other)
			}
		}
	})
}

func TestMethodNameIsBounded(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": otherMethod, "BREW": otherMethod, strings.Repeat("X", 60<<10): otherMethod} {
		if got := methodName(in); got != want {
			t.Errorf("methodName(%.20q) = %q, want %q", in, got, want)
		}
	}
}

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/changes"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/tracklink"
)

// limitServer is shipflow's HTTP app served over real HTTP on this package's Postgres and
// Temporal, Temporal reached through a proxy the test can cut, with every log line kept.
type limitServer struct {
	url      string
	temporal *testenv.Proxy
	log      *logBuffer
	db       *pgxpool.Pool
}

// newLimitServer starts one with env over the test settings (admin token "admin", voice
// token "voice").
func newLimitServer(t *testing.T, env map[string]string) *limitServer {
	t.Helper()
	base := map[string]string{
		"SHIPFLOW_ADMIN_TOKENS":            "admin",
		"SHIPFLOW_VOICE_TOKENS":            "voice",
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	}
	cfg, err := config.Load("test", nil, func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return base[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = testenv.TaskQueue(t)
	proxy := testenv.NewProxy(t, testenv.TemporalAddress(t))
	c, err := engine.Dial(context.Background(), engine.Options{Address: proxy.Addr(), Namespace: "default", Logger: testenv.QuietLogger()}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	buf := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pool := testenv.DB(t)
	srv := httptest.NewServer(New(Deps{Config: cfg, DB: pool, Temporal: c, Logger: logger, Metrics: m, Changes: changes.New(pool, testenv.QuietLogger()), Secrets: testenv.SecretCodec(t)}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return &limitServer{url: srv.URL, temporal: proxy, log: buf, db: pool}
}

// logBuffer is a log destination safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// call sends a request and returns the response with its body read.
func (ls *limitServer) call(t *testing.T, method, path string, h http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ls.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// errorCode is the code of a response in the JSON error shape, or "" when it is not one.
func errorCode(body string) string {
	var e errorBody
	if json.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	return e.Error.Code
}

// trackedOrder writes an order with its tracking token to the read model, as the projecting
// activity does, and returns the token.
func (ls *limitServer) trackedOrder(t *testing.T, id string) string {
	t.Helper()
	token := tracklink.Token("limits-test-secret", id)
	now := time.Now().UTC()
	_, err := db.SaveOrder(context.Background(), ls.db, db.Snapshot{Revision: 1, TrackingToken: token, View: order.View{
		OrderID: id, Status: order.StatusCreated, CreatedAt: now, UpdatedAt: now,
		Customer: order.Customer{Name: "Ona Petraitė", Locale: "en", TimeZone: "Europe/Vilnius"},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// openStream opens a live stream and waits for its first event; the caller closes it.
func (ls *limitServer) openStream(t *testing.T, path string, h http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ls.url+path, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(raw)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event:") {
			return resp, ""
		}
	}
	resp.Body.Close()
	t.Fatalf("GET %s: the stream ended before its first event: %v", path, sc.Err())
	return nil, ""
}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// Finding 6, part 1: a 60 KB X-Request-ID was echoed back whole, and written on every log line.
func TestRequestIDFromTheCallerIsCappedAndSanitised(t *testing.T) {
	ls := newLimitServer(t, nil)
	huge := strings.Repeat("A", 60<<10)
	for name, id := range map[string]string{
		"60 KB":           huge,
		"65 bytes":        strings.Repeat("a", 65),
		"spaces":          "id with spaces",
		"non-ASCII":       "užsakymas-1",
		"quote and slash": `a"b/c`,
	} {
		resp, _ := ls.call(t, http.MethodGet, "/healthz", http.Header{echo.HeaderXRequestID: {id}}, nil)
		got := resp.Header.Get(echo.HeaderXRequestID)
		if got == id || !validRequestID(got) {
			t.Errorf("%s: response request id %.80q, want a fresh valid one", name, got)
		}
	}
	for _, id := range []string{"caller-chosen-id", "4bf92f3577b34da6a3ce929d0e0e4736", "req:1.2_3-4", strings.Repeat("z", 64)} {
		resp, _ := ls.call(t, http.MethodGet, "/v1/orders/none", http.Header{echo.HeaderXRequestID: {id}}, nil)
		if got := resp.Header.Get(echo.HeaderXRequestID); got != id {
			t.Errorf("request id %q answered %q, want it kept", id, got)
		}
		if !strings.Contains(ls.log.String(), "request_id="+id) {
			t.Errorf("request id %q not on the log line", id)
		}
	}
	if strings.Contains(ls.log.String(), huge[:1024]) {
		t.Error("the 60 KB request id reached the log")
	}
}

// Finding 6, part 2: /readyz told anyone the internal error text of a failing dependency.
func TestReadyzSaysOkOrNotWithoutInternals(t *testing.T) {
	ls := newLimitServer(t, nil)
	resp, body := ls.call(t, http.MethodGet, "/readyz", nil, nil)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok","checks":{"postgres":"ok","temporal":"ok"}}` {
		t.Fatalf("ready: %d %s", resp.StatusCode, body)
	}

	ls.temporal.Cut()
	time.Sleep(readyReuse)
	for range 3 {
		resp, body = ls.call(t, http.MethodGet, "/readyz", nil, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(body) != `{"status":"unavailable","checks":{"postgres":"ok","temporal":"unavailable"}}` {
			t.Fatalf("Temporal cut: %d %s, want 503 saying only which dependency is unavailable", resp.StatusCode, body)
		}
		time.Sleep(readyReuse)
	}
	log := ls.log.String()
	if n := strings.Count(log, `level=WARN msg="readiness: dependency unavailable" dependency=temporal err=`); n != 1 {
		t.Errorf("%d warnings with the error for 3 failed checks, want 1 (the change of state):\n%s", n, log)
	}
	if !strings.Contains(log, `level=DEBUG msg="readiness: dependency still unavailable" dependency=temporal err=`) {
		t.Error("repeated failures are not logged at debug with their error")
	}

	ls.temporal.Restore()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if resp, _ = ls.call(t, http.MethodGet, "/readyz", nil, nil); resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready again 20 s after Temporal was restored")
		}
	}
	if !strings.Contains(ls.log.String(), `msg="readiness: dependency available again" dependency=temporal`) {
		t.Error("the recovery is not logged")
	}
}

// Concurrent probes share one round of checks: a flood of /readyz costs the dependencies one
// ping a second.
func TestReadyzChecksAtMostOncePerSecond(t *testing.T) {
	ls := newLimitServer(t, map[string]string{"SHIPFLOW_RATE_LIMIT_READYZ": "off"})
	ls.temporal.Cut()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if resp, err := http.Get(ls.url + "/readyz"); err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(ls.log.String(), "dependency=temporal err="); n != 1 {
		t.Errorf("20 concurrent probes checked Temporal %d times, want 1", n)
	}
}

// Finding 6, part 3: /track/<token> paths, bearer secrets, were written to the request log.
func TestTrackingTokensNeverReachTheLog(t *testing.T) {
	ls := newLimitServer(t, nil)
	token := ls.trackedOrder(t, uniqueOrderID("limits-log"))

	if resp, body := ls.call(t, http.MethodGet, "/track/"+token, nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("tracking page: %d %s", resp.StatusCode, body)
	}
	stream, _ := ls.openStream(t, "/track/"+token+"/events", nil)
	stream.Body.Close()
	for _, p := range []string{"/track/" + token + "/nothing", "//track/" + token, "/TRACK/" + token} {
		ls.call(t, http.MethodGet, p, nil, nil)
	}
	ls.call(t, http.MethodPost, "/track/"+token, nil, strings.NewReader("x"))

	// The stream's log line is written when the server notices the client left.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(ls.log.String(), `route=/track/:token/events`); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no log line for the events stream")
		}
	}
	log := ls.log.String()
	if strings.Contains(log, token) {
		t.Errorf("the tracking token is in the log:\n%s", log)
	}
	for _, want := range []string{
		"route=/track/:token path=/track/[token] status=200",
		"route=/track/:token/events path=/track/[token]/events status=200",
		"path=/track/[token]/nothing status=404",
		"path=/TRACK/[token] status=404",
		"path=/track/[token] status=405",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestRateLimitsAnswer429WithRetryAfter(t *testing.T) {
	ls := newLimitServer(t, map[string]string{
		"SHIPFLOW_RATE_LIMIT_TRACK": "1:2", "SHIPFLOW_RATE_LIMIT_VOICE": "0.5:1", "SHIPFLOW_RATE_LIMIT_READYZ": "1:1",
	})
	tests := []struct {
		name, method, path string
		h                  http.Header
		allowed            int
	}{
		{"tracking page", http.MethodGet, "/track/AAAAAAAAAAAAAAAAAAAAAA", nil, 2},
		{"voice without a token", http.MethodPost, "/voice/tools", nil, 1},
		{"readyz", http.MethodGet, "/readyz", nil, 1},
	}
	for _, tt := range tests {
		for i := range tt.allowed {
			if resp, body := ls.call(t, tt.method, tt.path, tt.h, strings.NewReader("{}")); resp.StatusCode == http.StatusTooManyRequests {
				t.Errorf("%s: request %d refused within the burst: %s", tt.name, i+1, body)
			}
		}
		resp, body := ls.call(t, tt.method, tt.path, tt.h, strings.NewReader("{}"))
		if tt.name == "tracking page" { // people read it: the problem page, not the JSON
			if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "Too many requests") ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %s %s, want the 429 page", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		} else if resp.StatusCode != http.StatusTooManyRequests || errorCode(body) != codeRateLimited {
			t.Errorf("%s: %d %s, want 429 rate_limited", tt.name, resp.StatusCode, body)
		}
		if ra := resp.Header.Get("Retry-After"); ra != "1" && ra != "2" {
			t.Errorf("%s: Retry-After %q, want the seconds until the next request is allowed", tt.name, ra)
		}
	}
	// The unsubscribe link is a page people open too: its own budget, the same 429 page.
	for range 2 {
		ls.call(t, http.MethodGet, "/unsubscribe/x.y", nil, nil)
	}
	if resp, body := ls.call(t, http.MethodGet, "/unsubscribe/x.y", nil, nil); resp.StatusCode != http.StatusTooManyRequests ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "Too many requests") {
		t.Errorf("unsubscribe over its rate: %d %s %s, want the 429 page", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// The track stream shares the page's budget; the voice tools with a token share the
	// voice group's.
	if resp, _ := ls.call(t, http.MethodGet, "/track/AAAAAAAAAAAAAAAAAAAAAA/events", nil, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("events stream: %d, want 429: it counts with the page", resp.StatusCode)
	}
	if resp, _ := ls.call(t, http.MethodPost, "/voice/vapi", bearerHeader("voice"), strings.NewReader("{}")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("voice with a token: %d, want 429", resp.StatusCode)
	}
	// Other routes have no per-client limit.
	for range 5 {
		if resp, _ := ls.call(t, http.MethodGet, "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}
	}
}

func TestRateLimitClientIsTheConnectionUnlessBehindATrustedProxy(t *testing.T) {
	env := map[string]string{"SHIPFLOW_RATE_LIMIT_TRACK": "1:1"}
	xff := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	const path = "/track/AAAAAAAAAAAAAAAAAAAAAA"

	direct := newLimitServer(t, env)
	direct.call(t, http.MethodGet, path, xff("203.0.113.1"), nil)
	if resp, _ := direct.call(t, http.MethodGet, path, xff("203.0.113.2"), nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For made a fresh client: %d, want 429", resp.StatusCode)
	}

	env["SHIPFLOW_TRUSTED_PROXIES"] = "127.0.0.1/32"
	proxied := newLimitServer(t, env)
	for _, ip := range []string{"203.0.113.1", "203.0.113.2", "2001:db8:1:1::1"} {
		if resp, _ := proxied.call(t, http.MethodGet, path, xff(ip), nil); resp.StatusCode == http.StatusTooManyRequests {
			t.Errorf("client %s behind the trusted proxy refused on its first request", ip)
		}
	}
	for _, ip := range []string{"203.0.113.1", "2001:db8:1:1::2"} { // the same /64 is one client
		if resp, _ := proxied.call(t, http.MethodGet, path, xff("198.51.100.9, "+ip), nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("client %s behind the trusted proxy: %d on its second request, want 429", ip, resp.StatusCode)
		}
	}
}

func TestLiveStreamsAreCappedPerOrderAndPerProcess(t *testing.T) {
	ls := newLimitServer(t, map[string]string{"SHIPFLOW_STREAMS_PER_ORDER": "2", "SHIPFLOW_STREAMS_MAX": "3", "SHIPFLOW_RATE_LIMIT_TRACK": "off"})
	a, b := uniqueOrderID("limits-stream-a"), uniqueOrderID("limits-stream-b")
	tokenA, tokenB := ls.trackedOrder(t, a), ls.trackedOrder(t, b)
	admin := bearerHeader("admin")

	for _, kind := range []struct {
		name   string
		a, b   string
		header http.Header
	}{
		{streamOrderAPI, "/v1/orders/" + a + "/stream", "/v1/orders/" + b + "/stream", admin},
		{streamTrackingPage, "/track/" + tokenA + "/events", "/track/" + tokenB + "/events", nil},
	} {
		t.Run(kind.name, func(t *testing.T) {
			var open []*http.Response
			defer func() {
				for _, r := range open {
					r.Body.Close()
				}
			}()
			take := func(path string, want int, wantMsg string) {
				t.Helper()
				resp, body := ls.openStream(t, path, kind.header)
				if resp.StatusCode != want {
					t.Fatalf("stream %d of the test: %d %s, want %d", len(open)+1, resp.StatusCode, body, want)
				}
				if want == http.StatusOK {
					open = append(open, resp)
					return
				}
				if errorCode(body) != codeTooManyStreams || !strings.Contains(body, wantMsg) || resp.Header.Get("Retry-After") == "" {
					t.Errorf("refused stream: %s (Retry-After %q), want too_many_streams saying %q, with Retry-After", body, resp.Header.Get("Retry-After"), wantMsg)
				}
			}
			take(kind.a, http.StatusOK, "")
			take(kind.a, http.StatusOK, "")
			take(kind.a, http.StatusTooManyRequests, "order")
			take(kind.b, http.StatusOK, "")
			take(kind.b, http.StatusTooManyRequests, "") // the process's 3 are taken

			// A client that goes away gives its slot back.
			open[0].Body.Close()
			open = open[1:]
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				resp, _ := ls.openStream(t, kind.b, kind.header)
				if resp.StatusCode == http.StatusOK {
					open = append(open, resp)
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the slot of a closed stream was not given back within 5 s")
				}
			}
			for _, r := range open {
				r.Body.Close()
			}
			open = nil
			want := `shipflow_live_streams{kind="` + kind.name + `"} 0`
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				_, metrics := ls.call(t, http.MethodGet, "/metrics", nil, nil)
				if strings.Contains(metrics, want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("metrics lack %s after every stream closed", want)
				}
			}
		})
	}
}

func TestBodyCapsPerRoute(t *testing.T) {
	ls := newLimitServer(t, map[string]string{"SHIPFLOW_RATE_LIMIT_VOICE": "off", "SHIPFLOW_RATE_LIMIT_TRACK": "off"})
	pad := func(n int) string { return `{"pad":"` + strings.Repeat("x", n-10) + `"}` }
	tests := []struct {
		name, method, path string
		h                  http.Header
		size               int
		chunked            bool
		tooLarge           bool
		msg                string
	}{
		{"probe with a body", http.MethodGet, "/healthz", nil, 5 << 10, false, true, "4 KiB"},
		{"probe with a small body", http.MethodGet, "/healthz", nil, 1 << 10, false, false, ""},
		{"tracking page with a body", http.MethodGet, "/track/AAAAAAAAAAAAAAAAAAAAAA", nil, 5 << 10, false, true, "4 KiB"},
		{"unrouted", http.MethodPost, "/nowhere", nil, 5 << 10, false, true, "4 KiB"},
		{"voice over 64 KiB", http.MethodPost, "/voice/tools", bearerHeader("voice"), 64<<10 + 1, false, true, "64 KiB"},
		{"voice over 64 KiB, chunked", http.MethodPost, "/voice/tools", bearerHeader("voice"), 64<<10 + 1, true, true, ""},
		{"voice under 64 KiB", http.MethodPost, "/voice/tools", bearerHeader("voice"), 60 << 10, false, false, ""},
		{"admin over 256 KiB", http.MethodPost, "/v1/webhook-endpoints", bearerHeader("admin"), 256<<10 + 1, false, true, "256 KiB"},
		{"admin over 256 KiB, chunked", http.MethodPost, "/v1/webhook-endpoints", bearerHeader("admin"), 256<<10 + 1, true, true, "256 KiB"},
		{"admin under 256 KiB, chunked", http.MethodPost, "/v1/webhook-endpoints", bearerHeader("admin"), 200 << 10, true, false, ""},
		{"webhook over 1 MiB", http.MethodPost, "/webhooks/commerce", nil, 1<<20 + 1, false, true, "1 MiB"},
		{"webhook over 1 MiB, chunked", http.MethodPost, "/webhooks/commerce", nil, 1<<20 + 1, true, true, "1 MiB"},
		{"webhook under 1 MiB", http.MethodPost, "/webhooks/commerce", nil, 1<<20 - 100, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(pad(tt.size))
			if tt.chunked {
				body = io.MultiReader(body) // no length known up front: sent chunked
			}
			h := http.Header{"Content-Type": {"application/json"}}
			for k, v := range tt.h {
				h[k] = v
			}
			resp, got := ls.call(t, tt.method, tt.path, h, body)
			if tt.tooLarge != (resp.StatusCode == http.StatusRequestEntityTooLarge) {
				t.Fatalf("%d %.200s, want 413: %v", resp.StatusCode, got, tt.tooLarge)
			}
			if tt.tooLarge && (errorCode(got) != codeTooLarge || !strings.Contains(got, tt.msg)) {
				t.Errorf("413 body %s, want payload_too_large naming %q", got, tt.msg)
			}
		})
	}
}

// A made-up method is neither a metric series of its own nor kilobytes on a log line.
func TestMadeUpMethodsAreNotMetricSeries(t *testing.T) {
	ls := newLimitServer(t, nil)
	long := strings.Repeat("M", 10<<10)
	for _, m := range []string{"BREW", long} {
		ls.call(t, m, "/healthz", nil, nil)
	}
	_, metrics := ls.call(t, http.MethodGet, "/metrics", nil, nil)
	if strings.Contains(metrics, "BREW") || strings.Contains(metrics, long[:100]) {
		t.Error("a made-up method became a metric label")
	}
	if !strings.Contains(metrics, `method="other"`) {
		t.Error("made-up methods are not counted as other")
	}
	if strings.Contains(ls.log.String(), long[:100]) {
		t.Error("a 10 KB method reached the log")
	}
}

func uniqueOrderID(prefix string) string {
	return prefix + "-" + time.Now().Format("150405.000000000")
}

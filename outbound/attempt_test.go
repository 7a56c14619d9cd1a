package outbound

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipflow/shipflow/egress"
)

// The Standard Webhooks test vector from docs/reference/outbound-webhooks.md.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// rotated is a second secret, for rotation.
const rotated = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="

var vecTime = time.Unix(vecTS, 0)

// client is an egress client that may reach the httptest receivers.
func client(timeout time.Duration) *http.Client {
	return egress.NewClient(egress.Policy{
		Allowed:   []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		AllowHTTP: true,
		Timeout:   timeout,
	})
}

// received is what a receiver saw of one request.
type received struct {
	method string
	header http.Header
	body   []byte
}

// receiver starts a server on 127.0.0.1 that records every request and
// answers with h.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, func() []received) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []received
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.Header.Clone(), b})
		mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

// verify checks webhook-signature independently of package signature: it
// returns the v1 signatures in order and whether each is the HMAC-SHA256,
// keyed with the matching secret's base64-decoded key, of "<id>.<ts>.<body>".
func verify(t *testing.T, h http.Header, body []byte, secrets ...string) []string {
	t.Helper()
	sigs := strings.Fields(h.Get("webhook-signature"))
	if len(sigs) != len(secrets) {
		t.Fatalf("webhook-signature %q has %d signatures, want %d", h.Get("webhook-signature"), len(sigs), len(secrets))
	}
	for i, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			t.Fatalf("secret %d: %v", i, err)
		}
		m := hmac.New(sha256.New, key)
		io.WriteString(m, h.Get("webhook-id")+"."+h.Get("webhook-timestamp")+".")
		m.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		if sigs[i] != want {
			t.Errorf("signature %d = %q, want %q", i, sigs[i], want)
		}
	}
	return sigs
}

func TestAttemptSignsTestVector(t *testing.T) {
	srv, got := receiver(t, status(http.StatusOK))
	r := Attempt(context.Background(), client(0), srv.URL, nil, []string{vecSecret}, vecID, []byte(vecBody), vecTime)
	if r.Outcome != Delivered || r.Status != 200 || r.Err != "" {
		t.Fatalf("Attempt = %+v, want delivered 200", r)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(reqs))
	}
	q := reqs[0]
	if q.method != http.MethodPost || string(q.body) != vecBody {
		t.Errorf("request %s %q, want POST %q", q.method, q.body, vecBody)
	}
	for name, want := range map[string]string{
		"webhook-id":        vecID,
		"webhook-timestamp": strconv.Itoa(vecTS),
		"webhook-signature": vecSig,
		"content-type":      "application/json",
		"user-agent":        "shipflow-webhooks/1",
	} {
		if v := q.header.Get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	verify(t, q.header, q.body, vecSecret)
}

func TestAttemptRotationAndStableID(t *testing.T) {
	srv, got := receiver(t, status(http.StatusInternalServerError))
	body := []byte(`{"type":"order.shipped"}`)
	secrets := []string{vecSecret, rotated}
	t0 := time.Now()
	for _, now := range []time.Time{t0, t0.Add(5 * time.Second)} {
		if r := Attempt(context.Background(), client(0), srv.URL, nil, secrets, "evt_1", body, now); r.Outcome != Retry {
			t.Fatalf("Attempt = %+v, want retry", r)
		}
	}
	reqs := got()
	if len(reqs) != 2 {
		t.Fatalf("receiver saw %d requests, want 2", len(reqs))
	}
	for i, q := range reqs {
		if id := q.header.Get("webhook-id"); id != "evt_1" {
			t.Errorf("attempt %d: webhook-id = %q, want evt_1", i+1, id)
		}
		sigs := verify(t, q.header, q.body, secrets...)
		if sigs[0] == sigs[1] {
			t.Errorf("attempt %d: both signatures are %q", i+1, sigs[0])
		}
	}
	ts0, ts1 := reqs[0].header.Get("webhook-timestamp"), reqs[1].header.Get("webhook-timestamp")
	if want := strconv.FormatInt(t0.Add(5*time.Second).Unix(), 10); ts1 != want || ts0 == ts1 {
		t.Errorf("timestamps %s, %s: want the second to be %s, each attempt's own", ts0, ts1, want)
	}
}

func TestAttemptOutcomes(t *testing.T) {
	tests := []struct {
		code int
		want Outcome
	}{
		{200, Delivered},
		{201, Delivered},
		{204, Delivered},
		{400, Retry},
		{401, Retry},
		{404, Retry},
		{408, Retry},
		{410, Gone},
		{429, Retry},
		{500, Retry},
		{502, Retry},
		{503, Retry},
	}
	for _, tt := range tests {
		srv, _ := receiver(t, status(tt.code))
		r := Attempt(context.Background(), client(0), srv.URL, nil, []string{vecSecret}, "evt_1", []byte(`{}`), time.Now())
		if r.Status != tt.code || r.Outcome != tt.want || r.Err != "" || r.RetryAfter != 0 {
			t.Errorf("answer %d: Attempt = %+v, want status %d, %v, no error, no Retry-After", tt.code, r, tt.code, tt.want)
		}
		if r.Latency <= 0 {
			t.Errorf("answer %d: latency %v, want > 0", tt.code, r.Latency)
		}
	}
}

func TestAttemptRetryAfter(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		code     int
		header   string
		min, max time.Duration
	}{
		{429, "120", 120 * time.Second, 120 * time.Second},
		{503, "7", 7 * time.Second, 7 * time.Second},
		// An HTTP date is relative to when the answer arrived, which is a
		// few milliseconds after now.
		{429, now.Add(3 * time.Minute).UTC().Format(http.TimeFormat), 3*time.Minute - time.Second, 3 * time.Minute},
		{503, now.Add(time.Hour).UTC().Format(http.TimeFormat), time.Hour - time.Second, time.Hour},
		{429, now.Add(-time.Minute).UTC().Format(http.TimeFormat), 0, 0}, // past
		{429, "-5", 0, 0},
		{429, "+5", 0, 0},
		{429, " 7 ", 7 * time.Second, 7 * time.Second},
		// Ten years, past int64 nanoseconds, the year 9999: capped (egress.RetryAfter).
		{503, "315360000", egress.MaxRetryAfter, egress.MaxRetryAfter},
		{503, "99999999999999999999999", egress.MaxRetryAfter, egress.MaxRetryAfter},
		{503, "Fri, 31 Dec 9999 23:59:59 GMT", egress.MaxRetryAfter, egress.MaxRetryAfter},
		{429, "soon", 0, 0},
		{429, "", 0, 0},
		{500, "120", 0, 0}, // only 429 and 503 carry it
		{301, "120", 0, 0},
	}
	for _, tt := range tests {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", tt.header)
			w.WriteHeader(tt.code)
		})
		r := Attempt(context.Background(), client(0), srv.URL, nil, []string{vecSecret}, "evt_1", nil, now)
		if r.Outcome != Retry || r.RetryAfter < tt.min || r.RetryAfter > tt.max {
			t.Errorf("%d with Retry-After %q: %v, RetryAfter %v, want retry and [%v, %v]", tt.code, tt.header, r.Outcome, r.RetryAfter, tt.min, tt.max)
		}
	}
}

func TestAttemptDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	for _, code := range []int{301, 302, 307, 308} {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", code)
		})
		r := Attempt(context.Background(), client(0), srv.URL, nil, []string{vecSecret}, "evt_1", []byte(`{}`), time.Now())
		if r.Outcome != Retry || r.Status != code || !strings.Contains(r.Err, "redirect") || !strings.Contains(r.Err, "/elsewhere") {
			t.Errorf("%d: Attempt = %+v, want retry with a redirect error naming the target", code, r)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("redirect target saw %d requests, want 0", n)
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	// A deadline on ctx, and the client's own timeout, both end the attempt.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for name, r := range map[string]Result{
		"ctx":    Attempt(ctx, client(0), srv.URL, nil, []string{vecSecret}, "evt_1", nil, time.Now()),
		"client": Attempt(context.Background(), client(100*time.Millisecond), srv.URL, nil, []string{vecSecret}, "evt_1", nil, time.Now()),
	} {
		if r.Outcome != Retry || r.Status != 0 || !strings.HasPrefix(r.Err, "timeout: ") {
			t.Errorf("%s deadline: Attempt = %+v, want retry, no status, a timeout error", name, r)
		}
		if r.Latency < 100*time.Millisecond || r.Latency > 5*time.Second {
			t.Errorf("%s deadline: latency %v, want about 100ms", name, r.Latency)
		}
	}
}

func TestAttemptCapturesBody(t *testing.T) {
	tests := []struct {
		name, answer, want string
	}{
		{"short", `{"error":"nope"}`, `{"error":"nope"}`},
		{"long", strings.Repeat("x", 10000), strings.Repeat("x", MaxBody)},
		{"exact", strings.Repeat("y", MaxBody), strings.Repeat("y", MaxBody)},
		// "é" is two bytes; the cut at 4096 would split it.
		{"split rune", strings.Repeat("a", MaxBody-1) + "ébc", strings.Repeat("a", MaxBody-1)},
		{"invalid utf-8", "ok\xff", "ok\uFFFD"},
	}
	for _, tt := range tests {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, tt.answer)
		})
		r := Attempt(context.Background(), client(0), srv.URL, nil, []string{vecSecret}, "evt_1", nil, time.Now())
		if r.Body != tt.want || r.Outcome != Retry {
			t.Errorf("%s: body %d bytes %.20q..., outcome %v; want %d bytes, retry", tt.name, len(r.Body), r.Body, r.Outcome, len(tt.want))
		}
	}
}

func TestAttemptFailsWithoutRetry(t *testing.T) {
	srv, got := receiver(t, status(http.StatusOK))
	tests := []struct {
		name    string
		c       *http.Client
		url     string
		secrets []string
		err     string
	}{
		{"loopback not allowed", egress.NewClient(egress.Policy{}), srv.URL, []string{vecSecret}, "forbidden address"},
		{"bad secret", client(0), srv.URL, []string{vecSecret, "whsec_!!"}, "signing"},
		{"no secret", client(0), srv.URL, nil, "signing"},
		{"bad url", client(0), "http://[::1", []string{vecSecret}, "building request"},
		{"nil client", nil, srv.URL, []string{vecSecret}, "no HTTP client"},
	}
	for _, tt := range tests {
		r := Attempt(context.Background(), tt.c, tt.url, nil, tt.secrets, "evt_1", nil, time.Now())
		if r.Outcome != Failed || r.Status != 0 || !strings.Contains(r.Err, tt.err) {
			t.Errorf("%s: Attempt = %+v, want failed with %q", tt.name, r, tt.err)
		}
	}
	if n := len(got()); n != 0 {
		t.Errorf("receiver saw %d requests, want 0", n)
	}
}

func TestAttemptNetworkErrorRetries(t *testing.T) {
	srv := httptest.NewServer(status(http.StatusOK))
	url := srv.URL
	srv.Close() // nothing listens there any more
	r := Attempt(context.Background(), client(0), url, nil, []string{vecSecret}, "evt_1", nil, time.Now())
	if r.Outcome != Retry || r.Status != 0 || r.Err == "" {
		t.Errorf("Attempt to a closed port = %+v, want retry with an error", r)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{0: "Outcome(0)", Delivered: "delivered", Retry: "retry", Gone: "gone", Failed: "failed"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

// hostile serves one raw HTTP/1.1 answer per connection, exactly as written, so a test can send
// what net/http's server would clean up.
func hostile(t *testing.T, answer func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				_, _ = c.Read(buf) // the request; its body is small
				answer(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/hook"
}

// A receiver's answer is stored whatever its bytes: NUL, escape sequences and invalid UTF-8 in
// the body become U+FFFD, and a 200 stays a delivery.
func TestAttemptKeepsHostileBodyReadable(t *testing.T) {
	url := hostile(t, func(c net.Conn) {
		body := "{\"ok\":true}\x00\x00\x1b[31m\xff\xfe end"
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	})
	r := Attempt(context.Background(), client(0), url, nil, []string{vecSecret}, "evt_1", []byte(`{}`), time.Now())
	if r.Outcome != Delivered || r.Status != 200 || r.Body != "{\"ok\":true}\uFFFD[31m\uFFFD end" {
		t.Errorf("Attempt = %+v, want delivered with the body made readable", r)
	}
}

// A body of a gigabyte is not read past MaxBody: the attempt ends as soon as it has its 4 KiB,
// and the receiver can write little more than its socket buffers hold.
func TestAttemptReadsNoMoreThanItKeeps(t *testing.T) {
	var written atomic.Int64
	done := make(chan struct{})
	url := hostile(t, func(c net.Conn) {
		defer close(done)
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 1073741824\r\n\r\n")
		chunk := []byte(strings.Repeat("z", 32<<10))
		for written.Load() < 1<<30 {
			_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			n, err := c.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	start := time.Now()
	r := Attempt(context.Background(), client(0), url, nil, []string{vecSecret}, "evt_1", nil, time.Now())
	if r.Outcome != Retry || len(r.Body) != MaxBody || time.Since(start) > 2*time.Second {
		t.Errorf("Attempt = %v with %d bytes after %s", r.Outcome, len(r.Body), time.Since(start))
	}
	<-done
	if n := written.Load(); n > 32<<20 {
		t.Errorf("the receiver wrote %d MiB before the connection closed", n>>20)
	}
}

// A body that trickles ends with the attempt's deadline; the status, in time, decides.
func TestAttemptSlowBodyEndsAtTheDeadline(t *testing.T) {
	url := hostile(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
		for i := 0; i < 100; i++ {
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	r := Attempt(context.Background(), client(300*time.Millisecond), url, nil, []string{vecSecret}, "evt_1", nil, time.Now())
	if r.Outcome != Delivered || !strings.Contains(r.Err, "reading answer body") || r.Latency > 2*time.Second {
		t.Errorf("Attempt = %+v, want delivered, a read error, ended near 300ms", r)
	}
}

// What the receiver puts in its headers reaches Result.Err capped: a redirect's 60 KB Location,
// and the malformed header line net/http quotes in its error.
func TestAttemptErrorsQuotingTheReceiverAreCapped(t *testing.T) {
	for name, header := range map[string]string{
		"long location":    "Location: https://evil.example/" + strings.Repeat("a", 60000),
		"control in value": "Location: https://evil.example/" + strings.Repeat("\x01a", 20000),
	} {
		url := hostile(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 302 Found\r\n"+header+"\r\nContent-Length: 0\r\n\r\n")
		})
		r := Attempt(context.Background(), client(0), url, nil, []string{vecSecret}, "evt_1", nil, time.Now())
		if r.Outcome != Retry || len(r.Err) > 1<<10 || strings.ContainsRune(r.Err, 1) {
			t.Errorf("%s: Attempt = %v, error of %d bytes %.80q", name, r.Outcome, len(r.Err), r.Err)
		}
	}
}

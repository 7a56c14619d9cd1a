package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/signature"
)

const listenSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// syncBuffer is a bytes.Buffer the listener's handlers may write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startListener runs `shipflow webhooks listen` in-process on a free port and returns its URL
// and what it writes to stdout and stderr.
func startListener(t *testing.T) (url string, stdout, stderr *syncBuffer) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	e := env{getenv: func(k string) string {
		return map[string]string{"SHIPFLOW_LISTEN_SECRET": listenSecret}[k]
	}, stdout: stdout, stderr: stderr}
	addr := freeAddr(t)
	start(t, e, "webhooks", "listen", "-addr", addr)
	url = "http://" + addr + "/"
	waitFor(t, url, http.StatusMethodNotAllowed, 5*time.Second)
	return url, stdout, stderr
}

// postEvent sends body with the given headers and returns the status and the answer's body.
func postEvent(t *testing.T, url string, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

var listenEvent = []byte(`{"type":"order.shipped","timestamp":"2025-01-01T12:00:00Z",` +
	`"metadata":{"event_id":"evt_listen_1","order_id":"ord_1042","sequence":4,"attempt":1},` +
	`"data":{"status":"shipped"}}`)

func signedHeaders(t *testing.T, secret string, ts time.Time, body []byte) http.Header {
	t.Helper()
	h, err := signature.Headers([]string{secret}, "evt_listen_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestWebhooksListenPrintsVerifiedEvent(t *testing.T) {
	url, stdout, stderr := startListener(t)
	status, answer := postEvent(t, url, signedHeaders(t, listenSecret, time.Now(), listenEvent), listenEvent)
	if status != http.StatusNoContent {
		t.Fatalf("signed event: got %d %q, want 204; stderr:\n%s", status, answer, stderr)
	}
	out := stdout.String()
	for _, want := range []string{"evt_listen_1", "order.shipped", "ord_1042", "sequence:   4", `"status": "shipped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestWebhooksListenRejectsBadSignature(t *testing.T) {
	url, stdout, stderr := startListener(t)
	other := "whsec_" + "c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=" // "secret-of-another-endpoint"
	status, answer := postEvent(t, url, signedHeaders(t, other, time.Now(), listenEvent), listenEvent)
	if status != http.StatusUnauthorized || !strings.Contains(answer, "bad signature") {
		t.Errorf("wrong secret: got %d %q, want 401 bad signature", status, answer)
	}
	status, answer = postEvent(t, url, http.Header{}, listenEvent)
	if status != http.StatusUnauthorized || !strings.Contains(answer, "missing") {
		t.Errorf("no headers: got %d %q, want 401 missing", status, answer)
	}
	if !strings.Contains(stderr.String(), "bad signature") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	if stdout.String() != "" {
		t.Errorf("a rejected event was printed as an event:\n%s", stdout)
	}
}

func TestWebhooksListenRejectsStaleTimestamp(t *testing.T) {
	url, _, stderr := startListener(t)
	stale := time.Now().Add(-10 * time.Minute)
	status, answer := postEvent(t, url, signedHeaders(t, listenSecret, stale, listenEvent), listenEvent)
	if status != http.StatusUnauthorized || !strings.Contains(answer, "stale") {
		t.Errorf("stale timestamp: got %d %q, want 401 stale", status, answer)
	}
	if !strings.Contains(stderr.String(), "stale") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
}

func TestWebhooksListenNeedsSecret(t *testing.T) {
	e := testEnv(t, nil)
	if err := run(t.Context(), []string{"webhooks", "listen", "-addr", "127.0.0.1:0"}, e); err == nil ||
		!strings.Contains(err.Error(), "secret is required") {
		t.Errorf("no secret: got %v, want a secret-required error", err)
	}
	if err := run(t.Context(), []string{"webhooks"}, e); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no subcommand: got %v, want a usage error", err)
	}
}

// docVectorTest checks the doc's verifyWebhook against the Standard Webhooks test vector from
// docs/reference/outbound-webhooks.md, and that it refuses a changed body and a stale timestamp.
const docVectorTest = `package main

import (
	"net/http"
	"testing"
	"time"
)

func TestVector(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v0,bm90LWEtdjE= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	secret, body, now := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", []byte(` + "`" + `{"test": 2432232314}` + "`" + `), time.Unix(1614265330, 0)
	if err := verifyWebhook(secret, h, body, now); err != nil {
		t.Errorf("test vector refused: %v", err)
	}
	if err := verifyWebhook(secret, h, []byte(` + "`" + `{"test": 2432232315}` + "`" + `), now); err == nil {
		t.Error("changed body accepted")
	}
	if err := verifyWebhook(secret, h, body, now.Add(6*time.Minute)); err == nil {
		t.Error("stale timestamp accepted")
	}
}
`

// TestWebhooksDocExampleCompiles builds the receiver in docs/receiving-webhooks.md as its own
// module and runs its verifyWebhook against the Standard Webhooks test vector of docs/reference/outbound-webhooks.md, so the example subscribers
// copy can neither stop compiling nor drift from what shipflow signs.
func TestWebhooksDocExampleCompiles(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the doc's example: %v", err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "receiving-webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) != 1 {
		t.Fatalf("docs/receiving-webhooks.md has %d go code blocks, want 1", len(blocks))
	}
	// The README shows verifyWebhook alone; it must be the function tested here.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	verify := regexp.MustCompile("(?s)// verifyWebhook checks.*?\n}\n").Find(blocks[0][1])
	if verify == nil || !bytes.Contains(readme, verify) {
		t.Error("README.md's verifyWebhook is not the one in docs/receiving-webhooks.md")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":       "module example.com/receiver\n\ngo 1.22\n",
		"main.go":      string(blocks[0][1]),
		"main_test.go": docVectorTest,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		// The example must stand alone: no workspace, no toolchain download, no modules.
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s on the doc's example: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

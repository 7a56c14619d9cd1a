package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/shipflow/shipflow/signature"
)

// maxWebhookBody bounds what the listener reads of one request. shipflow's events are a few KiB;
// the bound only keeps a stray client from filling a developer's memory.
const maxWebhookBody = 1 << 20

// runWebhooks holds developer tools for subscribers of shipflow's outbound webhooks.
func runWebhooks(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "listen" {
		return webhooksListen(ctx, args[1:], e)
	}
	return errors.New("usage: shipflow webhooks listen [-addr host:port] [-secret whsec_...]")
}

// webhooksListen runs a local receiver that verifies and prints shipflow's webhooks, so a
// developer can point an endpoint at it and see exactly what their own receiver will get.
func webhooksListen(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("webhooks listen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:9999", "address to listen on")
	secret := fs.String("secret", e.getenv("SHIPFLOW_LISTEN_SECRET"),
		"the endpoint's signing secret, whsec_... (default $SHIPFLOW_LISTEN_SECRET)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("webhooks listen: unexpected arguments %q", fs.Args())
	}
	if *secret == "" {
		return errors.New("webhooks listen: a secret is required (-secret or SHIPFLOW_LISTEN_SECRET)")
	}
	// Check the secret now rather than answer every request with 401 because of a typo.
	if _, err := signature.Sign(*secret, "check", time.Now(), nil); err != nil {
		return fmt.Errorf("webhooks listen: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("webhooks listen: %w", err)
	}
	l := &webhookListener{secrets: []string{*secret}, e: e, now: time.Now}
	srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, "listening for shipflow webhooks on http://%s (Ctrl-C to stop)\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("webhooks listen: %w", err)
	case <-ctx.Done():
	}
	// Let a delivery being printed finish, so its block is not cut off mid-way.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("webhooks listen: shutting down: %w", err)
	}
	return nil
}

// webhookListener verifies and prints each webhook it receives.
type webhookListener struct {
	secrets []string
	e       env
	now     func() time.Time

	// mu keeps concurrent deliveries from interleaving their blocks of output.
	mu sync.Mutex
}

func (l *webhookListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "shipflow sends webhooks with POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		l.reject(w, r, http.StatusBadRequest, fmt.Sprintf("reading body: %v", err))
		return
	}
	msgID, err := signature.VerifyStandard(l.secrets, r.Header, body, l.now())
	if err != nil {
		l.reject(w, r, http.StatusUnauthorized, rejectReason(err))
		return
	}
	l.print(msgID, body)
	w.WriteHeader(http.StatusNoContent)
}

// rejectReason names why a request failed verification in words a developer can act on,
// followed by the detail from package signature.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, signature.ErrTimestamp):
		return "stale or missing timestamp (" + err.Error() + ")"
	case errors.Is(err, signature.ErrMissing):
		return "missing signature (" + err.Error() + ")"
	case errors.Is(err, signature.ErrMismatch):
		return "bad signature: wrong secret or body changed in transit (" + err.Error() + ")"
	}
	return err.Error()
}

// reject answers with one line saying why, and prints it too, because the sender's delivery log
// is not where a developer is looking.
func (l *webhookListener) reject(w http.ResponseWriter, r *http.Request, status int, reason string) {
	l.mu.Lock()
	fmt.Fprintf(l.e.stderr, "%s rejected %s %s from %s: %d %s\n",
		l.now().Format(time.RFC3339), r.Method, r.URL.Path, r.RemoteAddr, status, reason)
	l.mu.Unlock()
	http.Error(w, reason, status)
}

// webhookEnvelope is the part of an event body the listener summarises (docs/reference/outbound-webhooks.md).
type webhookEnvelope struct {
	Type     string `json:"type"`
	Metadata struct {
		OrderID  string `json:"order_id"`
		Sequence *int64 `json:"sequence"`
		Attempt  *int64 `json:"attempt"`
	} `json:"metadata"`
}

// print writes one block per event: a summary line, then the body, indented when it is JSON
// and as received otherwise, so even a malformed event is shown rather than hidden.
func (l *webhookListener) print(msgID string, body []byte) {
	var ev webhookEnvelope
	_ = json.Unmarshal(body, &ev) // a body that is not an event still gets printed below
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(body)
	}
	seq, attempt := "-", "-"
	if ev.Metadata.Sequence != nil {
		seq = fmt.Sprint(*ev.Metadata.Sequence)
	}
	if ev.Metadata.Attempt != nil {
		attempt = fmt.Sprint(*ev.Metadata.Attempt)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.e.stdout, "--- %s\n", l.now().Format(time.RFC3339))
	fmt.Fprintf(l.e.stdout, "webhook-id: %s\ntype:       %s\norder:      %s\nsequence:   %s (attempt %s)\n",
		msgID, orDash(ev.Type), orDash(ev.Metadata.OrderID), seq, attempt)
	fmt.Fprintf(l.e.stdout, "%s\n\n", bytes.TrimRight(pretty.Bytes(), "\n"))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

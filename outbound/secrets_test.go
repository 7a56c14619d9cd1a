package outbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/signature"
)

// received is one request a receiver got, as it got it.
type received struct {
	header http.Header
	body   []byte
}

// keepingReceiver is a subscriber's endpoint on 127.0.0.1 that keeps what it is sent.
func keepingReceiver(t *testing.T) (*httptest.Server, chan received) {
	got := make(chan received, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{header: r.Header.Clone(), body: body}
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// storedSecrets are an endpoint's secret columns as Postgres holds them.
type storedSecrets struct {
	secret, previous, url, urlSealed, headers string
}

func readStored(t *testing.T, ex *pgxpool.Pool, id string) storedSecrets {
	t.Helper()
	var s storedSecrets
	if err := ex.QueryRow(t.Context(), `SELECT secret, previous_secret, url, COALESCE(url_sealed, ''), headers::text
		FROM webhook_endpoints WHERE id = $1`, id).Scan(&s.secret, &s.previous, &s.url, &s.urlSealed, &s.headers); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSecretsAtRest: what a subscriber gives us to reach them (the signing secret, the
// previous one after a rotation, its headers' values, a feed's URL) is sealed in Postgres; a
// delivery still verifies at the receiver with the secret the API showed once; after a new
// key is put first and the reseal pass runs, every value is sealed with it and still works;
// a value copied into another column does not open; and values stored in clear before
// (an older replica's) work until the pass seals them.
func TestSecretsAtRest(t *testing.T) {
	pool := testenv.DB(t)
	codec := testenv.SecretCodec(t)
	loopback := egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true}
	api := &outbound.API{DB: pool, Policy: loopback, Secrets: codec}
	srv, got := keepingReceiver(t)
	const token = "Bearer gateway-token-0123456789"

	str := func(s string) *string { return &s }
	ctx := access.WithActor(t.Context(), access.System("test"))
	e, err := api.Create(ctx, outbound.EndpointInput{URL: str(srv.URL + "/hook"), EventTypes: &[]string{"order.shipped"},
		Headers: map[string]*string{"Authorization": str(token)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, e.ID) })
	secret := e.Secret
	if !strings.HasPrefix(secret, "whsec_") || e.Headers["Authorization"] != token {
		t.Fatalf("created with secret %q, headers %v: want them whole, shown once", secret, e.Headers)
	}
	feed, err := api.Create(ctx, outbound.EndpointInput{Kind: str("slack"), URL: str("https://hooks.slack.com/services/T000/B000/feedsecret123")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, feed.ID) })

	q := pool
	st := readStored(t, q, e.ID)
	for name, v := range map[string]string{"secret": st.secret, "headers": st.headers} {
		if strings.Contains(v, secret) || strings.Contains(v, secret[len("whsec_"):]) || strings.Contains(v, "gateway-token") || !strings.Contains(v, "sf1:test:") {
			t.Errorf("%s stored as %s: want it sealed", name, v)
		}
	}
	fs := readStored(t, q, feed.ID)
	if strings.Contains(fs.url+fs.urlSealed, "feedsecret123") || fs.url != "https://hooks.slack.com/services/****" || !strings.HasPrefix(fs.urlSealed, "sf1:test:") {
		t.Errorf("feed URL stored as %q and %q: want its mask and the whole sealed", fs.url, fs.urlSealed)
	}

	// A delivery verifies at the receiver with the secret shown at creation.
	sender := &outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: codec}
	deliver := func(s *outbound.Sender, verify []string) outbound.Result {
		t.Helper()
		ep, err := outbound.GetEndpoint(t.Context(), pool, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := outbound.Event{ID: "evt_sealed", OrderID: "ord-1", Seq: 1, Type: "order.shipped", Data: json.RawMessage(`{}`), CreatedAt: time.Now()}
		res, _ := outbound.SendOnce(t.Context(), s, outbound.Outgoing{Endpoint: ep, Event: ev}, 1)
		if res.Outcome != outbound.Delivered {
			return res
		}
		r := <-got
		if _, err := signature.VerifyStandard(verify, r.header, r.body, time.Now()); err != nil {
			t.Errorf("the receiver cannot verify the delivery: %v", err)
		}
		if r.header.Get("Authorization") != token {
			t.Errorf("the receiver got Authorization %q", r.header.Get("Authorization"))
		}
		return res
	}
	if res := deliver(sender, []string{secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt: %+v", res)
	}

	// A rotation shows the new secret once; the old one, moved to previous_secret, is sealed
	// there under that column's label and still signs.
	rot, err := api.Rotate(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	st = readStored(t, q, e.ID)
	if strings.Contains(st.secret+st.previous, rot.Secret) || strings.Contains(st.previous, secret) || !strings.HasPrefix(st.previous, "sf1:test:") {
		t.Errorf("after a rotation: secret %q previous %q, want both sealed", st.secret, st.previous)
	}
	if res := deliver(sender, []string{secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt after the rotation (old secret): %+v", res)
	}
	if res := deliver(sender, []string{rot.Secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt after the rotation (new secret): %+v", res)
	}

	// Rotating the keys: a new key first, the old one kept, the pass reseals everything.
	k2, _ := payload.NewKey("k2", bytes.Repeat([]byte{2}, payload.KeySize))
	k1, _ := payload.NewKey("test", bytes.Repeat([]byte{7}, payload.KeySize)) // testenv.SecretCodec's
	rotated, err := payload.NewCodec(payload.Keys{k2, k1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.Reseal(t.Context(), pool, rotated); err != nil {
		t.Fatal(err)
	}
	st, fs = readStored(t, q, e.ID), readStored(t, q, feed.ID)
	for name, v := range map[string]string{"secret": st.secret, "previous": st.previous, "feed url": fs.urlSealed} {
		if !strings.HasPrefix(v, "sf1:k2:") {
			t.Errorf("%s after the reseal: %q, want it sealed with k2", name, v)
		}
	}
	if strings.Contains(st.headers, "sf1:test:") || !strings.Contains(st.headers, "sf1:k2:") {
		t.Errorf("headers after the reseal: %s", st.headers)
	}
	onlyNew, _ := payload.NewCodec(payload.Keys{k2}) // the old key dropped
	if res := deliver(&outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: onlyNew}, []string{rot.Secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt with the new key alone: %+v", res)
	}
	if r, err := outbound.Reseal(t.Context(), pool, onlyNew); err != nil || r.Endpoints != 0 || len(r.Unopened) != 0 {
		t.Errorf("a second pass: %+v, %v, want nothing to do", r, err)
	}

	// A sealed value copied into another column does not open there.
	if _, err := pool.Exec(t.Context(), `UPDATE webhook_endpoints SET previous_secret = secret WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	moved, _ := outbound.GetEndpoint(t.Context(), pool, e.ID)
	if _, err := moved.Open(onlyNew); err == nil {
		t.Error("the secret opened as the previous secret")
	}
	if res := deliver(&outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: onlyNew}, nil); res.Outcome != outbound.Failed || !strings.Contains(res.Err, "secret") {
		t.Errorf("attempt with a moved secret: %+v, want failed", res)
	}

	// A row an older replica wrote in clear works as it is, and the pass seals it.
	if _, err := pool.Exec(t.Context(), `UPDATE webhook_endpoints SET secret = $2, previous_secret = '', headers = $3 WHERE id = $1`,
		e.ID, secret, map[string]string{"Authorization": token}); err != nil {
		t.Fatal(err)
	}
	if res := deliver(&outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: onlyNew}, []string{secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt at a row in clear: %+v", res)
	}
	if r, err := outbound.Reseal(t.Context(), pool, onlyNew); err != nil || r.Endpoints < 1 {
		t.Fatalf("the pass over a row in clear: %+v, %v", r, err)
	}
	if st = readStored(t, q, e.ID); strings.Contains(st.secret+st.headers, "gateway-token") || strings.Contains(st.secret, secret) {
		t.Errorf("after the pass: %+v", st)
	}
	if res := deliver(&outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: onlyNew}, []string{secret}); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt after the pass: %+v", res)
	}
}

// TestSecretsNeedKeys: without SHIPFLOW_SECRET_KEYS no destination is saved (its secret could
// not be kept sealed): 409 in the SPEC's error shape, naming the setting.
func TestSecretsNeedKeys(t *testing.T) {
	api := &outbound.API{DB: testenv.DB(t), Policy: egress.Policy{AllowHTTP: true}}
	u := "https://hooks.example.com/x"
	_, err := api.Create(t.Context(), outbound.EndpointInput{URL: &u})
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || !strings.Contains(ae.Message, "SHIPFLOW_SECRET_KEYS") {
		t.Fatalf("created without keys: %v, want 409 naming SHIPFLOW_SECRET_KEYS", err)
	}
}

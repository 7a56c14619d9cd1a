package server_test

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
)

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// mtlsVoice is the mTLS voice listener of a server configured with settings, over its own TLS,
// and the server's main app.
func mtlsVoice(t *testing.T, settings map[string]string) (voiceURL string, main http.Handler) {
	t.Helper()
	cfg, err := config.Load("test", nil, func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	api, voice := server.NewListeners(server.Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.QuietLogger(), Metrics: m})
	if voice == nil {
		t.Fatal("no mTLS voice listener")
	}
	tc, err := server.VoiceTLSConfig(cfg.VoiceMTLS)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(voice)
	srv.TLS = tc
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, api
}

// TestVoiceMTLS: the mTLS voice listener refuses, in the TLS handshake, a client without a
// certificate and one whose certificate another CA signed; a client certificate of the
// configured CA reaches the voice tools, and only them; a name not on the allowed list is
// refused; with certificate-and-token a voice bearer token is needed too; and "instead of"
// takes /voice off the main listener.
func TestVoiceMTLS(t *testing.T) {
	dir := t.TempDir()
	ca, other := testenv.NewCA(t, "voice clients"), testenv.NewCA(t, "someone else")
	srvCert, srvKey := ca.Server(t, "voice.test").Write(t, dir, "server")
	good, stranger, bad := ca.Client(t, "vapi"), ca.Client(t, "stranger"), other.Client(t, "vapi")
	settings := map[string]string{
		"SHIPFLOW_ADMIN_TOKENS":       "admin",
		"SHIPFLOW_VOICE_TOKENS":       "voice-token",
		"SHIPFLOW_HTTP_ADDR":          "127.0.0.1:0",
		"SHIPFLOW_VOICE_MTLS_ADDR":    "127.0.0.1:1",
		"SHIPFLOW_VOICE_TLS_CERT":     srvCert,
		"SHIPFLOW_VOICE_TLS_KEY":      srvKey,
		"SHIPFLOW_VOICE_CLIENT_CA":    writeFile(t, dir, "ca.pem", ca.PEM),
		"SHIPFLOW_VOICE_CLIENT_NAMES": "vapi,retell",
		"SHIPFLOW_VOICE_MTLS_ONLY":    "true",
	}
	url, main := mtlsVoice(t, settings)

	client := func(leaf *testenv.Leaf) *http.Client {
		tc := &tls.Config{RootCAs: ca.Pool(), ServerName: "voice.test", MinVersion: tls.VersionTLS12}
		if leaf != nil {
			tc.Certificates = []tls.Certificate{leaf.TLS(t)}
		}
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	}
	lookup := `{"event":"tool.invoked","call_id":"call-mtls","tool_name":"lookup_shipment_status","parameters":{"order_number":"no-such-order-mtls"}}`
	post := func(c *http.Client, path, token string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(lookup))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err == nil {
			t.Cleanup(func() { resp.Body.Close() })
		}
		return resp, err
	}

	for name, c := range map[string]*http.Client{"no certificate": client(nil), "another CA's certificate": client(&bad)} {
		if resp, err := post(c, "/voice/tools", ""); err == nil {
			t.Errorf("%s: answered %d, want the handshake refused", name, resp.StatusCode)
		}
	}

	goodClient := client(&good)
	resp, err := post(goodClient, "/voice/tools", "")
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK || len(answer) == 0 {
		t.Fatalf("the voice tool with a good certificate: %d %v %v", resp.StatusCode, answer, err)
	}
	for _, path := range []string{"/v1/orders", "/healthz", "/console", "/track/x"} {
		req, _ := http.NewRequest(http.MethodGet, url+path, nil)
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := goodClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s on the voice listener: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, err := post(client(&stranger), "/voice/tools", ""); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a name not allowed: %v %v, want 401", resp, err)
	}

	// Instead of: the main listener serves no /voice.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/voice/tools", strings.NewReader(lookup))
	req.Header.Set("Authorization", "Bearer voice-token")
	main.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/voice on the main listener with SHIPFLOW_VOICE_MTLS_ONLY: %d, want 404", rec.Code)
	}

	// Certificate and token: the certificate alone is not enough.
	settings["SHIPFLOW_VOICE_MTLS_MODE"] = "certificate-and-token"
	url, _ = mtlsVoice(t, settings)
	if resp, err := post(goodClient, "/voice/tools", ""); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("certificate without a token: %v %v, want 401", resp, err)
	}
	if resp, err := post(goodClient, "/voice/tools", "voice-token"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("certificate and token: %v %v, want 200", resp, err)
	}
}

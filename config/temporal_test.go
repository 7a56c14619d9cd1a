package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
)

func TestTemporalSecurity(t *testing.T) {
	dir := t.TempDir()
	ca := testenv.NewCA(t, "test CA")
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, key := ca.Client(t, "worker").Write(t, dir, "client")
	_, otherKey := ca.Client(t, "other").Write(t, dir, "other")
	expiredCert, expiredKey := ca.ExpiredClient(t, "old").Write(t, dir, "expired")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := load(t, map[string]string{"TEMPORAL_TLS_CA": caFile, "TEMPORAL_TLS_SERVER_NAME": "temporal.test",
		"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": key, "TEMPORAL_API_KEY": "k"})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Temporal.Security; s.CAFile != caFile || s.ServerName != "temporal.test" || s.CertFile != cert || s.KeyFile != key || s.APIKey != "k" || !s.On() {
		t.Errorf("security = %+v", s)
	}
	if c, err := load(t, nil); err != nil || c.Temporal.Security.On() {
		t.Errorf("with nothing set the connection is not plain text: %+v, %v", c.Temporal.Security, err)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing CA", map[string]string{"TEMPORAL_TLS_CA": filepath.Join(dir, "nope.pem")}, "TEMPORAL_TLS_CA (-temporal-tls-ca): read CA bundle: open"},
		{"CA not PEM", map[string]string{"TEMPORAL_TLS_CA": garbage}, "TEMPORAL_TLS_CA (-temporal-tls-ca): CA bundle " + garbage + " holds no PEM certificate"},
		{"cert not PEM", map[string]string{"TEMPORAL_TLS_CERT": garbage, "TEMPORAL_TLS_KEY": key}, "TEMPORAL_TLS_CERT (-temporal-tls-cert): " + garbage + " holds no PEM certificate"},
		{"key is a certificate", map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": cert}, "TEMPORAL_TLS_KEY (-temporal-tls-key): " + cert + " holds no PEM private key"},
		{"missing key", map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": filepath.Join(dir, "nope.key")}, "TEMPORAL_TLS_KEY (-temporal-tls-key): open"},
		{"cert without key", map[string]string{"TEMPORAL_TLS_CERT": cert}, "TEMPORAL_TLS_CERT: is set but TEMPORAL_TLS_KEY is not"},
		{"key without cert", map[string]string{"TEMPORAL_TLS_KEY": key}, "TEMPORAL_TLS_KEY: is set but TEMPORAL_TLS_CERT is not"},
		{"key of another cert", map[string]string{"TEMPORAL_TLS_CERT": cert, "TEMPORAL_TLS_KEY": otherKey}, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: client certificate " + cert + " with key " + otherKey + ": tls: private key does not match public key"},
		{"expired cert", map[string]string{"TEMPORAL_TLS_CERT": expiredCert, "TEMPORAL_TLS_KEY": expiredKey}, "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: client certificate " + expiredCert + " expired on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWorkerTuning(t *testing.T) {
	c, err := load(t, map[string]string{"SHIPFLOW_STICKY_CACHE_SIZE": "500"}, "-workflow-pollers", "4")
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Temporal.Worker; w != (WorkerTuning{WorkflowPollers: 4, ActivityPollers: 8, MaxActivities: 1000, MaxWorkflowTasks: 1000, StickyCacheSize: 500}) {
		t.Errorf("tuning = %+v", w)
	}
	// The SDK panics on one workflow task poller or slot; start-up says so first.
	for _, env := range []string{"SHIPFLOW_WORKFLOW_POLLERS", "SHIPFLOW_MAX_CONCURRENT_WORKFLOW_TASKS"} {
		if _, err := load(t, map[string]string{env: "1"}); err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=1: %v", env, err)
		}
	}
}

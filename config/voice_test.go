package config

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
)

func TestVoiceDriverSettings(t *testing.T) {
	c, err := load(t, map[string]string{
		"SHIPFLOW_VOICE_DRIVER_TOKENS": "d1, d2",
		"SHIPFLOW_VOICE_DRIVER_PHONES": "+37061111111, +37062222222",
		"VAPI_WEBHOOK_SECRET":          "old,new",
		"RETELL_API_KEY":               "key_1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.VoiceDriverTokens, "|") != "d1|d2" || strings.Join(c.VoiceDriverPhones, "|") != "+37061111111|+37062222222" ||
		strings.Join(c.VapiWebhookSecrets, "|") != "old|new" || strings.Join(c.RetellAPIKeys, "|") != "key_1" {
		t.Errorf("%q %q %q %q", c.VoiceDriverTokens, c.VoiceDriverPhones, c.VapiWebhookSecrets, c.RetellAPIKeys)
	}
	if c, err := load(t, nil); err != nil || c.VoiceDriverTokens != nil || c.VoiceDriverPhones != nil || c.VapiWebhookSecrets != nil {
		t.Errorf("defaults: %v %+v", err, c)
	}
	_, err = load(t, map[string]string{"SHIPFLOW_VOICE_DRIVER_PHONES": "+37061111111,861111111"})
	if err == nil || !strings.Contains(err.Error(), `SHIPFLOW_VOICE_DRIVER_PHONES (-voice-driver-phones): "861111111" is not an E.164 number`) {
		t.Errorf("a national number: %v", err)
	}
	if _, err := load(t, nil, "-retell-api-key", "x"); err == nil {
		t.Error("a secret was accepted as a flag")
	}
}

// TestVoiceMTLSSettings: the mTLS voice listener's settings are checked at load: its files
// readable and of the right PEM, its key the certificate's, its address its own, and none of
// them set without the address.
func TestVoiceMTLSSettings(t *testing.T) {
	dir := t.TempDir()
	ca := testenv.NewCA(t, "voice clients")
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, key := ca.Server(t, "voice.test").Write(t, dir, "server")
	_, otherKey := ca.Server(t, "other.test").Write(t, dir, "other")
	good := map[string]string{"SHIPFLOW_VOICE_MTLS_ADDR": ":8443", "SHIPFLOW_VOICE_TLS_CERT": cert, "SHIPFLOW_VOICE_TLS_KEY": key,
		"SHIPFLOW_VOICE_CLIENT_CA": caFile, "SHIPFLOW_VOICE_CLIENT_NAMES": "vapi, retell", "SHIPFLOW_VOICE_MTLS_ONLY": "true"}
	c, err := load(t, good)
	if err != nil {
		t.Fatal(err)
	}
	if m := c.VoiceMTLS; !m.On() || m.Mode != VoiceCertificate || !m.Only || strings.Join(m.Names, "|") != "vapi|retell" {
		t.Errorf("%+v", m)
	}
	with := func(k, v string) map[string]string {
		env := maps.Clone(good)
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
		return env
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"bad address":         {with("SHIPFLOW_VOICE_MTLS_ADDR", "nope"), "SHIPFLOW_VOICE_MTLS_ADDR"},
		"main address":        {with("SHIPFLOW_VOICE_MTLS_ADDR", ":8080"), "an address of its own"},
		"no CA":               {with("SHIPFLOW_VOICE_CLIENT_CA", ""), "needs SHIPFLOW_VOICE_CLIENT_CA"},
		"CA not PEM":          {with("SHIPFLOW_VOICE_CLIENT_CA", key), "SHIPFLOW_VOICE_CLIENT_CA"},
		"no key":              {with("SHIPFLOW_VOICE_TLS_KEY", ""), "needs SHIPFLOW_VOICE_TLS_CERT and SHIPFLOW_VOICE_TLS_KEY"},
		"missing file":        {with("SHIPFLOW_VOICE_TLS_CERT", filepath.Join(dir, "nope.pem")), "SHIPFLOW_VOICE_TLS_CERT"},
		"another key":         {with("SHIPFLOW_VOICE_TLS_KEY", otherKey), "SHIPFLOW_VOICE_TLS_CERT and SHIPFLOW_VOICE_TLS_KEY"},
		"unknown mode":        {with("SHIPFLOW_VOICE_MTLS_MODE", "either"), "SHIPFLOW_VOICE_MTLS_MODE"},
		"token without any":   {with("SHIPFLOW_VOICE_MTLS_MODE", VoiceCertificateAndToken), "needs SHIPFLOW_VOICE_TOKENS"},
		"name with a control": {with("SHIPFLOW_VOICE_CLIENT_NAMES", "va\x01pi"), "SHIPFLOW_VOICE_CLIENT_NAMES"},
		"only, without addr":  {map[string]string{"SHIPFLOW_VOICE_MTLS_ONLY": "true"}, "served nowhere"},
		"files without addr":  {map[string]string{"SHIPFLOW_VOICE_CLIENT_CA": caFile}, "SHIPFLOW_VOICE_MTLS_ADDR is not"},
	} {
		if _, err := load(t, tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it naming %q", name, err, tc.want)
		}
	}
}

package config

import (
	"strings"
	"testing"
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

package config

import (
	"strings"
	"testing"
)

// Zapier keys are long printable keys of their own: a short one, one with a space or a
// control character, or one that is also an admin or voice token stops start-up, naming the
// variable.
func TestZapierAPIKeys(t *testing.T) {
	const key = "zk_0123456789abcdef01234567"
	load := func(env map[string]string) (*Config, error) {
		return Load("test", nil, func(k string) string { return env[k] })
	}
	c, err := load(map[string]string{"SHIPFLOW_ZAPIER_API_KEYS": key + ", " + key + "x", "SHIPFLOW_ADMIN_TOKENS": "admin-1"})
	if err != nil || len(c.ZapierAPIKeys) != 2 || c.ZapierAPIKeys[0] != key {
		t.Fatalf("two keys: %v %v", c, err)
	}
	for _, env := range []map[string]string{
		{"SHIPFLOW_ZAPIER_API_KEYS": "short"},
		{"SHIPFLOW_ZAPIER_API_KEYS": key + " x"},
		{"SHIPFLOW_ZAPIER_API_KEYS": key + "\x00"},
		{"SHIPFLOW_ZAPIER_API_KEYS": strings.Repeat("k", 300)},
		{"SHIPFLOW_ZAPIER_API_KEYS": key, "SHIPFLOW_ADMIN_TOKENS": "admin-1," + key},
		{"SHIPFLOW_ZAPIER_API_KEYS": key, "SHIPFLOW_VOICE_TOKENS": key},
	} {
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_ZAPIER_API_KEYS") || strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v, want a refusal naming the variable, not the key", env, err)
		}
	}
}

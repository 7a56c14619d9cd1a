package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPayloadKeys(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	c, err := load(t, map[string]string{"SHIPFLOW_PAYLOAD_KEYS": "2026-01:" + key + ",2025-01:" + key})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PayloadKeys) != 2 || c.PayloadKeys[0].ID != "2026-01" {
		t.Fatalf("keys = %v", c.PayloadKeys)
	}
	if c, _ := load(t, nil); len(c.PayloadKeys) != 0 {
		t.Fatalf("keys by default = %v, want none", c.PayloadKeys)
	}
	for _, bad := range []string{
		"k1:not base64!",
		"k1:" + base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"k1:" + key + ",k1:" + key,
		"k 1:" + key,
		key,
	} {
		_, err := load(t, map[string]string{"SHIPFLOW_PAYLOAD_KEYS": bad})
		if err == nil || !strings.HasPrefix(err.Error(), "config: SHIPFLOW_PAYLOAD_KEYS: ") {
			t.Errorf("SHIPFLOW_PAYLOAD_KEYS=%.12q...: err = %v, want one naming the variable", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("error shows the key: %v", err)
		}
	}
}

func TestCodecCORSOrigins(t *testing.T) {
	c, err := load(t, map[string]string{"SHIPFLOW_CODEC_CORS_ORIGINS": "http://localhost:8233/, https://ui.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.CodecCORSOrigins, "|"); got != "http://localhost:8233|https://ui.example.com" {
		t.Fatalf("origins = %s", got)
	}
	for _, bad := range []string{"localhost:8233", "https://ui.example.com/path", "*", "ftp://x"} {
		if _, err := load(t, map[string]string{"SHIPFLOW_CODEC_CORS_ORIGINS": bad}); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_CODEC_CORS_ORIGINS") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

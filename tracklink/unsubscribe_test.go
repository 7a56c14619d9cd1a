package tracklink_test

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/tracklink"
)

func TestUnsubscribeToken(t *testing.T) {
	key := "ord-1/shipped/S1/email"
	tok := tracklink.UnsubscribeToken("secret", key)
	if got, ok := tracklink.UnsubscribeKey("secret", tok); !ok || got != key {
		t.Fatalf("round trip: %q %v", got, ok)
	}
	if strings.Contains(tok, "@") || strings.Contains(tok, "/") {
		t.Errorf("token %q is not URL-safe", tok)
	}
	for name, bad := range map[string]string{
		"another secret":    tracklink.UnsubscribeToken("other", key),
		"tampered key":      tracklink.UnsubscribeToken("secret", "ord-2/shipped/S1/email")[:10] + tok[10:],
		"no mac":            strings.SplitN(tok, ".", 2)[0],
		"tracking token":    tracklink.Token("secret", key),
		"empty":             "",
		"huge":              strings.Repeat("A", 5000) + ".x",
		"not base64 at all": "!!!." + strings.SplitN(tok, ".", 2)[1],
		"line break inside": tok[:5] + "\r" + tok[5:],
	} {
		if _, ok := tracklink.UnsubscribeKey("secret", bad); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if tracklink.UnsubscribeURL("https://x", "", key) != "" {
		t.Error("a link without a secret")
	}
}

func FuzzUnsubscribeKey(f *testing.F) {
	f.Add(tracklink.UnsubscribeToken("secret", "ord-1/shipped/S1/email"))
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, token string) {
		if key, ok := tracklink.UnsubscribeKey("secret", token); ok && tracklink.UnsubscribeToken("secret", key) != token {
			t.Fatalf("accepted %q, which is not the token of %q", token, key)
		}
	})
}

package payload

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealText(t *testing.T) {
	old, _ := NewKey("k1", bytes.Repeat([]byte{1}, KeySize))
	cur, _ := NewKey("k2", bytes.Repeat([]byte{2}, KeySize))
	before, _ := NewCodec(Keys{old})
	after, _ := NewCodec(Keys{cur, old}) // rotated: k2 seals, k1 still opens

	s, err := before.SealText([]byte(`{"api_key":"pk_live"}`), "credentials")
	if err != nil || !strings.HasPrefix(s, "sf1:k1:") || strings.Contains(s, "pk_live") {
		t.Fatalf("sealed %q, %v", s, err)
	}
	if plain, err := after.OpenText(s, "credentials"); err != nil || string(plain) != `{"api_key":"pk_live"}` {
		t.Fatalf("opened after the rotation: %q, %v", plain, err)
	}
	if s2, _ := after.SealText([]byte("x"), "credentials"); !strings.HasPrefix(s2, "sf1:k2:") {
		t.Errorf("the first key seals: %q", s2)
	}
	for name, bad := range map[string]string{
		"other label": s, "truncated": s[:len(s)-4], "not sealed": "pk_live", "unknown key": strings.Replace(s, "sf1:k1:", "sf1:k9:", 1),
		// A character inside the ciphertext, not the last one, whose low bits may be padding.
		"last changed": s[:len(s)-1] + map[bool]string{true: "A", false: "B"}[s[len(s)-1] != 'A'], // padding bits too: Strict
		"flipped":      s[:len(s)-10] + map[bool]string{true: "A", false: "B"}[s[len(s)-10] != 'A'] + s[len(s)-9:],
	} {
		label := "credentials"
		if name == "other label" {
			label = "headers"
		}
		if _, err := after.OpenText(bad, label); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	var none *Codec
	if _, err := none.SealText([]byte("x"), "credentials"); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
}

func FuzzOpenText(f *testing.F) {
	k, _ := NewKey("k1", bytes.Repeat([]byte{1}, KeySize))
	c, _ := NewCodec(Keys{k})
	s, _ := c.SealText([]byte("secret"), "credentials")
	f.Add(s)
	f.Add("sf1:k1:")
	f.Add("sf1::::")
	f.Fuzz(func(t *testing.T, text string) {
		if plain, err := c.OpenText(text, "credentials"); err == nil && string(plain) != "secret" && text != s {
			// Only something this codec sealed opens; GCM makes a forgery all but impossible.
			if _, err2 := c.OpenText(text, "other"); err2 == nil {
				t.Fatalf("opened %q under two labels", text)
			}
		}
	})
}

func TestReseal(t *testing.T) {
	old, _ := NewKey("k1", bytes.Repeat([]byte{1}, KeySize))
	cur, _ := NewKey("k2", bytes.Repeat([]byte{2}, KeySize))
	before, _ := NewCodec(Keys{old})
	after, _ := NewCodec(Keys{cur, old})

	clear, changed, err := before.Reseal("whsec_abc", "secret")
	if err != nil || !changed || !strings.HasPrefix(clear, "sf1:k1:") {
		t.Fatalf("a clear value: %q, %v, %v", clear, changed, err)
	}
	if s, changed, err := before.Reseal(clear, "secret"); err != nil || changed || s != clear {
		t.Errorf("sealed with the first key already: %q, %v, %v", s, changed, err)
	}
	rotated, changed, err := after.Reseal(clear, "secret")
	if err != nil || !changed || !strings.HasPrefix(rotated, "sf1:k2:") {
		t.Fatalf("after a rotation: %q, %v, %v", rotated, changed, err)
	}
	if plain, err := after.OpenText(rotated, "secret"); err != nil || string(plain) != "whsec_abc" {
		t.Errorf("opened %q, %v", plain, err)
	}
	if _, _, err := after.Reseal(clear, "headers"); err == nil {
		t.Error("resealed under another label")
	}
	var none *Codec
	if _, _, err := none.Reseal("x", "secret"); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
}

package sendgrid_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify/sendgrid"
)

// FuzzVerifyEventWebhook checks the Event Webhook signature check over any body, timestamp and
// signature header: it never panics, a signature made as SendGrid makes it verifies, and a
// change of one byte of the body, the timestamp, the signature or its base64 text does not.
func FuzzVerifyEventWebhook(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	sign := func(ts string, body []byte) []byte {
		sum := sha256.Sum256(append([]byte(ts), body...))
		sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
		if err != nil {
			f.Fatal(err)
		}
		return sig
	}
	real := []byte(eventsBody)
	realSig := base64.StdEncoding.EncodeToString(sign("1715072400", real))
	// A batch as SendGrid posts it, its own signature, and headers as they arrive mangled.
	f.Add(real, "1715072400", realSig, uint16(0), byte(1))
	f.Add(real, "1715072400", " "+realSig+"\n", uint16(17), byte(0x80))
	f.Add([]byte(`[{"email":"ada@example.com","timestamp":1715072460,"event":"delivered","sg_event_id":"e1","sg_message_id":"m1.filter","notification_id":"n-1"}]`),
		"1715072460", "", uint16(3), byte(0xff))
	f.Add([]byte(`[]`), "1", "%%%", uint16(0), byte(1))
	f.Add([]byte{}, "", base64.StdEncoding.EncodeToString([]byte("junk")), uint16(1), byte(2))
	f.Add(real, "1715072400", realSig[:len(realSig)-2]+"==", uint16(70), byte(0x01))
	f.Fuzz(func(t *testing.T, body []byte, ts, header string, at uint16, mask byte) {
		sendgrid.VerifyEventWebhook(&key.PublicKey, header, ts, body) // any header: no panic
		if ts == "" || mask == 0 {
			return
		}
		sig := sign(ts, body)
		good := base64.StdEncoding.EncodeToString(sig)
		if !sendgrid.VerifyEventWebhook(&key.PublicKey, good, ts, body) {
			t.Fatal("a valid signature does not verify")
		}
		if len(body) > 0 {
			b := bytes.Clone(body)
			b[int(at)%len(b)] ^= mask
			if sendgrid.VerifyEventWebhook(&key.PublicKey, good, ts, b) {
				t.Fatalf("verified a body changed at byte %d", int(at)%len(b))
			}
		}
		tb := []byte(ts)
		tb[int(at)%len(tb)] ^= mask
		if sendgrid.VerifyEventWebhook(&key.PublicKey, good, string(tb), body) {
			t.Fatalf("verified a timestamp changed at byte %d", int(at)%len(tb))
		}
		s := bytes.Clone(sig)
		s[int(at)%len(s)] ^= mask
		if sendgrid.VerifyEventWebhook(&key.PublicKey, base64.StdEncoding.EncodeToString(s), ts, body) {
			t.Fatalf("verified a signature changed at byte %d", int(at)%len(s))
		}
		g := []byte(good)
		g[int(at)%len(g)] ^= mask
		if sendgrid.VerifyEventWebhook(&key.PublicKey, string(g), ts, body) {
			t.Fatalf("verified a signature header changed at character %d: %q", int(at)%len(g), g)
		}
	})
}

// A signature header whose base64 differs only in the bits after the signature's last byte
// (which lenient decoding ignores) is another header, and does not verify.
func TestVerifyEventWebhookRefusesNonCanonicalBase64(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const ts, alphabet = "1715072400", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	body := []byte(eventsBody)
	sum := sha256.Sum256(append([]byte(ts), body...))
	for {
		sig, _ := ecdsa.SignASN1(rand.Reader, key, sum[:])
		if len(sig)%3 == 0 {
			continue // no spare bits to play with; a new signature has another length
		}
		good := base64.StdEncoding.EncodeToString(sig)
		last := strings.TrimRight(good, "=")
		i := len(last) - 1
		odd := last[:i] + string(alphabet[strings.IndexByte(alphabet, last[i])^1]) + good[len(last):]
		if !sendgrid.VerifyEventWebhook(&key.PublicKey, good, ts, body) {
			t.Fatal("the canonical signature does not verify")
		}
		if sendgrid.VerifyEventWebhook(&key.PublicKey, odd, ts, body) {
			t.Errorf("%q verified as %q", odd, good)
		}
		return
	}
}

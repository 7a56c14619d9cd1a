package signature

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Each fuzz target checks two things about one verifier: arbitrary input
// never panics (and fails with one of the documented reasons), and a
// correctly signed body verifies while the same body with any one byte
// changed does not.

// mutate returns body with one byte changed: the byte at pos (modulo the
// length) XORed with a non-zero delta, or, for an empty body, one byte added.
func mutate(body []byte, pos uint, delta byte) []byte {
	if delta == 0 {
		delta = 1
	}
	out := append([]byte(nil), body...)
	if len(out) == 0 {
		return []byte{delta}
	}
	out[pos%uint(len(out))] ^= delta
	return out
}

// checkReason fails unless err is nil or one of the documented reasons.
func checkReason(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, e := range []error{ErrMissing, ErrMismatch, ErrTimestamp, ErrBadSecret} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("error matches no documented reason: %v", err)
}

func FuzzVerifyStandard(f *testing.F) {
	f.Add(vecID, "1614265330", vecSig, []byte(vecBody), uint(3), byte(1))
	f.Add("", "", "", []byte{}, uint(0), byte(0))
	f.Add("msg_1", "-1", "v1,"+vecSig+" v2,AAAA", []byte("{}"), uint(1), byte(0x80))
	f.Add("a.b.c", "99999999999999999999", "v1, v1,, ,v1 v1,====", []byte("\x00\xff"), uint(7), byte(0xff))
	f.Add("msg_\u00e9", "+1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", []byte(vecBody), uint(19), byte(2))
	// Hostile shapes: thousands of signatures, a valid one past the cap,
	// control characters and invalid UTF-8 in the id, an id far too long.
	f.Add(vecID, "1614265330", strings.Repeat("v1,AAAA ", 2000)+vecSig, []byte(vecBody), uint(0), byte(1))
	f.Add(vecID, "1614265330", strings.Repeat("v1,"+vecSig[3:]+" ", 8)+vecSig, []byte(vecBody), uint(0), byte(1))
	f.Add("msg\x00id", "1614265330", vecSig, []byte(vecBody), uint(0), byte(1))
	f.Add("msg\xffid", "1614265330", vecSig+"\t"+vecSig, []byte(vecBody), uint(0), byte(1))
	f.Add(strings.Repeat("m", 10000), "1614265330", vecSig, []byte(vecBody), uint(0), byte(1))

	secrets := []string{vecSecret, otherSecret}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, pos uint, delta byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		got, err := VerifyStandard(secrets, h, body, vecTime)
		checkReason(t, err)
		if err == nil && got != id {
			t.Fatalf("returned id %q, header had %q", got, id)
		}
		if err == nil && checkHeader(headerID, id, maxMessageID) != nil {
			t.Fatalf("accepted id %q", id)
		}

		if id == "" || checkHeader(headerID, id, maxMessageID) != nil {
			return // not signable: such an id is refused
		}
		// Both secrets of a rotation verify what they signed.
		for _, s := range secrets {
			signed, err := Headers([]string{s}, id, vecTime, body)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := VerifyStandard(secrets, signed, body, vecTime); err != nil || got != id {
				t.Fatalf("valid signature: id %q, err %v", got, err)
			}
			if _, err := VerifyStandard(secrets, signed, mutate(body, pos, delta), vecTime); !errors.Is(err, ErrMismatch) {
				t.Fatalf("body with one byte changed: err = %v, want ErrMismatch", err)
			}
		}
	})
}

func FuzzVerifyHMACBase64(f *testing.F) {
	for _, v := range hmacVectors {
		f.Add(v.secret, v.sig, []byte(v.body), uint(0), byte(1))
	}
	f.Add("", "", []byte{}, uint(0), byte(0))
	f.Add("k", "====", []byte("x"), uint(5), byte(0x20))
	f.Add("\xff\xfe", " \t\n", []byte("\x00"), uint(1), byte(0xff))
	f.Add("k", strings.Repeat(hmacVectors[0].sig, 10000), []byte(hmacBody), uint(0), byte(1))
	f.Add("k", "\x00"+hmacVectors[0].sig, []byte(hmacBody), uint(0), byte(1))
	f.Add("a,b c", hmacVectors[0].sig+" "+hmacVectors[0].sig, []byte(hmacBody), uint(0), byte(1))

	f.Fuzz(func(t *testing.T, secret, sig string, body []byte, pos uint, delta byte) {
		secrets := []string{secret, "hush-hush"}
		checkReason(t, VerifyHMACBase64(secrets, sig, body))

		if secret == "" {
			return // refused as unusable whatever the signature
		}
		for _, s := range secrets {
			good := SignHMACBase64(s, body)
			if err := VerifyHMACBase64(secrets, good, body); err != nil {
				t.Fatalf("valid signature: %v", err)
			}
			if err := VerifyHMACBase64(secrets, good, mutate(body, pos, delta)); !errors.Is(err, ErrMismatch) {
				t.Fatalf("body with one byte changed: err = %v, want ErrMismatch", err)
			}
		}
	})
}

func FuzzVerifyEasyPost(f *testing.F) {
	f.Add(epSecret, "hmac-sha256-hex="+epHex, []byte(epBody), uint(0), byte(1))
	f.Add("", "", []byte{}, uint(0), byte(0))
	f.Add("ﬁ", "HMAC-SHA256-HEX=", []byte("x"), uint(3), byte(0x40))
	f.Add("\xc3", "hmac-sha256-hex=zz", []byte("\x00\x01"), uint(1), byte(0xff))
	f.Add("e\u0301\u0327", "hmac-sha256-hex="+epRawHex, []byte(epBody), uint(9), byte(7))
	f.Add(epSecret, "hmac-sha256-hex="+strings.Repeat(epHex, 10000), []byte(epBody), uint(0), byte(1))

	f.Fuzz(func(t *testing.T, secret, header string, body []byte, pos uint, delta byte) {
		secrets := []string{secret, "previous"}
		checkReason(t, VerifyEasyPost(secrets, header, body))

		if secret == "" {
			return
		}
		for _, s := range secrets {
			good := SignEasyPost(s, body)
			if err := VerifyEasyPost(secrets, good, body); err != nil {
				t.Fatalf("valid signature: %v", err)
			}
			if err := VerifyEasyPost(secrets, good, mutate(body, pos, delta)); !errors.Is(err, ErrMismatch) {
				t.Fatalf("body with one byte changed: err = %v, want ErrMismatch", err)
			}
		}
	})
}

func FuzzVerifyShipEngine(f *testing.F) {
	keys := testKeys()
	set := StaticKeys{"key-1": &keys[0].PublicKey}
	now := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	ts := now.Format(time.RFC3339)
	valid := seSign(f, keys[0], "key-1", ts, []byte(seBody))

	f.Add("key-1", valid.Get("x-shipengine-rsa-sha256-signature"), ts, []byte(seBody), uint(0), byte(1))
	f.Add("", "", "", []byte{}, uint(0), byte(0))
	f.Add("key-1", "AAAA", "1778149800", []byte("{}"), uint(1), byte(0x80))
	f.Add("key-2", "-_-_", "2026-05-07T10:30:00.999999999+14:00", []byte("\xff"), uint(2), byte(0xff))
	f.Add("key-1", "====", "9223372036854775807", []byte(seBody), uint(3), byte(3))
	f.Add(strings.Repeat("k", 100000), "AAAA", ts, []byte(seBody), uint(0), byte(1))
	f.Add("key\x00-1", strings.Repeat("A", 100000), ts+strings.Repeat("0", 1000), []byte(seBody), uint(0), byte(1))

	ctx := context.Background()
	f.Fuzz(func(t *testing.T, kid, sig, ts string, body []byte, pos uint, delta byte) {
		h := http.Header{}
		h.Set("x-shipengine-rsa-sha256-key-id", kid)
		h.Set("x-shipengine-rsa-sha256-signature", sig)
		h.Set("x-shipengine-timestamp", ts)
		checkReason(t, VerifyShipEngine(ctx, set, h, body, now))

		// The positive property needs a timestamp that is in tolerance;
		// the fuzzer's one is used when it is, the fixed one otherwise.
		if at, err := parseShipEngineTime(ts); err != nil || !within(now, at) {
			ts = now.Format(time.RFC3339)
		}
		signed := seSign(t, keys[0], "key-1", ts, body)
		if err := VerifyShipEngine(ctx, set, signed, body, now); err != nil {
			t.Fatalf("valid signature: %v", err)
		}
		if err := VerifyShipEngine(ctx, set, signed, mutate(body, pos, delta), now); !errors.Is(err, ErrMismatch) {
			t.Fatalf("body with one byte changed: err = %v, want ErrMismatch", err)
		}
	})
}

func FuzzVerifyTwilio(f *testing.F) {
	f.Add(twToken, twURL, []byte(twForm().Encode()), twSig)
	f.Add("", "", []byte{}, "")
	f.Add("tok", "http://[::1]:80/x", []byte("a=1&a=2"), "")
	f.Add("tok", "%zz://bad", []byte("%"), "===")
	f.Add("tok", "https://h/x?bodySHA256=00", []byte(`{"a":1}`), "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("tok", "https://h:443/x", []byte("Body=STOP%0A&From=whatsapp%3A%2B1"), twSig)
	f.Add("tok", "https://h/x", []byte("a=1;b=2"), twSig)
	// Finding 1: thousands of parameters, and a body one byte over the cap.
	f.Add(twToken, twURL, []byte(strings.Repeat("P=x&", 10000)), twSig)
	f.Add(twToken, twURL, []byte("P="+strings.Repeat("x", TwilioMaxBody)), twSig)

	f.Fuzz(func(t *testing.T, token, rawURL string, body []byte, sig string) {
		tokens := []string{token, "previous"}
		_, err := VerifyTwilio(tokens, rawURL, sig, body)
		checkReason(t, err)
		if err == nil && token == "" {
			t.Fatal("verified with an empty token")
		}

		u, uerr := url.Parse(rawURL)
		want, ferr := url.ParseQuery(string(body))
		if token == "" || uerr != nil || ferr != nil || u.Query().Get(twilioBodyHash) != "" ||
			len(body) > TwilioMaxBody || strings.Count(string(body), "&") >= TwilioMaxParams {
			return // not a form Twilio would post
		}
		for _, tok := range tokens {
			good := SignTwilio(tok, rawURL, want)
			form, err := VerifyTwilio(tokens, rawURL, good, body)
			if err != nil {
				t.Fatalf("signed with %q: %v", tok, err)
			}
			if form.Encode() != want.Encode() {
				t.Fatalf("returned form %v, body holds %v", form, want)
			}
		}
		if _, err := VerifyTwilio(tokens, rawURL, SignTwilio(token+"x", rawURL, want), body); !errors.Is(err, ErrMismatch) {
			t.Fatalf("signed with another token: err = %v", err)
		}
		// twilio-go agrees on the signed string when it can express the
		// form (one value per name) and reads the URL as given.
		single := true
		for _, vs := range want {
			single = single && len(vs) == 1
		}
		if single && u.String() == rawURL && !strings.Contains(u.Hostname(), ":") {
			if !twilioGo(token, rawURL, want, SignTwilio(token, rawURL, want)) {
				t.Fatalf("twilio-go refuses our signature of %q %v", rawURL, want)
			}
		}
	})
}

package signature

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks test vector, from docs/reference/outbound-webhooks.md (and the spec's own
// reference libraries).
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var vecTime = time.Unix(vecTS, 0)

// otherSecret is a second valid secret, for wrong-secret and rotation cases.
const otherSecret = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="

func TestSignVector(t *testing.T) {
	for _, secret := range []string{vecSecret, strings.TrimPrefix(vecSecret, "whsec_")} {
		got, err := Sign(secret, vecID, vecTime, []byte(vecBody))
		if err != nil {
			t.Fatalf("Sign(%q): %v", secret, err)
		}
		if got != vecSig {
			t.Errorf("Sign(%q) = %q, want %q", secret, got, vecSig)
		}
	}
}

func TestHeadersVector(t *testing.T) {
	h, err := Headers([]string{vecSecret}, vecID, vecTime, []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"webhook-id":        vecID,
		"webhook-timestamp": strconv.Itoa(vecTS),
		"webhook-signature": vecSig,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != 3 {
		t.Errorf("got %d headers, want 3: %v", len(h), h)
	}
}

func TestHeadersRotation(t *testing.T) {
	h, err := Headers([]string{vecSecret, otherSecret}, vecID, vecTime, []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	if len(sigs) != 2 || sigs[0] != vecSig || !strings.HasPrefix(sigs[1], "v1,") || sigs[1] == vecSig {
		t.Fatalf("webhook-signature = %q, want the vector's signature then another v1", h.Get("webhook-signature"))
	}
	// A receiver that knows only one of the two accepts it.
	for _, s := range []string{vecSecret, otherSecret} {
		if _, err := VerifyStandard([]string{s}, h, []byte(vecBody), vecTime); err != nil {
			t.Errorf("receiver with one secret: %v", err)
		}
	}
}

func TestHeadersErrors(t *testing.T) {
	if _, err := Headers(nil, vecID, vecTime, nil); !errors.Is(err, ErrBadSecret) {
		t.Errorf("no secrets: err = %v, want ErrBadSecret", err)
	}
	if _, err := Headers([]string{vecSecret, "whsec_!!"}, vecID, vecTime, nil); !errors.Is(err, ErrBadSecret) {
		t.Errorf("bad second secret: err = %v, want ErrBadSecret", err)
	}
}

// vecHeader returns the vector's headers, changed by edit.
func vecHeader(edit func(http.Header)) http.Header {
	h := http.Header{}
	h.Set("webhook-id", vecID)
	h.Set("webhook-timestamp", strconv.Itoa(vecTS))
	h.Set("webhook-signature", vecSig)
	if edit != nil {
		edit(h)
	}
	return h
}

func TestVerifyStandard(t *testing.T) {
	otherSig, err := Sign(otherSecret, vecID, vecTime, []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	sigOnly := strings.TrimPrefix(vecSig, "v1,")
	set := func(k, v string) func(http.Header) { return func(h http.Header) { h.Set(k, v) } }
	del := func(k string) func(http.Header) { return func(h http.Header) { h.Del(k) } }

	tests := []struct {
		name    string
		secrets []string
		header  http.Header
		body    string
		now     time.Time
		want    error // nil for success
	}{
		{"vector", []string{vecSecret}, vecHeader(nil), vecBody, vecTime, nil},
		{"secret without prefix", []string{strings.TrimPrefix(vecSecret, "whsec_")}, vecHeader(nil), vecBody, vecTime, nil},
		{"header names in any case", []string{vecSecret}, vecHeader(func(h http.Header) {
			h.Del("webhook-id")
			h.Set("WEBHOOK-ID", vecID)
		}), vecBody, vecTime, nil},
		{"tampered body", []string{vecSecret}, vecHeader(nil), `{"test": 2432232315}`, vecTime, ErrMismatch},
		{"body with trailing newline", []string{vecSecret}, vecHeader(nil), vecBody + "\n", vecTime, ErrMismatch},
		{"wrong secret", []string{otherSecret}, vecHeader(nil), vecBody, vecTime, ErrMismatch},
		{"tampered id", []string{vecSecret}, vecHeader(set("webhook-id", vecID+"x")), vecBody, vecTime, ErrMismatch},
		{"tampered timestamp", []string{vecSecret}, vecHeader(set("webhook-timestamp", strconv.Itoa(vecTS+1))), vecBody, vecTime, ErrMismatch},

		{"old, just inside", []string{vecSecret}, vecHeader(nil), vecBody, vecTime.Add(Tolerance), nil},
		{"old, just outside", []string{vecSecret}, vecHeader(nil), vecBody, vecTime.Add(Tolerance + time.Second), ErrTimestamp},
		{"future, just inside", []string{vecSecret}, vecHeader(nil), vecBody, vecTime.Add(-Tolerance), nil},
		{"future, just outside", []string{vecSecret}, vecHeader(nil), vecBody, vecTime.Add(-Tolerance - time.Second), ErrTimestamp},
		{"absurd timestamp", []string{vecSecret}, vecHeader(set("webhook-timestamp", "9223372036854775807")), vecBody, vecTime, ErrTimestamp},
		{"timestamp not a number", []string{vecSecret}, vecHeader(set("webhook-timestamp", "2021-02-25T15:02:10Z")), vecBody, vecTime, ErrTimestamp},
		{"timestamp in milliseconds", []string{vecSecret}, vecHeader(set("webhook-timestamp", strconv.Itoa(vecTS*1000))), vecBody, vecTime, ErrTimestamp},

		{"no webhook-id", []string{vecSecret}, vecHeader(del("webhook-id")), vecBody, vecTime, ErrMissing},
		{"no webhook-timestamp", []string{vecSecret}, vecHeader(del("webhook-timestamp")), vecBody, vecTime, ErrTimestamp},
		{"no webhook-signature", []string{vecSecret}, vecHeader(del("webhook-signature")), vecBody, vecTime, ErrMissing},
		{"blank webhook-signature", []string{vecSecret}, vecHeader(set("webhook-signature", "  ")), vecBody, vecTime, ErrMissing},

		{"one valid among several", []string{vecSecret}, vecHeader(set("webhook-signature",
			"v1,AAAA v1,!!notbase64 v1a,"+sigOnly+" garbage "+vecSig+" v1,"+strings.TrimPrefix(otherSig, "v1,"))), vecBody, vecTime, nil},
		{"v2 only", []string{vecSecret}, vecHeader(set("webhook-signature", "v2,"+sigOnly)), vecBody, vecTime, ErrMismatch},
		{"v1a only", []string{vecSecret}, vecHeader(set("webhook-signature", "v1a,"+sigOnly)), vecBody, vecTime, ErrMismatch},
		{"no version", []string{vecSecret}, vecHeader(set("webhook-signature", sigOnly)), vecBody, vecTime, ErrMismatch},
		{"truncated signature", []string{vecSecret}, vecHeader(set("webhook-signature", vecSig[:len(vecSig)-4])), vecBody, vecTime, ErrMismatch},

		{"runs of spaces", []string{vecSecret}, vecHeader(set("webhook-signature", "v1,AAAA    "+vecSig)), vecBody, vecTime, nil},
		{"valid signature is the eighth", []string{vecSecret}, vecHeader(set("webhook-signature",
			strings.Repeat("v1,"+strings.TrimPrefix(otherSig, "v1,")+" ", 7)+vecSig)), vecBody, vecTime, nil},
		{"valid signature past the eighth", []string{vecSecret}, vecHeader(set("webhook-signature",
			strings.Repeat("v1,"+strings.TrimPrefix(otherSig, "v1,")+" ", 8)+vecSig)), vecBody, vecTime, ErrMismatch},
		{"thousands of signatures", []string{vecSecret}, vecHeader(set("webhook-signature", strings.Repeat("v1,AAAA ", 5000)+vecSig)), vecBody, vecTime, ErrMalformed},
		{"signatures separated by tabs", []string{vecSecret}, vecHeader(set("webhook-signature", "v1,AAAA\t"+vecSig)), vecBody, vecTime, ErrMalformed},
		{"id with a NUL", []string{vecSecret}, vecHeader(set("webhook-id", "msg\x00")), vecBody, vecTime, ErrMalformed},
		{"id with a newline", []string{vecSecret}, vecHeader(set("webhook-id", "msg\nX-Injected: 1")), vecBody, vecTime, ErrMalformed},
		{"id not UTF-8", []string{vecSecret}, vecHeader(set("webhook-id", "msg\xff")), vecBody, vecTime, ErrMalformed},
		{"id over 256 bytes", []string{vecSecret}, vecHeader(set("webhook-id", strings.Repeat("m", 257))), vecBody, vecTime, ErrMalformed},
		{"timestamp over 64 bytes", []string{vecSecret}, vecHeader(set("webhook-timestamp", strings.Repeat("0", 100)+strconv.Itoa(vecTS))), vecBody, vecTime, ErrTimestamp},

		{"rotation, old secret listed first", []string{vecSecret, otherSecret}, vecHeader(nil), vecBody, vecTime, nil},
		{"rotation, old secret listed second", []string{otherSecret, vecSecret}, vecHeader(nil), vecBody, vecTime, nil},
		{"rotation, sender on new secret", []string{vecSecret, otherSecret}, vecHeader(set("webhook-signature", otherSig)), vecBody, vecTime, nil},

		{"no secrets", nil, vecHeader(nil), vecBody, vecTime, ErrBadSecret},
		{"empty secret", []string{""}, vecHeader(nil), vecBody, vecTime, ErrBadSecret},
		{"prefix only", []string{"whsec_"}, vecHeader(nil), vecBody, vecTime, ErrBadSecret},
		{"secret not base64", []string{"whsec_not*base64"}, vecHeader(nil), vecBody, vecTime, ErrBadSecret},
		{"one bad secret of two", []string{vecSecret, "whsec_%%"}, vecHeader(nil), vecBody, vecTime, ErrBadSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := VerifyStandard(tt.secrets, tt.header, []byte(tt.body), tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				if id != vecID {
					t.Errorf("id = %q, want %q", id, vecID)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if id != "" {
				t.Errorf("id = %q on failure, want empty", id)
			}
			assertNoLeak(t, err, vecSecret, otherSecret, sigOnly, strings.TrimPrefix(otherSig, "v1,"))
		})
	}
}

// assertNoLeak fails if err's message quotes any secret (or, for whsec_
// secrets, the key part of it) or an expected signature.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	msg := err.Error()
	for _, s := range secrets {
		for _, part := range []string{s, strings.TrimPrefix(s, "whsec_")} {
			if len(part) >= 4 && strings.Contains(msg, part) {
				t.Errorf("error %q quotes secret material %q", msg, part)
			}
		}
	}
}

// TestSentinelsDistinct guards the mapping the HTTP layer relies on: each
// reason is told apart from the others with errors.Is.
func TestSentinelsDistinct(t *testing.T) {
	all := []error{ErrMissing, ErrMismatch, ErrTimestamp, ErrBadSecret}
	for i, a := range all {
		for j, b := range all {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
	if !errors.Is(ErrUnknownKey, ErrMismatch) {
		t.Error("ErrUnknownKey does not wrap ErrMismatch")
	}
	// A caller that does not single out ErrMalformed still answers 401.
	if !errors.Is(ErrMalformed, ErrMismatch) || errors.Is(ErrMalformed, ErrUnknownKey) {
		t.Error("ErrMalformed does not wrap ErrMismatch alone")
	}
}

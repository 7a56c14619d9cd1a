package signature

import (
	"errors"
	"strings"
	"testing"
)

// epSecret holds a composed "é" (U+00E9) and the "ﬁ" ligature (U+FB01), both
// of which NFKD rewrites: to "e" plus U+0301, and to "fi".
const (
	epSecret = "sécret-ﬁle"
	epBody   = `{"id":"evt_123","description":"tracker.updated"}`
)

// References computed once, outside this package, the way EasyPost's
// Python client does it:
//
//	hmac.new(unicodedata.normalize("NFKD", secret).encode("utf-8"), body, hashlib.sha256).hexdigest()
const (
	epHex = "caff8e8825069bb6c5ca63714c7ee3ebb7251eca13c67d1d10beb40fd346e716"
	// epRawHex is the same MAC keyed with the secret's bytes as typed, i.e.
	// what a verifier that forgot the normalisation would compute.
	epRawHex = "8c199e9344aee20df00a9b5b0f3b674db889cbdbd9b0109ccc554a1a692a8b77"
)

func TestSignEasyPost(t *testing.T) {
	if got, want := SignEasyPost(epSecret, []byte(epBody)), "hmac-sha256-hex="+epHex; got != want {
		t.Errorf("SignEasyPost = %q, want %q", got, want)
	}
}

func TestVerifyEasyPost(t *testing.T) {
	tests := []struct {
		name, secret, header, body string
		want                       error
	}{
		{"valid", epSecret, "hmac-sha256-hex=" + epHex, epBody, nil},
		{"upper-case hex", epSecret, "hmac-sha256-hex=" + strings.ToUpper(epHex), epBody, nil},
		{"upper-case prefix", epSecret, "HMAC-SHA256-HEX=" + epHex, epBody, nil},
		{"surrounding whitespace", epSecret, " hmac-sha256-hex=" + epHex + "\n", epBody, nil},
		// The secret as configured may already be decomposed; it is the
		// same secret and must verify the same.
		{"secret given decomposed", "se\u0301cret-file", "hmac-sha256-hex=" + epHex, epBody, nil},
		// What a verifier without NFKD would expect does not verify.
		{"unnormalised MAC", epSecret, "hmac-sha256-hex=" + epRawHex, epBody, ErrMismatch},
		{"tampered body", epSecret, "hmac-sha256-hex=" + epHex, strings.Replace(epBody, "123", "124", 1), ErrMismatch},
		{"wrong secret", "secret-file", "hmac-sha256-hex=" + epHex, epBody, ErrMismatch},
		{"no prefix", epSecret, epHex, epBody, ErrMismatch},
		{"other algorithm", epSecret, "hmac-sha512-hex=" + epHex, epBody, ErrMismatch},
		{"not hex", epSecret, "hmac-sha256-hex=" + epHex[:62] + "zz", epBody, ErrMismatch},
		{"odd length", epSecret, "hmac-sha256-hex=" + epHex[:63], epBody, ErrMismatch},
		{"truncated", epSecret, "hmac-sha256-hex=" + epHex[:32], epBody, ErrMismatch},
		{"prefix only", epSecret, "hmac-sha256-hex=", epBody, ErrMismatch},
		{"short", epSecret, "hmac", epBody, ErrMismatch},
		{"empty header", epSecret, "", epBody, ErrMissing},
		{"empty secret", "", "hmac-sha256-hex=" + epHex, epBody, ErrBadSecret},
		{"over-long header", epSecret, "hmac-sha256-hex=" + strings.Repeat(epHex, 100), epBody, ErrMalformed},
		{"control character", epSecret, "hmac-sha256-hex=\x00" + epHex, epBody, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyEasyPost([]string{tt.secret}, tt.header, []byte(tt.body))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			assertNoLeak(t, err, epSecret, "se\u0301cret-file", epHex, epRawHex)
		})
	}
}

// TestVerifyEasyPostRotation: during a rotation both the new secret and the
// old one verify; an empty one among them is a configuration error.
func TestVerifyEasyPostRotation(t *testing.T) {
	secrets := []string{"new-secret", epSecret}
	for _, s := range secrets {
		if err := VerifyEasyPost(secrets, SignEasyPost(s, []byte(epBody)), []byte(epBody)); err != nil {
			t.Errorf("signed with %q: %v", s, err)
		}
	}
	if err := VerifyEasyPost(secrets, SignEasyPost("third", []byte(epBody)), []byte(epBody)); !errors.Is(err, ErrMismatch) {
		t.Errorf("signed with neither: err = %v", err)
	}
	for _, bad := range [][]string{nil, {"new-secret", ""}} {
		if err := VerifyEasyPost(bad, SignEasyPost("new-secret", []byte(epBody)), []byte(epBody)); !errors.Is(err, ErrBadSecret) {
			t.Errorf("secrets %q: err = %v, want ErrBadSecret", bad, err)
		}
	}
}

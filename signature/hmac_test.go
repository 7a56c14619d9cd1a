package signature

import (
	"errors"
	"strings"
	"testing"
)

// References computed once, outside this package, with
//
//	printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64
//
// so that these tests do not merely re-run the code under test.
const hmacBody = `{"id":820982911946154508,"topic":"orders/create"}`

var hmacVectors = []struct {
	secret, body, sig string
}{
	{"hush-hush", hmacBody, "S+MMvPUNcCgLyS2RnfgH6jahmY8ty3vrcXFqS/SGK98="},
	{"clé-secrète", hmacBody, "1tnpyVQL7mmlQGhrT80+Pk+4elC0sGkDvV4R3KXdyW8="}, // key is the UTF-8 bytes
	{"hush-hush", "", "H6DRQ1H3FEfhE2yVXSWy09h8EdNKljy18B2B0FkYwow="},
}

func TestSignHMACBase64(t *testing.T) {
	for _, v := range hmacVectors {
		if got := SignHMACBase64(v.secret, []byte(v.body)); got != v.sig {
			t.Errorf("SignHMACBase64(%q, %q) = %q, want %q", v.secret, v.body, got, v.sig)
		}
	}
}

func TestVerifyHMACBase64(t *testing.T) {
	for _, v := range hmacVectors {
		if err := VerifyHMACBase64([]string{v.secret}, v.sig, []byte(v.body)); err != nil {
			t.Errorf("VerifyHMACBase64(%q, %q, %q) = %v", v.secret, v.sig, v.body, err)
		}
	}

	sig := hmacVectors[0].sig
	tests := []struct {
		name, secret, sig, body string
		want                    error
	}{
		{"surrounding whitespace", "hush-hush", " \t" + sig + "\r\n", hmacBody, nil},
		{"tampered body", "hush-hush", sig, hmacBody[:len(hmacBody)-1] + " }", ErrMismatch},
		{"wrong secret", "hush-hush!", sig, hmacBody, ErrMismatch},
		{"secret is not normalised", "cle\u0301-secre\u0300te", hmacVectors[1].sig, hmacBody, ErrMismatch},
		{"hex instead of base64", "hush-hush", "4be30cbcf50d70280bc92d919df807ea", hmacBody, ErrMismatch},
		{"not base64", "hush-hush", "S+MMvPUNcCgLyS2R!!", hmacBody, ErrMismatch},
		{"truncated", "hush-hush", sig[:20], hmacBody, ErrMismatch},
		{"url alphabet", "hush-hush", "S-MMvPUNcCgLyS2RnfgH6jahmY8ty3vrcXFqS_SGK98=", hmacBody, ErrMismatch},
		{"empty signature", "hush-hush", "", hmacBody, ErrMissing},
		{"blank signature", "hush-hush", "   ", hmacBody, ErrMissing},
		{"empty secret", "", sig, hmacBody, ErrBadSecret},
		{"over-long signature", "hush-hush", strings.Repeat(sig, 1000), hmacBody, ErrMalformed},
		{"control character", "hush-hush", sig[:10] + "\x00" + sig[10:], hmacBody, ErrMalformed},
		{"invalid UTF-8", "hush-hush", "\xff" + sig, hmacBody, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyHMACBase64([]string{tt.secret}, tt.sig, []byte(tt.body))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			assertNoLeak(t, err, "hush-hush", sig, hmacVectors[1].sig)
		})
	}
}

// TestVerifyHMACBase64Rotation: during a rotation (Shopify, WooCommerce,
// AfterShip) a body signed with the old secret and one signed with the new
// both verify, and one signed with neither does not.
func TestVerifyHMACBase64Rotation(t *testing.T) {
	secrets := []string{"new secret, with a comma", "hush-hush"}
	for _, s := range secrets {
		if err := VerifyHMACBase64(secrets, SignHMACBase64(s, []byte(hmacBody)), []byte(hmacBody)); err != nil {
			t.Errorf("signed with %q: %v", s, err)
		}
	}
	if err := VerifyHMACBase64(secrets, SignHMACBase64("third", []byte(hmacBody)), []byte(hmacBody)); !errors.Is(err, ErrMismatch) {
		t.Errorf("signed with neither: err = %v", err)
	}
	for _, bad := range [][]string{nil, {}, {"hush-hush", ""}} {
		if err := VerifyHMACBase64(bad, hmacVectors[0].sig, []byte(hmacBody)); !errors.Is(err, ErrBadSecret) {
			t.Errorf("secrets %q: err = %v, want ErrBadSecret", bad, err)
		}
	}
}

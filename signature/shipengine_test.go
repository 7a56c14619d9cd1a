package signature

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKeys returns two RSA keys, generated once per test binary because
// generation is slow.
var testKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// seSign signs body the way ShipEngine does, as far as we know: RSA
// PKCS#1 v1.5 over SHA-256 of "<timestamp header>.<body>", base64.
func seSign(t testing.TB, key *rsa.PrivateKey, kid, ts string, body []byte) http.Header {
	t.Helper()
	d := sha256.Sum256(append([]byte(ts+"."), body...))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("x-shipengine-rsa-sha256-key-id", kid)
	h.Set("x-shipengine-rsa-sha256-signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("x-shipengine-timestamp", ts)
	return h
}

const seBody = `{"resource_type":"API_TRACK","data":{"tracking_number":"1Z999AA10123456784","status_code":"DE"}}`

// An independent vector: a key made with `openssl genrsa 2048`, its public
// half written as a JWK, and a signature made with
//
//	printf '%s' "2026-05-07T10:30:00Z.$seBody" | openssl dgst -sha256 -sign priv.pem | base64 -w0
var opensslVector = struct {
	n, e, ts, sig string
}{
	n:   "zeykw2mcMFA2MkWV7pxBStJNeCQ9d2xtcfmPSY4qpfC7c4ROwCBDJcUpEfxuYxWktHdKSX9UbP-v92c4jP_74GieOM8rtG2cvOv6QTELAzm9TFW5ZHnqpiMEcrVtbgfV-wF2VmG8fdsG3wFgyR0m2UKOWKbfcRFymTtGutxgEQzieGCpb38Xp8fpj1Vqh_FGqgnodJpedldmYYNvZ98fs-pzJULc59WGppITf-zeS3MpfvLBZ5xADOtifUuiLaz8phy682mirBgGDeNLhzVMEY1a4CUcvHY4OAfZriwEsakCZ5P2E1eV6K3uoR3XuoSrbEyNaELX3T4o8GN7UA5cFw",
	e:   "AQAB",
	ts:  "2026-05-07T10:30:00Z",
	sig: "u5FOdOOl+AQB3KpZj6tZ/Zq1akmWdQ+goAMnlBQqsVvkzO9XBY+da9WqFoTRMMNqzUK1EyTNuqwmFWuXx2GJNV+XUnb/GGERbYbIfhclwDQUWvaiDLyaeBw534WT6n1T3FLQyKh1+GMNnullkm9ClziXohdpBbKbFiMu+VI3IvjqwnA+kdxOh77pypSKUXxr9fDHQY4XVWrsFWpm/BLza1XBLsVGCUb6PD92IJp5Vwy1+Gam1VgZIwK9uV2I3C4gFLzcSiJKSYEnk47mOLCb4+tl6aJ5CY5j01tlwrclEonweJ25XI7sHXF5wn3txCHk0wU78FJ0gpOp+Roa0+fO/w==",
}

func TestVerifyShipEngineOpenSSLVector(t *testing.T) {
	pub, err := jwk{Kty: "RSA", Kid: "k", N: opensslVector.n, E: opensslVector.e}.publicKey()
	if err != nil {
		t.Fatal(err)
	}
	keys := StaticKeys{"k": pub}
	h := http.Header{}
	h.Set("X-Shipengine-Rsa-Sha256-Key-Id", "k")
	h.Set("X-Shipengine-Rsa-Sha256-Signature", opensslVector.sig)
	h.Set("X-Shipengine-Timestamp", opensslVector.ts)
	now, _ := time.Parse(time.RFC3339, opensslVector.ts)
	if err := VerifyShipEngine(context.Background(), keys, h, []byte(seBody), now.Add(time.Minute)); err != nil {
		t.Fatalf("openssl vector: %v", err)
	}
	if err := VerifyShipEngine(context.Background(), keys, h, []byte(seBody+" "), now); !errors.Is(err, ErrMismatch) {
		t.Fatalf("openssl vector, tampered: err = %v, want ErrMismatch", err)
	}
}

func TestVerifyShipEngine(t *testing.T) {
	keys := testKeys()
	now := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	ts := now.Format(time.RFC3339)
	set := StaticKeys{"key-1": &keys[0].PublicKey, "key-2": &keys[1].PublicKey}
	body := []byte(seBody)
	valid := seSign(t, keys[0], "key-1", ts, body)
	with := func(k, v string) http.Header {
		h := valid.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	sig := valid.Get("x-shipengine-rsa-sha256-signature")
	rawSig, _ := base64.StdEncoding.DecodeString(sig)

	tests := []struct {
		name   string
		header http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", valid, body, now, nil},
		{"second key", seSign(t, keys[1], "key-2", ts, body), body, now, nil},
		{"fractional seconds", seSign(t, keys[0], "key-1", "2026-05-07T10:30:00.1234567Z", body), body, now, nil},
		{"offset zone", seSign(t, keys[0], "key-1", "2026-05-07T12:30:00+02:00", body), body, now, nil},
		{"no zone", seSign(t, keys[0], "key-1", "2026-05-07T10:30:00.123", body), body, now, nil},
		{"unix seconds", seSign(t, keys[0], "key-1", strconv.FormatInt(now.Unix(), 10), body), body, now, nil},
		{"unix milliseconds", seSign(t, keys[0], "key-1", strconv.FormatInt(now.UnixMilli(), 10), body), body, now, nil},
		{"url-safe unpadded signature", with("x-shipengine-rsa-sha256-signature", base64.RawURLEncoding.EncodeToString(rawSig)), body, now, nil},
		{"empty body", seSign(t, keys[0], "key-1", ts, nil), nil, now, nil},

		{"tampered body", valid, []byte(seBody[:len(seBody)-2] + " }"), now, ErrMismatch},
		{"wrong key id", with("x-shipengine-rsa-sha256-key-id", "key-3"), body, now, ErrUnknownKey},
		{"other known key id", with("x-shipengine-rsa-sha256-key-id", "key-2"), body, now, ErrMismatch},
		{"timestamp re-formatted", with("x-shipengine-timestamp", "2026-05-07T10:30:00.000Z"), body, now, ErrMismatch},
		{"signature over body alone", with("x-shipengine-rsa-sha256-signature", signBodyOnly(t, keys[0], body)), body, now, ErrMismatch},
		{"signature not base64", with("x-shipengine-rsa-sha256-signature", "!!!"), body, now, ErrMismatch},
		{"signature truncated", with("x-shipengine-rsa-sha256-signature", sig[:40]), body, now, ErrMismatch},

		{"old, just inside", valid, body, now.Add(Tolerance), nil},
		{"old, just outside", valid, body, now.Add(Tolerance + time.Second), ErrTimestamp},
		{"future, just inside", valid, body, now.Add(-Tolerance), nil},
		{"future, just outside", valid, body, now.Add(-Tolerance - time.Second), ErrTimestamp},
		{"stale by a day", valid, body, now.Add(24 * time.Hour), ErrTimestamp},
		{"timestamp unparsable", with("x-shipengine-timestamp", "yesterday"), body, now, ErrTimestamp},

		{"no key id", with("x-shipengine-rsa-sha256-key-id", ""), body, now, ErrMissing},
		{"no signature", with("x-shipengine-rsa-sha256-signature", ""), body, now, ErrMissing},
		{"no timestamp", with("x-shipengine-timestamp", ""), body, now, ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyShipEngine(context.Background(), set, tt.header, tt.body, tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// signBodyOnly signs the body without the timestamp, the other scheme
// ShipEngine might plausibly have used; it must not verify.
func signBodyOnly(t *testing.T, key *rsa.PrivateKey, body []byte) string {
	t.Helper()
	d := sha256.Sum256(body)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// failingKeys stands for a key set that cannot be reached.
type failingKeys struct{}

var errOutage = errors.New("JWKS endpoint unreachable")

func (failingKeys) Key(context.Context, string) (*rsa.PublicKey, error) { return nil, errOutage }

func TestVerifyShipEngineKeyOutage(t *testing.T) {
	now := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	h := seSign(t, testKeys()[0], "key-1", now.Format(time.RFC3339), []byte(seBody))
	err := VerifyShipEngine(context.Background(), failingKeys{}, h, []byte(seBody), now)
	if !errors.Is(err, errOutage) {
		t.Fatalf("err = %v, want the key set's error", err)
	}
	// An outage is not the sender's fault: none of the 401 reasons apply.
	for _, e := range []error{ErrMissing, ErrMismatch, ErrTimestamp, ErrBadSecret} {
		if errors.Is(err, e) {
			t.Errorf("outage error %v matches %v", err, e)
		}
	}
}

// TestVerifyShipEngineRefusesBeforeLookup: hostile headers are refused on
// their shape alone, before the key set (a JWKS fetch, possibly) is asked.
// The key set here fails every lookup, so reaching it would show.
func TestVerifyShipEngineRefusesBeforeLookup(t *testing.T) {
	now := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	valid := seSign(t, testKeys()[0], "key-1", now.Format(time.RFC3339), []byte(seBody))
	with := func(k, v string) http.Header {
		h := valid.Clone()
		h.Set(k, v)
		return h
	}
	for name, tt := range map[string]struct {
		h    http.Header
		want error
	}{
		"key id of 100,000 bytes":  {with("x-shipengine-rsa-sha256-key-id", strings.Repeat("k", 100000)), ErrMalformed},
		"key id with a NUL":        {with("x-shipengine-rsa-sha256-key-id", "key\x00-1"), ErrMalformed},
		"key id not UTF-8":         {with("x-shipengine-rsa-sha256-key-id", "key-\xff"), ErrMalformed},
		"signature of 100,000":     {with("x-shipengine-rsa-sha256-signature", strings.Repeat("A", 100000)), ErrMalformed},
		"timestamp of 1,000 bytes": {with("x-shipengine-timestamp", strings.Repeat("1", 1000)), ErrTimestamp},
		"signature not base64":     {with("x-shipengine-rsa-sha256-signature", "!!!"), ErrMismatch},
	} {
		err := VerifyShipEngine(context.Background(), failingKeys{}, tt.h, []byte(seBody), now)
		if !errors.Is(err, tt.want) || errors.Is(err, errOutage) {
			t.Errorf("%s: err = %v, want %v without a lookup", name, err, tt.want)
		}
	}
}

func TestJWKParse(t *testing.T) {
	pub := &testKeys()[0].PublicKey
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		k    jwk
		ok   bool
	}{
		{"rsa", jwk{Kty: "RSA", N: n, E: e}, true},
		{"rsa with use and alg", jwk{Kty: "RSA", Use: "sig", Alg: "RS256", N: n, E: e}, true},
		{"padded base64url", jwk{Kty: "RSA", N: base64.URLEncoding.EncodeToString(pub.N.Bytes()), E: "AQAB"}, true},
		{"leading zero in n", jwk{Kty: "RSA", N: base64.RawURLEncoding.EncodeToString(append([]byte{0}, pub.N.Bytes()...)), E: e}, true},
		{"EC", jwk{Kty: "EC", N: n, E: e}, false},
		{"encryption key", jwk{Kty: "RSA", Use: "enc", N: n, E: e}, false},
		{"other alg", jwk{Kty: "RSA", Alg: "PS256", N: n, E: e}, false},
		{"1024-bit", jwk{Kty: "RSA", N: base64.RawURLEncoding.EncodeToString(small.N.Bytes()), E: e}, false},
		{"n not base64url", jwk{Kty: "RSA", N: "!!", E: e}, false},
		{"n empty", jwk{Kty: "RSA", E: e}, false},
		{"e empty", jwk{Kty: "RSA", N: n}, false},
		{"e even", jwk{Kty: "RSA", N: n, E: "AQAA"}, false},
		{"e one", jwk{Kty: "RSA", N: n, E: "AQ"}, false},
		{"e huge", jwk{Kty: "RSA", N: n, E: "AQAAAAAB"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.k.publicKey()
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(pub) {
				t.Error("parsed key differs from the original")
			}
		})
	}
}

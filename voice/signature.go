package voice

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers the voice platforms sign or authenticate their requests with.
const (
	// HeaderVapiSecret carries the shared secret of a Vapi server (the
	// legacy inline secret, or a Bearer Token credential with that header).
	HeaderVapiSecret = "X-Vapi-Secret"
	// HeaderVapiSignature and HeaderSignature carry a Vapi HMAC credential's
	// signature: the header the credential names, x-vapi-signature as
	// Vapi's guides set it up, or x-signature, Vapi's default.
	HeaderVapiSignature = "X-Vapi-Signature"
	HeaderSignature     = "X-Signature"
	// HeaderTimestamp is the HMAC credential's timestamp header (Vapi's
	// default name); when sent, it is signed as "<timestamp>.<body>".
	HeaderTimestamp = "X-Timestamp"
	// HeaderRetellSignature is Retell's: "v=<unix ms>,d=<hex HMAC-SHA256 of
	// body+timestamp, keyed with the API key>".
	HeaderRetellSignature = "X-Retell-Signature"
)

// signatureTolerance is how far a signed timestamp may be from now, as
// Retell's SDK allows (and Standard Webhooks, docs/reference/outbound-webhooks.md).
const signatureTolerance = 5 * time.Minute

// maxSignatureHeader bounds a signature header: a longer one is refused
// before any hashing.
const maxSignatureHeader = 256

// Why a platform's signature is refused. The messages are safe to answer
// with: they say what is wrong, never what was expected.
var (
	ErrUnsigned     = errors.New("the request is not signed")
	ErrBadSignature = errors.New("the request's signature does not match")
	ErrStale        = errors.New("the request's signed timestamp is more than 5 minutes from now")
)

// VerifyVapi checks a Vapi request against secrets (several during a
// rotation). Vapi authenticates with one credential per server: the
// secret itself in X-Vapi-Secret, or an HMAC-SHA256 signature (hex or
// base64, optionally prefixed "sha256=") in X-Vapi-Signature or
// X-Signature over "<X-Timestamp>.<body>", or over the body when the
// credential sends no timestamp. A timestamp (Unix seconds or
// milliseconds) must be within five minutes of now.
func VerifyVapi(secrets []string, h http.Header, body []byte, now time.Time) error {
	if given := h.Get(HeaderVapiSecret); given != "" {
		g := sha256.Sum256([]byte(given))
		match := 0
		for _, s := range secrets {
			w := sha256.Sum256([]byte(s))
			match |= subtle.ConstantTimeCompare(g[:], w[:])
		}
		if match == 1 {
			return nil
		}
		return ErrBadSignature
	}
	sig := h.Get(HeaderVapiSignature)
	if sig == "" {
		sig = h.Get(HeaderSignature)
	}
	if sig == "" {
		return ErrUnsigned
	}
	if len(sig) > maxSignatureHeader {
		return ErrBadSignature
	}
	mac, ok := decodeMAC(strings.TrimPrefix(strings.TrimSpace(sig), "sha256="))
	if !ok {
		return ErrBadSignature
	}
	var prefix []byte
	if ts := h.Get(HeaderTimestamp); ts != "" {
		t, ok := parseUnix(ts)
		if !ok {
			return ErrBadSignature
		}
		if !within(now, t) {
			return ErrStale
		}
		prefix = []byte(ts + ".")
	}
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write(prefix)
		m.Write(body)
		if hmac.Equal(m.Sum(nil), mac) {
			return nil
		}
	}
	return ErrBadSignature
}

// VerifyRetell checks a Retell request's X-Retell-Signature against keys
// (Retell API keys with the webhook badge; several during a rotation), as
// Retell's SDKs do: "v=<unix ms>,d=<hex>", where the digest is
// HMAC-SHA256 keyed with the API key over the raw body followed by the
// timestamp's digits, and the timestamp is within five minutes of now.
func VerifyRetell(keys []string, header string, body []byte, now time.Time) error {
	if header == "" {
		return ErrUnsigned
	}
	if len(header) > maxSignatureHeader {
		return ErrBadSignature
	}
	v, d, ok := strings.Cut(strings.TrimSpace(header), ",")
	ts, okV := strings.CutPrefix(v, "v=")
	digest, okD := strings.CutPrefix(d, "d=")
	if !ok || !okV || !okD || ts == "" || len(ts) > 16 || strings.Trim(ts, "0123456789") != "" {
		return ErrBadSignature
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !within(now, time.UnixMilli(ms)) {
		return ErrStale
	}
	mac, err := hex.DecodeString(digest)
	if err != nil || len(mac) != sha256.Size {
		return ErrBadSignature
	}
	for _, k := range keys {
		m := hmac.New(sha256.New, []byte(k))
		m.Write(body)
		m.Write([]byte(ts))
		if hmac.Equal(m.Sum(nil), mac) {
			return nil
		}
	}
	return ErrBadSignature
}

// SignRetell is the X-Retell-Signature Retell sends for body at t, for
// tests and local stand-ins.
func SignRetell(key string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	m.Write([]byte(ts))
	return "v=" + ts + ",d=" + hex.EncodeToString(m.Sum(nil))
}

// SignVapi is a Vapi HMAC credential's hex signature of body with the
// timestamp ts ("" for a credential that sends none), for tests and local
// stand-ins.
func SignVapi(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	if ts != "" {
		m.Write([]byte(ts + "."))
	}
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// decodeMAC reads a SHA-256 MAC written in hex or base64 (either
// alphabet, padded or not).
func decodeMAC(s string) ([]byte, bool) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == sha256.Size {
		return b, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}

// parseUnix reads a Unix timestamp in seconds or, when it is too large to
// be seconds of this era, milliseconds.
func parseUnix(s string) (time.Time, bool) {
	if s == "" || len(s) > 16 || strings.Trim(s, "0123456789") != "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if n > 1e11 {
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}

func within(now, t time.Time) bool {
	d := now.Sub(t)
	return d <= signatureTolerance && d >= -signatureTolerance
}

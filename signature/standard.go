package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far a webhook's timestamp may be from our clock, in either
// direction, before it is refused. Five minutes is what the Standard Webhooks
// spec and ShipEngine's docs recommend: wide enough for clock skew and queueing,
// narrow enough that a captured request cannot be replayed much later.
const Tolerance = 5 * time.Minute

// Standard Webhooks header names. http.Header canonicalises them, so a
// receiver finds them whatever case the sender used.
const (
	headerID        = "webhook-id"
	headerTimestamp = "webhook-timestamp"
	headerSignature = "webhook-signature"
)

// secretPrefix marks a Standard Webhooks secret; the base64 key follows it.
const secretPrefix = "whsec_"

// Sign returns the Standard Webhooks signature of body, in the form
// "v1,<base64 HMAC-SHA256>", for a message with id msgID sent at ts. The key
// is the base64 part of secret after "whsec_"; a secret without the prefix is
// taken as bare base64, as the official libraries do. It fails with
// ErrBadSecret when the secret does not decode to a non-empty key.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, msgID, ts.Unix(), body)), nil
}

// Headers returns the three Standard Webhooks headers for a message: its id,
// its timestamp in unix seconds, and one "v1," signature per secret separated
// by spaces. Several secrets let an endpoint's secret be rotated: a receiver
// that knows either the old or the new one accepts the request.
func Headers(secrets []string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret to sign with", ErrBadSecret)
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return nil, fmt.Errorf("secret %d of %d: %w", i+1, len(secrets), err)
		}
		sigs[i] = sig
	}
	h := make(http.Header, 3)
	h.Set(headerID, msgID)
	h.Set(headerTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(headerSignature, strings.Join(sigs, " "))
	return h, nil
}

// VerifyStandard checks a Standard Webhooks request and returns its message
// id, which is also the event id to deduplicate on. body must be the raw
// request body.
//
// The request passes when any "v1" signature in webhook-signature matches
// any of secrets; several secrets let a receiver rotate its secret without
// refusing requests signed with the old one (the sender signs with either),
// and several signatures let a sender rotate its own. Only the first
// maxSignatures (8) signatures of the header are looked at. Signatures of
// other versions are ignored, so a request carrying only those fails with
// ErrMismatch.
//
// A missing webhook-id or webhook-signature is ErrMissing; a webhook-timestamp
// that is missing, not unix seconds, or further than Tolerance from now is
// ErrTimestamp; a secret that is not "whsec_" plus base64 is ErrBadSecret. A
// webhook-id over 256 bytes or a webhook-signature over 1 KiB, or either
// holding a control character or invalid UTF-8, is ErrMalformed. All of that
// is settled before any MAC is computed, and the MACs cost one pass over the
// body per secret, however the headers are built.
func VerifyStandard(secrets []string, h http.Header, body []byte, now time.Time) (msgID string, err error) {
	keys, err := decodeSecrets(secrets)
	if err != nil {
		return "", err
	}
	msgID = h.Get(headerID)
	if msgID == "" {
		return "", fmt.Errorf("%w: no %s header", ErrMissing, headerID)
	}
	if err := checkHeader(headerID, msgID, maxMessageID); err != nil {
		return "", err
	}
	rawTS := h.Get(headerTimestamp)
	if rawTS == "" {
		return "", fmt.Errorf("%w: no %s header", ErrTimestamp, headerTimestamp)
	}
	ts, err := strconv.ParseInt(rawTS, 10, 64)
	if len(rawTS) > maxTimestamp || err != nil {
		return "", fmt.Errorf("%w: %s is not unix seconds", ErrTimestamp, headerTimestamp)
	}
	if !within(now, time.Unix(ts, 0)) {
		return "", fmt.Errorf("%w: %s is more than %v from now", ErrTimestamp, headerTimestamp, Tolerance)
	}
	header := strings.TrimSpace(h.Get(headerSignature))
	if header == "" {
		return "", fmt.Errorf("%w: no %s header", ErrMissing, headerSignature)
	}
	if err := checkHeader(headerSignature, header, maxSignatureHeader); err != nil {
		return "", err
	}
	sigs := v1Signatures(header)
	if len(sigs) == 0 {
		return "", fmt.Errorf("%w: no v1 signature in %s", ErrMismatch, headerSignature)
	}
	for _, k := range keys {
		want := standardMAC(k, msgID, ts, body)
		for _, got := range sigs {
			if hmac.Equal(got, want) {
				return msgID, nil
			}
		}
	}
	return "", fmt.Errorf("%w: no v1 signature in %s matches", ErrMismatch, headerSignature)
}

// v1Signatures decodes the "v1,<base64>" entries among the first
// maxSignatures space-separated entries of a webhook-signature header.
// Entries of another version, or that do not decode to a SHA-256 MAC, prove
// nothing and are skipped; they still count towards the cap.
func v1Signatures(header string) [][]byte {
	var sigs [][]byte
	rest := header
	for seen := 0; rest != "" && seen < maxSignatures; {
		var field string
		field, rest, _ = strings.Cut(rest, " ")
		if field == "" {
			continue // runs of spaces
		}
		seen++
		version, sig, ok := strings.Cut(field, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil || len(got) != sha256.Size {
			continue
		}
		sigs = append(sigs, got)
	}
	return sigs
}

// standardMAC is HMAC-SHA256 of "<id>.<unix ts>.<body>". The timestamp is
// re-formatted from its parsed value, as the official libraries do, so the
// signer and the verifier agree on its bytes.
func standardMAC(key []byte, msgID string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func decodeSecrets(secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret configured", ErrBadSecret)
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, err := decodeSecret(s)
		if err != nil {
			// Refuse outright rather than skip it: a broken secret in a
			// rotation pair would otherwise go unnoticed until the other
			// one is retired.
			return nil, fmt.Errorf("secret %d of %d: %w", i+1, len(secrets), err)
		}
		keys[i] = k
	}
	return keys, nil
}

// decodeSecret turns "whsec_<base64>" (or bare base64) into the HMAC key.
// The decoding error is dropped on purpose: it would quote an offset into
// the secret, which is more than an error message needs to say about it.
func decodeSecret(secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(secret), secretPrefix)
	if b64 == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadSecret)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: not %q followed by base64", ErrBadSecret, secretPrefix)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty key", ErrBadSecret)
	}
	return key, nil
}

// within reports whether t is no further than Tolerance from now. time.Sub
// saturates instead of overflowing, so absurd timestamps fail cleanly.
func within(now, t time.Time) bool {
	d := now.Sub(t)
	return d <= Tolerance && d >= -Tolerance
}

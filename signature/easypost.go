package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// easyPostPrefix starts the X-Hmac-Signature value EasyPost sends.
const easyPostPrefix = "hmac-sha256-hex="

// VerifyEasyPost checks an EasyPost webhook. header is the X-Hmac-Signature
// value, "hmac-sha256-hex=" followed by the hex HMAC-SHA256 of the raw body;
// the key is secret normalised to Unicode NFKD and encoded as UTF-8.
//
// EasyPost's documentation only says to validate with its client libraries'
// validate_webhook. What those do was read from their source: easypost-go's
// Client.ValidateWebhook computes norm.NFKD.String(secret) as the key, hex
// encodes the MAC, prepends "hmac-sha256-hex=" and compares with hmac.Equal;
// the Python, Ruby and Node clients do the same with their own NFKD
// normalisation. Without the normalisation a secret with, say, a composed "é"
// or a ligature would never verify. Upper-case hex is accepted too, since
// the comparison is over the decoded bytes.
//
// The request passes when the signature matches under any of secrets: during
// a rotation, the new secret and the old one. An empty header is ErrMissing;
// one over 128 bytes or holding a control character is ErrMalformed; no
// secret or an empty one is ErrBadSecret; anything else that does not verify
// is ErrMismatch.
func VerifyEasyPost(secrets []string, header string, body []byte) error {
	if err := checkSecrets(secrets); err != nil {
		return err
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("%w: no X-Hmac-Signature", ErrMissing)
	}
	if err := checkHeader("X-Hmac-Signature", header, maxMACHeader); err != nil {
		return err
	}
	if len(header) < len(easyPostPrefix) || !strings.EqualFold(header[:len(easyPostPrefix)], easyPostPrefix) {
		return fmt.Errorf("%w: X-Hmac-Signature does not start with %q", ErrMismatch, easyPostPrefix)
	}
	got, err := hex.DecodeString(header[len(easyPostPrefix):])
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: X-Hmac-Signature is not the hex of a SHA-256 MAC", ErrMismatch)
	}
	for _, s := range secrets {
		if hmac.Equal(got, easyPostMAC(s, body)) {
			return nil
		}
	}
	return fmt.Errorf("%w: X-Hmac-Signature", ErrMismatch)
}

// SignEasyPost returns the X-Hmac-Signature value EasyPost would send for
// body. It exists for tests and for local tools that replay EasyPost
// webhooks against a running shipflow.
func SignEasyPost(secret string, body []byte) string {
	return easyPostPrefix + hex.EncodeToString(easyPostMAC(secret, body))
}

func easyPostMAC(secret string, body []byte) []byte {
	return bodyMAC([]byte(norm.NFKD.String(secret)), body)
}

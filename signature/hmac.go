package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// VerifyHMACBase64 checks the scheme Shopify (X-Shopify-Hmac-Sha256),
// WooCommerce (X-WC-Webhook-Signature) and AfterShip (aftership-hmac-sha256)
// share: signature is the standard base64 of HMAC-SHA256 over the raw body,
// keyed with the secret's UTF-8 bytes. Surrounding whitespace in signature
// is ignored, since proxies and copy-paste add it.
//
// An empty signature is ErrMissing and any other failure ErrMismatch. An
// empty secret is ErrBadSecret: anyone can compute a MAC under the empty
// key, so accepting it would accept everything.
func VerifyHMACBase64(secret, signature string, body []byte) error {
	if secret == "" {
		return fmt.Errorf("%w: empty", ErrBadSecret)
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return fmt.Errorf("%w: no HMAC signature", ErrMissing)
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: HMAC signature is not base64", ErrMismatch)
	}
	if !hmac.Equal(got, bodyMAC([]byte(secret), body)) {
		return fmt.Errorf("%w: HMAC of body", ErrMismatch)
	}
	return nil
}

// SignHMACBase64 returns the signature VerifyHMACBase64 accepts, the way
// Shopify, WooCommerce and AfterShip compute it. It exists for tests and for
// local tools that replay those webhooks against a running shipflow.
func SignHMACBase64(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(bodyMAC([]byte(secret), body))
}

// bodyMAC is HMAC-SHA256 of body under key.
func bodyMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

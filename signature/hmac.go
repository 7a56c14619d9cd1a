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
// keyed with the secret's UTF-8 bytes. The request passes when the signature
// matches under any of secrets: during a rotation, the new secret and the
// old one. Surrounding whitespace in signature is ignored, since proxies and
// copy-paste add it.
//
// An empty signature is ErrMissing; one over 128 bytes, or holding a control
// character, is ErrMalformed and costs no MAC; any other failure is
// ErrMismatch. No secret, or an empty one, is ErrBadSecret: anyone can
// compute a MAC under the empty key, so accepting it would accept everything.
func VerifyHMACBase64(secrets []string, signature string, body []byte) error {
	if err := checkSecrets(secrets); err != nil {
		return err
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return fmt.Errorf("%w: no HMAC signature", ErrMissing)
	}
	if err := checkHeader("HMAC signature", signature, maxMACHeader); err != nil {
		return err
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: HMAC signature is not base64 of a SHA-256 MAC", ErrMismatch)
	}
	for _, s := range secrets {
		if hmac.Equal(got, bodyMAC([]byte(s), body)) {
			return nil
		}
	}
	return fmt.Errorf("%w: HMAC of body", ErrMismatch)
}

// checkSecrets refuses an empty list of secrets, or one holding an empty
// secret, with ErrBadSecret: a broken secret in a rotation pair would
// otherwise go unnoticed until the other one is retired.
func checkSecrets(secrets []string) error {
	if len(secrets) == 0 {
		return fmt.Errorf("%w: no secret configured", ErrBadSecret)
	}
	for i, s := range secrets {
		if s == "" {
			return fmt.Errorf("%w: secret %d of %d is empty", ErrBadSecret, i+1, len(secrets))
		}
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

// Package tracklink makes the links customers follow to their order's tracking page. The token
// is an HMAC of the order id under a deployment secret: unguessable, stable across replicas
// and restarts, and needing no storage to create.
package tracklink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Token is the tracking-page token of orderID; empty when no secret is configured.
func Token(secret, orderID string) string {
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(orderID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// URL is the tracking page of orderID under base (SHIPFLOW_PUBLIC_URL); empty without a secret.
func URL(base, secret, orderID string) string {
	t := Token(secret, orderID)
	if t == "" {
		return ""
	}
	return base + "/track/" + t
}

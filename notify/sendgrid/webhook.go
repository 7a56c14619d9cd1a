package sendgrid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Headers of SendGrid's Signed Event Webhook.
const (
	SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// ParsePublicKey reads the Event Webhook verification key as SendGrid's settings show it:
// base64 of a DER (PKIX) ECDSA P-256 public key. A PEM block is accepted too, since the key is
// often pasted that way.
func ParsePublicKey(base64DER string) (*ecdsa.PublicKey, error) {
	s := strings.TrimSpace(base64DER)
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("sendgrid: event webhook public key is not base64: %w", err)
		}
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: event webhook public key: %w", err)
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("sendgrid: event webhook public key is not an ECDSA P-256 key")
	}
	return ec, nil
}

// VerifyEventWebhook reports whether signature (the SignatureHeader, a base64 ASN.1 ECDSA
// signature) was made by SendGrid's key over timestamp (the TimestampHeader) followed by the
// raw request body, hashed with SHA-256. body must be the bytes as received, before any
// parsing. Replay protection (rejecting an old timestamp) is the caller's choice of window.
func VerifyEventWebhook(publicKey *ecdsa.PublicKey, signature, timestamp string, body []byte) bool {
	if publicKey == nil || signature == "" || timestamp == "" {
		return false
	}
	// Strict: lenient decoding ignores the bits after the last byte, so several header texts
	// would carry one signature; SendGrid writes canonical base64.
	sig, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return false
	}
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write(body)
	return ecdsa.VerifyASN1(publicKey, h.Sum(nil), sig)
}

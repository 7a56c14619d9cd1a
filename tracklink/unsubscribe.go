package tracklink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// unsubscribeDomain keeps unsubscribe tokens apart from tracking tokens made with the same
// secret: no order id holds a NUL, so no tracking token is an unsubscribe token.
const unsubscribeDomain = "unsubscribe\x00"

// UnsubscribeToken is the token of the link that ends email for the address one message went
// to. It carries the message's key (the notification log finds the address by it, so the link
// does not hold the address) and an HMAC of it; empty without a secret.
func UnsubscribeToken(secret, messageKey string) string {
	if secret == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(messageKey)) + "." + unsubscribeMAC(secret, messageKey)
}

// UnsubscribeURL is the unsubscribe link of a message under base (SHIPFLOW_PUBLIC_URL); empty
// without a secret.
func UnsubscribeURL(base, secret, messageKey string) string {
	t := UnsubscribeToken(secret, messageKey)
	if t == "" {
		return ""
	}
	return base + "/unsubscribe/" + t
}

// UnsubscribeKey checks token and returns the message key it carries.
func UnsubscribeKey(secret, token string) (string, bool) {
	enc, mac, ok := strings.Cut(token, ".")
	if secret == "" || !ok || len(token) > 1024 {
		return "", false
	}
	// One token per key: the decoder skips CR and LF and ignores spare bits, so only the
	// canonical encoding of what it decoded is taken.
	key, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || base64.RawURLEncoding.EncodeToString(key) != enc ||
		!hmac.Equal([]byte(mac), []byte(unsubscribeMAC(secret, string(key)))) {
		return "", false
	}
	return string(key), true
}

func unsubscribeMAC(secret, key string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(unsubscribeDomain + key))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

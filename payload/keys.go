package payload

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is AES-256's key length in bytes.
const KeySize = 32

// maxKeyIDLen bounds a key id: it travels in every payload's metadata.
const maxKeyIDLen = 64

// Key is one payload encryption key and the id that names it in payloads' metadata.
type Key struct {
	ID     string
	secret []byte
}

// String keeps the secret out of logs and error messages.
func (k Key) String() string { return "payload key " + k.ID }

// Keys are the payload keys, the sealing one first.
type Keys []Key

// NewKey is a key from its id and 32 raw bytes.
func NewKey(id string, secret []byte) (Key, error) {
	if err := checkKeyID(id); err != nil {
		return Key{}, err
	}
	if len(secret) != KeySize {
		return Key{}, fmt.Errorf("key %s is %d bytes; AES-256 needs %d", id, len(secret), KeySize)
	}
	return Key{ID: id, secret: append([]byte(nil), secret...)}, nil
}

// ParseKeys reads "id:base64key,id:base64key" (standard or URL base64, padded or not). An
// empty string is no keys. Errors name the key by position and id, never by its bytes.
func ParseKeys(s string) (Keys, error) {
	var keys Keys
	seen := map[string]bool{}
	for i, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		id, b64, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("key %d is not id:base64key", i+1)
		}
		id = strings.TrimSpace(id)
		secret, err := decodeBase64(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("key %d (%q): not valid base64", i+1, id)
		}
		k, err := NewKey(id, secret)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		seen[id] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// checkKeyID admits letters, digits, '-', '_' and '.': an id is metadata, and shows in logs
// and error messages.
func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen {
		return fmt.Errorf("key id %q must be 1 to %d characters", id, maxKeyIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("key id %q may hold only letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

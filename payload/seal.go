package payload

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealed text: the codec's keys also seal the secrets shipflow keeps in Postgres (a
// connector's credentials), with the same AES-256-GCM as payloads, so a database dump or
// backup holds no usable credential. SHIPFLOW_SECRET_KEYS are those keys; they are kept apart
// from SHIPFLOW_PAYLOAD_KEYS, whose payloads a Temporal UI codec server must be able to open.

// sealedPrefix starts every sealed text, and names the format's version.
const sealedPrefix = "sf1:"

// ErrNoKeys: there is nothing to seal or open secrets with (SHIPFLOW_SECRET_KEYS is empty).
var ErrNoKeys = errors.New("no keys to seal secrets with: set SHIPFLOW_SECRET_KEYS")

// SealText seals plain for storage as text: "sf1:<key id>:<base64url of nonce and
// ciphertext>". label is the additional data, which opening must give again: what the secret
// is for (a column), so that a sealed value copied into another column does not open.
func (c *Codec) SealText(plain []byte, label string) (string, error) {
	if c == nil {
		return "", ErrNoKeys
	}
	aead := c.seal.aead
	sealed := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := c.random(sealed); err != nil {
		return "", fmt.Errorf("seal %s: nonce: %w", label, err)
	}
	sealed = aead.Seal(sealed, sealed, plain, []byte(c.seal.id+":"+label))
	return sealedPrefix + c.seal.id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// OpenText opens what SealText sealed with label, with whichever of the keys sealed it.
func (c *Codec) OpenText(text, label string) ([]byte, error) {
	if c == nil {
		return nil, ErrNoKeys
	}
	rest, ok := strings.CutPrefix(text, sealedPrefix)
	id, b64, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return nil, fmt.Errorf("open %s: not a sealed value", label)
	}
	k, found := c.byID[id]
	if !found {
		return nil, fmt.Errorf("open %s: key id %q is not among SHIPFLOW_SECRET_KEYS", label, id)
	}
	data, err := base64.RawURLEncoding.Strict().DecodeString(b64) // one spelling per value
	n := k.aead.NonceSize()
	if err != nil || len(data) < n+k.aead.Overhead() {
		return nil, fmt.Errorf("open %s with key %s: malformed", label, id)
	}
	plain, err := k.aead.Open(nil, data[:n], data[n:], []byte(id+":"+label))
	if err != nil {
		return nil, fmt.Errorf("open %s with key %s: %w", label, id, err)
	}
	return plain, nil
}

// IsSealed reports whether text has the form SealText gives (it may still not open): a value
// stored before its column was sealed has not.
func IsSealed(text string) bool { return strings.HasPrefix(text, sealedPrefix) }

// Reseal is text as it should be stored now: sealed with the first key. A clear value (not
// IsSealed) is sealed; a value sealed with another of the keys is opened and sealed again; one
// sealed with the first key already is returned as it is, with changed false. That is how a
// key is rotated: put a new key first, reseal every stored value, then drop the old key.
func (c *Codec) Reseal(text, label string) (sealed string, changed bool, err error) {
	if c == nil {
		return "", false, ErrNoKeys
	}
	if !IsSealed(text) {
		s, err := c.SealText([]byte(text), label)
		return s, err == nil, err
	}
	if strings.HasPrefix(text, sealedPrefix+c.seal.id+":") {
		return text, false, nil
	}
	plain, err := c.OpenText(text, label)
	if err != nil {
		return "", false, err
	}
	s, err := c.SealText(plain, label)
	return s, err == nil, err
}

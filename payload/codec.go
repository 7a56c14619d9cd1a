// Package payload owns what shipflow's Temporal payloads look like at rest: every workflow
// input, result, signal, update, query answer and memo is sealed with AES-256-GCM before it
// leaves the process, so a Temporal cluster (or anyone who can read its database) never holds
// a customer's name, email, phone or address in clear text.
package payload

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of a sealed payload. The encoding value is the one Temporal's samples and the other
// SDKs use for encrypted payloads, so the Temporal UI shows it for what it is.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// Codec seals payloads with the first of its keys and opens them with any of them, so a key
// is rotated by putting a new one first and keeping the old one until no history needs it.
type Codec struct {
	seal   key
	byID   map[string]key
	random func([]byte) (int, error)
}

type key struct {
	id   string
	aead cipher.AEAD
}

// NewCodec is a codec over keys, the first of which seals.
func NewCodec(keys Keys) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("payload codec: no keys")
	}
	c := &Codec{byID: make(map[string]key, len(keys)), random: rand.Read}
	for i, k := range keys {
		block, err := aes.NewCipher(k.secret)
		if err != nil {
			return nil, fmt.Errorf("payload codec: key %s: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("payload codec: key %s: %w", k.ID, err)
		}
		c.byID[k.ID] = key{id: k.ID, aead: aead}
		if i == 0 {
			c.seal = c.byID[k.ID]
		}
	}
	return c, nil
}

// DataConverter is the data converter of every shipflow client: the SDK's default one, its
// payloads sealed by a codec over keys; with no keys, the default one as it is.
func DataConverter(keys Keys) (converter.DataConverter, error) {
	if len(keys) == 0 {
		return converter.GetDefaultDataConverter(), nil
	}
	c, err := NewCodec(keys)
	if err != nil {
		return nil, err
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c), nil
}

// Encode seals each payload whole (metadata and data), so not even its encoding shows.
func (c *Codec) Encode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		aead := c.seal.aead
		sealed := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := c.random(sealed); err != nil {
			return nil, fmt.Errorf("encrypt payload: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(c.seal.id),
			},
			// The key id is the additional data: a payload relabelled to another key fails.
			Data: aead.Seal(sealed, sealed, plain, []byte(c.seal.id)),
		}
	}
	return out, nil
}

// Decode opens sealed payloads and passes any other through untouched: histories written
// before the codec was switched on must still replay and read.
func (c *Codec) Decode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		k, ok := c.byID[id]
		if !ok {
			return nil, fmt.Errorf("decrypt payload: key id %q is not among SHIPFLOW_PAYLOAD_KEYS", id)
		}
		data, n := p.GetData(), k.aead.NonceSize()
		if len(data) < n+k.aead.Overhead() {
			return nil, fmt.Errorf("decrypt payload with key %s: ciphertext too short", id)
		}
		plain, err := k.aead.Open(nil, data[:n], data[n:], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with key %s: %w", id, err)
		}
		var opened commonpb.Payload
		if err := proto.Unmarshal(plain, &opened); err != nil {
			return nil, fmt.Errorf("decrypt payload with key %s: %w", id, err)
		}
		out[i] = &opened
	}
	return out, nil
}

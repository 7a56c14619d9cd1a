package testenv

import (
	"bytes"
	"testing"

	"github.com/shipflow/shipflow/payload"
)

// SecretCodec is a key ring of one fixed test key, as SHIPFLOW_SECRET_KEYS makes one: it seals
// and opens connectors' credentials in tests. Every call gives the same key, so what one part
// of a test sealed another opens.
func SecretCodec(t testing.TB) *payload.Codec {
	t.Helper()
	k, err := payload.NewKey("test", bytes.Repeat([]byte{7}, payload.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c, err := payload.NewCodec(payload.Keys{k})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

package payload

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

func testKey(t testing.TB, id string) Key {
	t.Helper()
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	k, err := NewKey(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testCodec(t testing.TB, keys ...Key) *Codec {
	t.Helper()
	c, err := NewCodec(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type customer struct{ Name, Email, Phone string }

var alice = customer{"Alice Example", "alice@example.com", "+37060000001"}

func TestRoundTripHidesTheValue(t *testing.T) {
	dc, err := DataConverter(Keys{testKey(t, "k1")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := dc.ToPayload(alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Metadata[converter.MetadataEncoding]); got != EncodingEncrypted {
		t.Fatalf("encoding = %q, want %q", got, EncodingEncrypted)
	}
	if got := string(p.Metadata[MetadataKeyID]); got != "k1" {
		t.Fatalf("key id = %q, want k1", got)
	}
	raw, _ := proto.Marshal(p)
	for _, s := range []string{alice.Name, alice.Email, alice.Phone, "json/plain"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("sealed payload holds %q in clear text", s)
		}
	}
	var back customer
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back != alice {
		t.Fatalf("round trip = %+v, want %+v", back, alice)
	}
}

func TestRotation(t *testing.T) {
	old, next := testKey(t, "2025-01"), testKey(t, "2026-01")
	sealedOld, err := testCodec(t, old).Encode([]*commonpb.Payload{plain(t, alice)})
	if err != nil {
		t.Fatal(err)
	}
	rotated := testCodec(t, next, old)

	// The new key seals...
	sealedNew, err := rotated.Encode([]*commonpb.Payload{plain(t, alice)})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(sealedNew[0].Metadata[MetadataKeyID]); got != "2026-01" {
		t.Fatalf("rotated codec seals with %q, want 2026-01", got)
	}
	// ...and both open.
	for _, sealed := range [][]*commonpb.Payload{sealedOld, sealedNew} {
		opened, err := rotated.Decode(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(opened[0], plain(t, alice)) {
			t.Fatalf("opened %v", opened[0])
		}
	}
	// A codec that dropped the old key cannot open what it sealed, and says which key is missing.
	_, err = testCodec(t, next).Decode(sealedOld)
	if err == nil || !strings.Contains(err.Error(), `"2025-01"`) {
		t.Fatalf("decode with the key gone: err = %v, want one naming key 2025-01", err)
	}
}

func TestTamperedPayloadsAreRefused(t *testing.T) {
	k := testKey(t, "k1")
	c := testCodec(t, k, testKey(t, "k2"))
	for name, tamper := range map[string]func(p *commonpb.Payload){
		"flipped byte": func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 },
		"truncated":    func(p *commonpb.Payload) { p.Data = p.Data[:10] },
		"relabelled":   func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("k2") },
		"empty":        func(p *commonpb.Payload) { p.Data = nil },
	} {
		t.Run(name, func(t *testing.T) {
			sealed, err := c.Encode([]*commonpb.Payload{plain(t, alice)})
			if err != nil {
				t.Fatal(err)
			}
			tamper(sealed[0])
			if _, err := c.Decode(sealed); err == nil {
				t.Fatal("tampered payload decoded")
			}
		})
	}
}

func TestUnencryptedPayloadsPassThrough(t *testing.T) {
	c := testCodec(t, testKey(t, "k1"))
	in := []*commonpb.Payload{plain(t, alice), {Metadata: map[string][]byte{converter.MetadataEncoding: []byte("binary/null")}}, {}}
	out, err := c.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !proto.Equal(in[i], out[i]) {
			t.Errorf("payload %d changed: %v -> %v", i, in[i], out[i])
		}
	}
}

func TestNoKeysIsTheDefaultConverter(t *testing.T) {
	dc, err := DataConverter(nil)
	if err != nil {
		t.Fatal(err)
	}
	if dc != converter.GetDefaultDataConverter() {
		t.Fatal("no keys should leave payloads as the SDK writes them")
	}
}

func TestParseKeys(t *testing.T) {
	b := make([]byte, KeySize)
	good := base64.StdEncoding.EncodeToString(b)
	keys, err := ParseKeys(" new:" + good + " , old:" + base64.RawURLEncoding.EncodeToString(b) + ",")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "new" || keys[1].ID != "old" {
		t.Fatalf("keys = %v", keys)
	}
	if keys, err := ParseKeys(""); err != nil || len(keys) != 0 {
		t.Fatalf("empty: %v %v", keys, err)
	}
	short := base64.StdEncoding.EncodeToString(b[:16])
	for in, want := range map[string]string{
		good:                                 "not id:base64key",
		"k1:!!!":                             "not valid base64",
		"k1:" + short:                        "16 bytes",
		"k1:" + good + ",k1:" + good:         "appears twice",
		"bad id:" + good:                     "only letters",
		":" + good:                           "1 to 64",
		strings.Repeat("x", 65) + ":" + good: "1 to 64",
	} {
		_, err := ParseKeys(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeys(%.20q...) = %v, want an error with %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), good) {
			t.Errorf("error %q shows the key", err)
		}
	}
	if s := keys[0].String(); strings.Contains(s, good) {
		t.Errorf("Key.String shows the secret: %s", s)
	}
}

func plain(t testing.TB, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzDecode feeds the decode path (what the codec server's /decode route takes from anyone
// holding the admin token, and what replay reads from history) arbitrary payloads: it must
// return an error or payloads, never panic.
func FuzzDecode(f *testing.F) {
	k := testKey(f, "k1")
	c := testCodec(f, k)
	sealed, err := c.Encode([]*commonpb.Payload{plain(f, alice)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("k1", sealed[0].Data)
	f.Add("k1", []byte{})
	f.Add("k2", sealed[0].Data)
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		p := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(id)}, Data: data}
		out, err := c.Decode([]*commonpb.Payload{p})
		if err == nil && len(out) != 1 {
			t.Fatalf("decode gave %d payloads for 1", len(out))
		}
	})
}

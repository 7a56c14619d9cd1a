package payload

import (
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// BenchmarkCodec measures what sealing costs a payload the size of an order's start input
// (about 1 KiB of JSON) and of a large timeline (about 64 KiB), against the SDK's JSON alone.
func BenchmarkCodec(b *testing.B) {
	dc, err := DataConverter(Keys{testKey(b, "k1")})
	if err != nil {
		b.Fatal(err)
	}
	plainDC := converter.GetDefaultDataConverter()
	for _, size := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}} {
		v := map[string]string{"customer": alice.Email, "pad": strings.Repeat("x", size.n)}
		for _, c := range []struct {
			name string
			dc   converter.DataConverter
		}{{"json", plainDC}, {"sealed", dc}} {
			b.Run(size.name+"/"+c.name+"/round_trip", func(b *testing.B) {
				b.SetBytes(int64(size.n))
				var p *commonpb.Payload
				for b.Loop() {
					if p, err = c.dc.ToPayload(v); err != nil {
						b.Fatal(err)
					}
					var back map[string]string
					if err := c.dc.FromPayload(p, &back); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

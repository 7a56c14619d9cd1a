package estimate

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseTransit: SHIPFLOW_ESTIMATE_TRANSIT_DAYS never panics, and what it accepts is keys
// of printable ASCII within the limits.
func FuzzParseTransit(f *testing.F) {
	for _, s := range []string{"", "dpd=2", "dpd:LT=1,*=3", "dhl_express/express:de=1", "a=b", "x\x00=1", "dpd=999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTransit(s)
		if err != nil {
			return
		}
		if len(tr) > MaxTransitRules {
			t.Fatalf("%d rules", len(tr))
		}
		for k, n := range tr {
			if n < 0 || n > MaxTransitDays || len(k) > maxTransitKey {
				t.Fatalf("rule %q=%d outside the limits", k, n)
			}
			if strings.IndexFunc(k, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) }) >= 0 {
				t.Fatalf("key %q is not printable ASCII", k)
			}
		}
	})
}

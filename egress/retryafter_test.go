package egress

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

var arrived = time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		v    string
		wait time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"007", 7 * time.Second, true},
		{"86400", MaxRetryAfter, true},
		{"86401", MaxRetryAfter, true},
		{"99999999999999999999999999", MaxRetryAfter, true}, // past int64: capped, not refused
		{"+5", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"1 2", 0, false},
		{"0x10", 0, false},
		{"١٢", 0, false}, // Arabic-Indic digits are not ASCII digits
		{"soon", 0, false},
		{"Thu, 07 May 2026 10:01:30 GMT", 90 * time.Second, true},   // IMF-fixdate
		{"Thursday, 07-May-26 10:00:05 GMT", 5 * time.Second, true}, // RFC 850
		{"Thu May  7 10:02:00 2026", 2 * time.Minute, true},         // ANSI C asctime
		{"Thu, 07 May 2026 09:00:00 GMT", 0, true},                  // past: now
		{"Fri, 07 May 2027 10:00:00 GMT", MaxRetryAfter, true},      // a year on: capped
		{"Thu, 07 May 2026 10:01:30 +0000", 0, false},               // numeric zone is not HTTP-date
		{"Thu, 07 May 2026 10:01:30 GMT trailing", 0, false},
	}
	for _, tt := range tests {
		wait, ok := RetryAfter(tt.v, arrived)
		if wait != tt.wait || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %s, %v; want %s, %v", tt.v, wait, ok, tt.wait, tt.ok)
		}
	}
}

// FuzzRetryAfter: any header value gives a wait within [0, MaxRetryAfter], nothing for
// something that is neither delay-seconds nor an HTTP-date, and whatever delay-seconds says
// (capped) when it is one.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "1.5", "99999999999999999999", "Thu, 07 May 2026 10:01:30 GMT", "Thu May  7 10:02:00 2026", "\x00", " 7\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		wait, ok := RetryAfter(v, arrived)
		if wait < 0 || wait > MaxRetryAfter || (!ok && wait != 0) {
			t.Fatalf("RetryAfter(%q) = %s, %v", v, wait, ok)
		}
		s := strings.TrimSpace(v)
		_, dateErr := http.ParseTime(s)
		if ok != (digits(s) || dateErr == nil) {
			t.Fatalf("RetryAfter(%q) ok = %v; digits %v, date error %v", v, ok, digits(s), dateErr)
		}
		if digits(s) && len(s) < 6 {
			var n int
			for _, c := range s {
				n = n*10 + int(c-'0')
			}
			if want := min(time.Duration(n)*time.Second, MaxRetryAfter); wait != want {
				t.Fatalf("RetryAfter(%q) = %s, want %s", v, wait, want)
			}
		}
	})
}

package order_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestQuietHoursWait(t *testing.T) {
	night := order.QuietHours{Start: 21 * 60, End: 8 * 60}
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name string
		q    order.QuietHours
		now  time.Time
		tz   string
		want time.Duration
	}{
		{"afternoon in Vilnius", night, utc("2026-05-07T12:00:00Z"), "Europe/Vilnius", 0},
		{"23:00 in Vilnius waits until 08:00", night, utc("2026-05-07T20:00:00Z"), "Europe/Vilnius", 9 * time.Hour},
		{"03:30 in Vilnius waits until 08:00", night, utc("2026-05-07T00:30:00Z"), "Europe/Vilnius", 4*time.Hour + 30*time.Minute},
		{"20:59 is not quiet yet", night, utc("2026-05-07T17:59:00Z"), "Europe/Vilnius", 0},
		{"08:00 is not quiet any more", night, utc("2026-05-07T05:00:00Z"), "Europe/Vilnius", 0},
		{"unknown zone is UTC", night, utc("2026-05-07T22:00:00Z"), "Mars/Olympus", 10 * time.Hour},
		{"no quiet hours", order.QuietHours{}, utc("2026-05-07T22:00:00Z"), "UTC", 0},
		{"daytime window", order.QuietHours{Start: 12 * 60, End: 13 * 60}, utc("2026-05-07T12:15:00Z"), "UTC", 45 * time.Minute},
		{"DST night in Vilnius", night, utc("2026-03-28T23:00:00Z"), "Europe/Vilnius", 6 * time.Hour}, // 01:00 EET; 08:00 EEST is 05:00Z
	}
	for _, tt := range tests {
		if got := tt.q.Wait(tt.now, tt.tz); got != tt.want {
			t.Errorf("%s: wait %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseQuietHours(t *testing.T) {
	if q, err := order.ParseQuietHours("21:00-08:00"); err != nil || q != (order.QuietHours{Start: 1260, End: 480}) {
		t.Errorf("21:00-08:00: %+v %v", q, err)
	}
	if q, err := order.ParseQuietHours("off"); err != nil || q != (order.QuietHours{}) {
		t.Errorf("off: %+v %v", q, err)
	}
	for _, bad := range []string{"", "21-08", "25:00-08:00", "21:00-08:61", "nine to five"} {
		if _, err := order.ParseQuietHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

package outbound

import (
	"math"
	"testing"
	"time"
)

func fixed(v float64) func() float64 { return func() float64 { return v } }

func TestNextDelay(t *testing.T) {
	const below1 = 0.999999999
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		jitter     func() float64
		want       time.Duration
		ok         bool
	}{
		{"not yet attempted", 0, 0, fixed(0.5), 0, true},
		{"after 1st", 1, 0, fixed(0), 5 * time.Second, true},
		{"after 2nd", 2, 0, fixed(0), 5 * time.Minute, true},
		{"after 3rd", 3, 0, fixed(0), 30 * time.Minute, true},
		{"after 4th", 4, 0, fixed(0), 2 * time.Hour, true},
		{"after 5th", 5, 0, fixed(0), 5 * time.Hour, true},
		{"after 6th", 6, 0, fixed(0), 10 * time.Hour, true},
		{"after 7th", 7, 0, fixed(0), 10 * time.Hour, true},
		{"after 8th: exhausted", 8, 0, fixed(0), 0, false},
		{"after 9th: exhausted", 9, time.Hour, fixed(0), 0, false},

		{"half jitter", 1, 0, fixed(0.5), 5500 * time.Millisecond, true},
		{"full jitter", 6, 0, fixed(below1), 12*time.Hour - 7200*time.Nanosecond, true},
		{"nil jitter", 2, 0, nil, 5 * time.Minute, true},
		{"negative jitter clamped", 2, 0, fixed(-3), 5 * time.Minute, true},
		{"NaN jitter clamped", 2, 0, fixed(math.NaN()), 5 * time.Minute, true},
		{"jitter above 1 clamped", 2, 0, fixed(7), 6 * time.Minute, true},

		{"Retry-After lengthens", 1, 30 * time.Second, fixed(0), 30 * time.Second, true},
		{"Retry-After capped at next slot", 1, time.Hour, fixed(0), 5 * time.Minute, true},
		{"Retry-After at the cap", 3, 2 * time.Hour, fixed(0), 2 * time.Hour, true},
		{"Retry-After never shortens", 2, time.Second, fixed(0), 5 * time.Minute, true},
		{"Retry-After jittered too", 1, 30 * time.Second, fixed(0.5), 33 * time.Second, true},
		{"Retry-After on last retry capped at 10h", 7, 48 * time.Hour, fixed(0), 10 * time.Hour, true},
		{"huge Retry-After", 4, math.MaxInt64, fixed(0), 5 * time.Hour, true},
		{"negative Retry-After", 4, -time.Hour, fixed(0), 2 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := NextDelay(tt.attempt, tt.retryAfter, tt.jitter)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: NextDelay(%d, %v) = %v, %v; want %v, %v", tt.name, tt.attempt, tt.retryAfter, got, ok, tt.want, tt.ok)
		}
	}
}

// TestNextDelayJitterBounds checks the documented "up to 20% jitter" (docs/reference/outbound-webhooks.md) over
// the whole schedule: never earlier than scheduled, never 20% or more later.
func TestNextDelayJitterBounds(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	if MaxAttempts != len(want)+1 {
		t.Fatalf("MaxAttempts = %d, want %d", MaxAttempts, len(want)+1)
	}
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		d := want[attempt-1]
		for j := 0.0; j < 1; j += 0.01 {
			got, ok := NextDelay(attempt, 0, fixed(j))
			if !ok || got < d || float64(got) >= 1.2*float64(d) {
				t.Errorf("NextDelay(%d, 0, %.2f) = %v, %v; want in [%v, %v)", attempt, j, got, ok, d, time.Duration(1.2*float64(d)))
			}
		}
	}
	if _, ok := NextDelay(MaxAttempts, 0, nil); ok {
		t.Errorf("NextDelay(%d) = _, true; want the schedule exhausted", MaxAttempts)
	}
}

package voice

import (
	"context"
	"testing"
	"time"
)

// fakeLookups hands each count to the test as it is made.
type fakeLookups chan LookupOutcome

func (l fakeLookups) CountLookup(_ context.Context, day time.Time, outcome LookupOutcome) error {
	if !day.Equal(testNow) {
		panic("counted on " + day.String())
	}
	l <- outcome
	return nil
}

// TestLookupsCounted: each first answer to a lookup is counted by outcome; a platform's repeat
// of the same call and another tool are not.
func TestLookupsCounted(t *testing.T) {
	f := newFixture(t)
	counts := make(fakeLookups, 16)
	f.h.Lookups = counts
	lookup := func(callID, number, caller string) {
		f.callPOSKAI(t, callID, ToolLookupShipmentStatus, map[string]any{"order_number": number, "caller_phone": caller})
	}
	lookup("c1", "123456", phone)
	lookup("c1", "123456", phone) // the platform's retry: the memo's answer
	lookup("c2", "999999", phone)
	lookup("c3", "123456", "+37060000001")
	f.callPOSKAI(t, "c4", ToolSubscribeUpdates, map[string]any{"order_number": "123456", "caller_phone": phone})
	f.source.err = errString("connection refused")
	lookup("c5", "123456", phone)

	got := map[LookupOutcome]int{}
	for range 4 {
		select {
		case o := <-counts:
			got[o]++
		case <-time.After(10 * time.Second):
			t.Fatalf("counted %v, want four lookups", got)
		}
	}
	want := map[LookupOutcome]int{LookupVerified: 1, LookupNotFound: 1, LookupUnverified: 1, LookupError: 1}
	for o, n := range want {
		if got[o] != n {
			t.Errorf("%s counted %d times, want %d (all: %v)", o, got[o], n, got)
		}
	}
	select {
	case o := <-counts:
		t.Errorf("a fifth count: %s", o)
	case <-time.After(100 * time.Millisecond):
	}
}

package normalize_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/normalize"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 5, 7, 7, 30, 0, 0, time.UTC)
	for _, s := range []string{"2026-05-07T10:30:00+03:00", "2026-05-07T07:30:00Z", "2026-05-07T07:30:00", "2026-05-07 10:30:00+03:00", " 2026-05-07T07:30 "} {
		if got, err := normalize.ParseTime("f", s); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0001-01-01T00:00:00Z", "yesterday"} {
		if _, err := normalize.ParseTime("checkpoints[2].time", s); err == nil || !strings.Contains(err.Error(), "checkpoints[2].time") {
			t.Errorf("%q: error %v, want one naming the field", s, err)
		}
	}
}

func TestEventIDIsStableAndDistinct(t *testing.T) {
	at := time.Date(2026, 5, 7, 7, 30, 0, 0, time.UTC)
	a := normalize.EventID("aftership", "tn 1", at, "InTransit", "Hub")
	if b := normalize.EventID("aftership", "TN1", at.In(time.FixedZone("EEST", 3*3600)), "InTransit", "Hub"); a != b {
		t.Error("the same scan written differently got another id")
	}
	if c := normalize.EventID("easypost", "TN1", at, "InTransit", "Hub"); a == c {
		t.Error("two providers' scans share an id")
	}
}

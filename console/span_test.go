package console

import (
	"testing"
	"time"
)

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                             "0m",
		59 * time.Second:              "0m",
		45 * time.Minute:              "45m",
		4 * time.Hour:                 "4h",
		3*time.Hour + 10*time.Minute:  "3h 10m",
		24 * time.Hour:                "24h",
		47*time.Hour + 59*time.Minute: "47h 59m",
		48 * time.Hour:                "2d",
		3*24*time.Hour + 4*time.Hour:  "3d 4h",
		3*24*time.Hour + 4*time.Hour + 5*time.Minute: "3d 4h",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
}

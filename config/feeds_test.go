package config

import (
	"testing"
	"time"
)

// The staff feeds' digest window defaults to five minutes; 0 posts at once; a negative or
// day-long window is refused at start.
func TestFeedDigestWindow(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.FeedDigestWindow != 5*time.Minute {
		t.Fatalf("default: %v, %v", c.FeedDigestWindow, err)
	}
	for v, want := range map[string]time.Duration{"0": 0, "90s": 90 * time.Second, "24h": 24 * time.Hour} {
		c, err := load(t, map[string]string{"SHIPFLOW_FEED_DIGEST_WINDOW": v})
		if err != nil || c.FeedDigestWindow != want {
			t.Errorf("%s: %v, %v", v, c.FeedDigestWindow, err)
		}
	}
	for _, v := range []string{"-1s", "25h", "soon", "5m\x00"} {
		if _, err := load(t, map[string]string{"SHIPFLOW_FEED_DIGEST_WINDOW": v}); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

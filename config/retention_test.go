package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * Day, true},
		{"395d", 395 * Day, true},
		{"1d", Day, true},
		{"3660d", 3660 * Day, true},
		{"0", 0, true},
		{"off", 0, true},
		{"0d", 0, false},    // shorter than a day: say off
		{"3661d", 0, false}, // longer than ten years
		{"720h", 0, false},  // days only, so that no one keeps a kind 30 hours by a typo
		{"30", 0, false},
		{"d", 0, false},
		{"-1d", 0, false},
		{"+1d", 0, false},
		{"1.5d", 0, false},
		{"30D", 0, false},
		{"30d ", 0, false},
		{"００１d", 0, false},
		{"", 0, false},
		{"99999999999999999999d", 0, false},
	} {
		got, err := ParseAge(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

// FuzzParseAge: whatever it is given, an age is off or a whole number of days within the
// bounds, and an error names the value.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"30d", "0", "off", "1d", "3660d", "720h", "-1d", "1e3d", "\x00d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAge(s)
		if err != nil {
			if d != 0 {
				t.Errorf("ParseAge(%q) = %v with an error", s, d)
			}
			return
		}
		if d != 0 && (d < MinAge || d > MaxAge || d%Day != 0) {
			t.Errorf("ParseAge(%q) = %v", s, d)
		}
	})
}

func TestRetentionSettings(t *testing.T) {
	load := func(env map[string]string) (*Config, error) {
		return Load("test", nil, func(k string) string { return env[k] })
	}
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Retention{On: true, Every: time.Hour, Inbox: 30 * Day, NotificationBodies: 30 * Day, Notifications: 395 * Day,
		Deliveries: 30 * Day, Orders: 395 * Day, Audit: 395 * Day, Transient: 3 * Day, PrivacyRequests: 30 * Day}
	if c.Retention != want {
		t.Errorf("defaults %+v, want %+v", c.Retention, want)
	}
	c, err = load(map[string]string{"SHIPFLOW_RETENTION_ORDERS": "off", "SHIPFLOW_RETENTION_EVERY": "15m", "SHIPFLOW_RETENTION": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention.Orders != 0 || c.Retention.Every != 15*time.Minute || c.Retention.On {
		t.Errorf("set: %+v", c.Retention)
	}
	for env, words := range map[string]map[string]string{
		"SHIPFLOW_RETENTION_NOTIFICATION_BODIES": {"SHIPFLOW_RETENTION_NOTIFICATION_BODIES": "400d"},
		"SHIPFLOW_RETENTION_INBOX":               {"SHIPFLOW_RETENTION_INBOX": "12h"},
		"SHIPFLOW_RETENTION_EVERY":               {"SHIPFLOW_RETENTION_EVERY": "10s"},
		"SHIPFLOW_RETENTION_AUDIT":               {"SHIPFLOW_RETENTION_AUDIT": "0d"},
		"SHIPFLOW_RETENTION_PRIVACY_REQUESTS":    {"SHIPFLOW_RETENTION_PRIVACY_REQUESTS": "30"},
		"SHIPFLOW_RETENTION_ORDERS":              {"SHIPFLOW_RETENTION_ORDERS": "30d"}, // the return watch's 720h
	} {
		if _, err := load(words); err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%v: %v, want an error naming %s", words, err, env)
		}
	}
	// Bodies kept as long as their rows, or rows kept for ever: both fine.
	for _, env := range []map[string]string{
		{"SHIPFLOW_RETENTION_NOTIFICATION_BODIES": "off"},
		{"SHIPFLOW_RETENTION_NOTIFICATIONS": "off", "SHIPFLOW_RETENTION_NOTIFICATION_BODIES": "500d"},
		{"SHIPFLOW_RETENTION_NOTIFICATION_BODIES": "395d"},
		{"SHIPFLOW_RETENTION_ORDERS": "31d"},
	} {
		if _, err := load(env); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
}

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/onesignal"
	"github.com/shipflow/shipflow/notify/providertest"
	ordermodel "github.com/shipflow/shipflow/order"
)

// TestPushThroughOneSignal runs the whole path with OneSignal as the push provider: a signed
// commerce event naming the customer's app user id and the push channel, the order workflow,
// the notify activity, the OneSignal client and the OneSignal stand-in, which checks the REST
// API key, the app and the body as OneSignal does. It checks the notification (the customer's
// external id, title and status text, the tracking link opened on tap, the idempotency key),
// the log entry, and each failure class: a rate limit is retried and sent once, a customer
// without a push subscription is refused for good, as is a refused key.
func TestPushThroughOneSignal(t *testing.T) {
	const appID, apiKey = "5eb5a37e-b458-11e3-ac11-000c2940e62c", "os_v2_app_stacktest"
	st := providertest.NewOneSignal(t, appID, apiKey)
	s := startStack(t, map[string]string{
		"ONESIGNAL_APP_ID":         appID,
		"ONESIGNAL_API_KEY":        apiKey,
		"ONESIGNAL_API_URL":        st.URL(),
		"SHIPFLOW_PUBLIC_URL":      "https://shop.example.com",
		"SHIPFLOW_TRACKING_SECRET": "stack-tracking-secret",
	})
	prefix := fmt.Sprintf("push-%d-", time.Now().UnixNano())
	order := func(id, user string) {
		t.Helper()
		s.confirm(id, map[string]any{"name": "Ona", "external_id": user, "locale": "en", "time_zone": "Europe/Vilnius"}, "push")
	}
	to := func(user string) []providertest.OneSignalPush {
		var out []providertest.OneSignalPush
		for _, p := range st.Pushes() {
			if p.ExternalID == user {
				out = append(out, p)
			}
		}
		return out
	}

	t.Run("sent", func(t *testing.T) {
		user := prefix + "user-a"
		st.Subscribe(user)
		order(prefix+"a", user)
		entry := s.logged(prefix+"a", "sent")
		pushes := to(user)
		if len(pushes) != 1 {
			t.Fatalf("OneSignal created %d notifications for %s, want 1", len(pushes), user)
		}
		p := pushes[0]
		if entry["provider"] != onesignal.Provider || entry["provider_message_id"] != p.ID || entry["channel"] != "push" || entry["to"] != user {
			t.Errorf("log entry %v, want provider onesignal, OneSignal's id %s, channel push, to %s", entry, p.ID, user)
		}
		if p.TargetChannel != "push" || !strings.Contains(p.Headings["en"], prefix+"a") || !strings.Contains(p.Contents["en"], "getting it ready") {
			t.Errorf("notification %+v: want the push channel, the order in the title and the status in the text", p)
		}
		if !strings.HasPrefix(p.URL, "https://shop.example.com/track/") || strings.Contains(p.Contents["en"], "http") {
			t.Errorf("notification opens %q with text %q: want the tracking link opened on tap, not written out", p.URL, p.Contents["en"])
		}
		if p.IdempotencyKey != onesignal.IdempotencyKey(appID, prefix+"a/confirmed//push") || p.Data["order_id"] != prefix+"a" {
			t.Errorf("idempotency key %s, data %v", p.IdempotencyKey, p.Data)
		}
	})

	t.Run("rate limited is retried and sent once", func(t *testing.T) {
		user := prefix + "user-b"
		st.Subscribe(user)
		before := st.Requests.Load()
		st.FailNext(1, http.StatusTooManyRequests, 0)
		order(prefix+"b", user)
		s.logged(prefix+"b", "sent")
		if n := len(to(user)); n != 1 {
			t.Errorf("OneSignal created %d notifications, want 1", n)
		}
		if n := st.Requests.Load() - before; n != 2 {
			t.Errorf("OneSignal saw %d requests, want the limited one and its retry", n)
		}
	})

	t.Run("no push subscription fails for good", func(t *testing.T) {
		user := prefix + "user-c"
		st.Subscribe(user)
		st.Unsubscribe(user)
		before := st.Requests.Load()
		order(prefix+"c", user)
		entry := s.logged(prefix+"c", "failed")
		if e := fmt.Sprint(entry["error"]); !strings.Contains(e, onesignal.CodeNotSubscribed) || !strings.Contains(e, onesignal.NoSubscribers) {
			t.Errorf("log entry %v, want OneSignal's %q", entry, onesignal.NoSubscribers)
		}
		time.Sleep(6 * time.Second) // past the activity's first retry interval
		if n := st.Requests.Load() - before; n != 1 {
			t.Errorf("OneSignal saw %d requests after a permanent refusal, want the one", n)
		}
		// A user OneSignal never heard of is refused the same way.
		order(prefix+"d", prefix+"user-unknown")
		if e := fmt.Sprint(s.logged(prefix+"d", "failed")["error"]); !strings.Contains(e, "invalid_aliases") {
			t.Errorf("unknown user: error %s, want OneSignal's invalid_aliases", e)
		}
		if n := len(to(user)) + len(to(prefix+"user-unknown")); n != 0 {
			t.Errorf("%d notifications for users without a subscription", n)
		}
	})
}

// TestPushSenderSwitches: OneSignal's app id and key switch push on; in dev mode a stand-in's
// URL alone does, with the dev app id; otherwise push is off.
func TestPushSenderSwitches(t *testing.T) {
	st := providertest.NewOneSignal(t, devOneSignalAppID, devOneSignalAPIKey)
	st.Subscribe("user-1")
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name string
		dev  bool
		cfg  config.OneSignal
		on   bool
	}{
		{"no settings", false, config.OneSignal{APIURL: onesignal.DefaultAPIURL}, false},
		{"dev without a stand-in", true, config.OneSignal{APIURL: onesignal.DefaultAPIURL}, false},
		{"key without an app", false, config.OneSignal{APIKey: "k", APIURL: onesignal.DefaultAPIURL}, false},
		{"app and key", false, config.OneSignal{AppID: devOneSignalAppID, APIKey: "k", APIURL: onesignal.DefaultAPIURL}, true},
		{"stand-in outside dev", false, config.OneSignal{APIURL: st.URL()}, false},
		{"dev with a stand-in", true, config.OneSignal{APIURL: st.URL()}, true},
	} {
		a := &app{cfg: &config.Config{OneSignal: tc.cfg}, log: testenv.QuietLogger()}
		s := a.pushSender(tc.dev, hc)
		if (s != nil) != tc.on {
			t.Errorf("%s: on = %v, want %v", tc.name, s != nil, tc.on)
		}
	}
	a := &app{cfg: &config.Config{OneSignal: config.OneSignal{APIURL: st.URL()}}, log: testenv.QuietLogger()}
	m := notify.Message{Key: "dev/confirmed//push", Channel: ordermodel.ChannelPush, To: "user-1", Subject: "T", Text: "Hi"}
	if _, err := a.pushSender(true, hc).Send(t.Context(), m); err != nil || len(st.Pushes()) != 1 {
		t.Errorf("dev push to the stand-in: %v, %d notifications", err, len(st.Pushes()))
	}
}

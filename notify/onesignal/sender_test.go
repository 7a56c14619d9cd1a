package onesignal_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/onesignal"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
)

const (
	appID  = "5eb5a37e-b458-11e3-ac11-000c2940e62c"
	apiKey = "os_v2_app_0123456789abcdefghijklmnopqrstuvwxyz"
)

func newSender(t *testing.T, apiURL string, edit func(*onesignal.Config)) *onesignal.Sender {
	t.Helper()
	cfg := onesignal.Config{AppID: appID, APIKey: apiKey, APIURL: apiURL}
	if edit != nil {
		edit(&cfg)
	}
	return onesignal.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func push() notify.Message {
	return notify.Message{
		Key: "o1/shipped/s1/push", Channel: order.ChannelPush, To: "app-user-42", Locale: "lt",
		Subject: "Užsakymas #1042 išsiųstas", Text: "Jūsų užsakymas perduotas kurjeriui DPD. Bakstelėkite ir sekite siuntą.",
		URL:  "https://track.example.com/o/ord_1042?t=abc",
		Args: map[string]string{"notification_key": "o1/shipped/s1/push", "order_id": "o1"},
	}
}

func TestSendFormatAndAuth(t *testing.T) {
	one := providertest.NewOneSignal(t, appID, apiKey)
	one.Subscribe("app-user-42")
	m := push()
	sent, err := newSender(t, one.URL(), nil).Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	pushes := one.Pushes()
	if len(pushes) != 1 {
		t.Fatalf("stand-in created %d notifications, want 1", len(pushes))
	}
	p := pushes[0]
	if sent.Provider != "onesignal" || sent.Status != "created" || sent.MessageID == "" || sent.MessageID != p.ID {
		t.Errorf("Sent = %+v, want onesignal, created, id %s", sent, p.ID)
	}
	if p.ExternalID != "app-user-42" || p.TargetChannel != "push" || p.URL != m.URL {
		t.Errorf("created %+v", p)
	}
	// The text is already in the customer's language: under it and under the English OneSignal requires.
	if len(p.Contents) != 2 || p.Contents["en"] != m.Text || p.Contents["lt"] != m.Text {
		t.Errorf("contents = %v", p.Contents)
	}
	if len(p.Headings) != 2 || p.Headings["en"] != m.Subject || p.Headings["lt"] != m.Subject {
		t.Errorf("headings = %v", p.Headings)
	}
	if p.Data["order_id"] != "o1" || p.Data["notification_key"] != m.Key {
		t.Errorf("data = %v", p.Data)
	}
	k, err := uuid.Parse(p.IdempotencyKey)
	if err != nil || k.Version() != 3 || p.IdempotencyKey != onesignal.IdempotencyKey(appID, m.Key) {
		t.Errorf("idempotency_key %q (version %d, %v): want the message key's name-based UUID", p.IdempotencyKey, k.Version(), err)
	}

	// English and a locale OneSignal cannot name go under English alone; no title, no headings.
	for _, locale := range []string{"en-GB", "", "not a locale"} {
		m := push()
		m.Key, m.Locale, m.Subject = "o1/packed//push"+locale, locale, ""
		if _, err := newSender(t, one.URL(), nil).Send(t.Context(), m); err != nil {
			t.Fatalf("locale %q: %v", locale, err)
		}
		p := one.Pushes()[len(one.Pushes())-1]
		if len(p.Contents) != 1 || p.Contents["en"] != m.Text || p.Headings != nil {
			t.Errorf("locale %q: contents %v, headings %v", locale, p.Contents, p.Headings)
		}
	}
}

func TestIdempotencyKeys(t *testing.T) {
	a, b := onesignal.IdempotencyKey(appID, "o1/shipped/s1/push"), onesignal.IdempotencyKey(appID, "o1/shipped/s2/push")
	if a == b || a != onesignal.IdempotencyKey(appID, "o1/shipped/s1/push") {
		t.Errorf("keys %s and %s: want one per message, the same each time", a, b)
	}
	if other := onesignal.IdempotencyKey("9d3c3a8e-0000-4000-8000-000000000000", "o1/shipped/s1/push"); other == a {
		t.Error("two apps share a key")
	}
}

// dropFirstAnswer delivers requests but loses the first answer, as a connection cut after
// OneSignal created the notification does.
type dropFirstAnswer struct {
	dropped bool
}

func (d *dropFirstAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && !d.dropped {
		d.dropped = true
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func TestRetryAfterALostAnswerSendsOnce(t *testing.T) {
	one := providertest.NewOneSignal(t, appID, apiKey)
	one.Subscribe("app-user-42")
	s := onesignal.New(onesignal.Config{AppID: appID, APIKey: apiKey, APIURL: one.URL()}, &http.Client{Transport: &dropFirstAnswer{}})
	if _, err := s.Send(t.Context(), push()); err == nil || notify.IsPermanent(err) {
		t.Fatalf("lost answer: %v, want retryable", err)
	}
	sent, err := s.Send(t.Context(), push())
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if p := one.Pushes(); len(p) != 1 || sent.MessageID != p[0].ID {
		t.Errorf("retry created %d notifications (answered %s): want the first one's id, once", len(p), sent.MessageID)
	}
	// Another message is another notification.
	m := push()
	m.Key = "o1/delivered/s1/push"
	if _, err := s.Send(t.Context(), m); err != nil || len(one.Pushes()) != 2 {
		t.Errorf("next message: %v, %d notifications", err, len(one.Pushes()))
	}
}

func checkPermanent(t *testing.T, what string, err error, code string) {
	t.Helper()
	var p *notify.PermanentError
	if !errors.As(err, &p) || p.Code != code {
		t.Errorf("%s: err = %v, want a permanent error with code %q", what, err, code)
	}
}

func TestFailureClasses(t *testing.T) {
	one := providertest.NewOneSignal(t, appID, apiKey)
	one.Subscribe("app-user-42", "app-user-43")
	one.Unsubscribe("app-user-43")

	// Refusals OneSignal repeats: never retried.
	_, err := newSender(t, one.URL(), func(c *onesignal.Config) { c.APIKey = "os_v2_app_wrong" }).Send(t.Context(), push())
	checkPermanent(t, "wrong key", err, "403")
	if err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("wrong key: %v, want OneSignal's message", err)
	}
	_, err = newSender(t, one.URL(), func(c *onesignal.Config) { c.AppID = "9d3c3a8e-0000-4000-8000-000000000000" }).Send(t.Context(), push())
	checkPermanent(t, "another app", err, "403")
	// Each its own message: OneSignal answers a repeated idempotency key with the first answer.
	m := push()
	m.To, m.Key = "app-user-43", "o2/shipped/s1/push"
	_, err = newSender(t, one.URL(), nil).Send(t.Context(), m)
	checkPermanent(t, "unsubscribed", err, onesignal.CodeNotSubscribed)
	if !errors.Is(err, onesignal.ErrNotSubscribed) || !strings.Contains(err.Error(), onesignal.NoSubscribers) {
		t.Errorf("unsubscribed: %v", err)
	}
	m.To, m.Key = "never-logged-in", "o3/shipped/s1/push"
	_, err = newSender(t, one.URL(), nil).Send(t.Context(), m)
	checkPermanent(t, "unknown user", err, onesignal.CodeNotSubscribed)
	if !errors.Is(err, onesignal.ErrNotSubscribed) || !strings.Contains(err.Error(), "invalid_aliases") {
		t.Errorf("unknown user: %v", err)
	}
	if n := len(one.Pushes()); n != 0 {
		t.Errorf("refusals created %d notifications", n)
	}

	// Refusals shipflow can tell before asking: no request at all.
	before := one.Requests.Load()
	for name, tc := range map[string]struct {
		edit func(*onesignal.Config)
		msg  func(*notify.Message)
	}{
		"app id not a UUID":  {func(c *onesignal.Config) { c.AppID = "my-app" }, nil},
		"not push":           {nil, func(m *notify.Message) { m.Channel = order.ChannelSMS }},
		"external id spaced": {nil, func(m *notify.Message) { m.To = "app user" }},
		"no external id":     {nil, func(m *notify.Message) { m.To = "" }},
		"no text":            {nil, func(m *notify.Message) { m.Text = "" }},
	} {
		m := push()
		if tc.msg != nil {
			tc.msg(&m)
		}
		_, err := newSender(t, one.URL(), tc.edit).Send(t.Context(), m)
		checkPermanent(t, name, err, "")
	}
	if n := one.Requests.Load() - before; n != 0 {
		t.Errorf("%d requests for messages OneSignal could never take", n)
	}

	// Rate limits and outages: retried, and the retry sends once.
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		one.FailNext(1, status, 0)
		if _, err := newSender(t, one.URL(), nil).Send(t.Context(), push()); err == nil || notify.IsPermanent(err) {
			t.Errorf("HTTP %d: %v, want retryable", status, err)
		}
	}
	one.Down(0)
	if _, err := newSender(t, one.URL(), nil).Send(t.Context(), push()); err == nil || notify.IsPermanent(err) {
		t.Errorf("outage: %v, want retryable", err)
	}
	one.Up()
	if _, err := newSender(t, one.URL(), nil).Send(t.Context(), push()); err != nil || len(one.Pushes()) != 1 {
		t.Errorf("after the outage: %v, %d notifications", err, len(one.Pushes()))
	}
	one.Delay(time.Second)
	s := onesignal.New(onesignal.Config{AppID: appID, APIKey: apiKey, APIURL: one.URL()}, &http.Client{Timeout: 50 * time.Millisecond})
	if _, err := s.Send(t.Context(), push()); err == nil || notify.IsPermanent(err) {
		t.Errorf("timeout: %v, want retryable", err)
	}
}

func TestAnswerThatIsNotOneSignalsIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	}))
	t.Cleanup(srv.Close)
	if _, err := newSender(t, srv.URL, nil).Send(t.Context(), push()); err == nil || notify.IsPermanent(err) {
		t.Errorf("HTML 200: %v, want retryable", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		id     string
		code   string // "" for success, "retry" for a retryable error
	}{
		{"created", 200, `{"id":"b98881cc-1e94-4366-bbd9-db8f3429292b","external_id":null}`, "b98881cc-1e94-4366-bbd9-db8f3429292b", ""},
		{"created with a note", 200, `{"id":"n1","errors":["Some devices were skipped"]}`, "n1", ""},
		{"no subscribers", 200, `{"id":"","errors":["All included players are not subscribed"]}`, "", onesignal.CodeNotSubscribed},
		{"invalid alias beside an id", 200, `{"id":"n2","errors":{"invalid_aliases":{"external_id":["u1"]}}}`, "", onesignal.CodeNotSubscribed},
		{"invalid external user ids", 200, `{"id":"","errors":{"invalid_external_user_ids":["u1"]}}`, "", onesignal.CodeNotSubscribed},
		{"no id, no reason", 200, `{"id":""}`, "", onesignal.CodeNotSubscribed},
		{"older no subscribers", 400, `{"errors":["All included players are not subscribed"]}`, "", onesignal.CodeNotSubscribed},
		{"bad request", 400, `{"errors":["Notifications must have English language content"]}`, "", "400"},
		{"unauthorized", 401, `{"errors":["Unauthorized"]}`, "", "401"},
		{"timeout", 408, ``, "", "retry"},
		{"rate limit", 429, `{"errors":["API rate limit exceeded."]}`, "", "retry"},
		{"unavailable", 503, `{"errors":["Service temporarily unavailable"]}`, "", "retry"},
		{"gateway page", 502, `<html>Bad Gateway</html>`, "", "retry"},
	} {
		id, err := onesignal.Classify("test", tc.status, []byte(tc.body))
		switch tc.code {
		case "":
			if err != nil || id != tc.id {
				t.Errorf("%s: id %q, err %v; want %q", tc.name, id, err, tc.id)
			}
		case "retry":
			if err == nil || notify.IsPermanent(err) {
				t.Errorf("%s: %v, want retryable", tc.name, err)
			}
		default:
			checkPermanent(t, tc.name, err, tc.code)
		}
	}
}

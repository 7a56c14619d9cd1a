package slack_test

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/slack"
)

var update = flag.Bool("update", false, "rewrite the testdata payload fixtures")

func raised() escalate.Alert {
	return escalate.Alert{
		OrderID:        "ord_1001",
		Reason:         "late",
		Message:        "Parcel is 2 days past its promised delivery date <3 June> & still moving.",
		Carrier:        "UPS",
		TrackingNumber: "1Z999AA10123456784",
		TrackingURL:    "https://track.shipflow.example/1Z999AA10123456784",
		OrderURL:       "https://shipflow.example/orders/ord_1001",
		Level:          1,
	}
}

func escalated() escalate.Alert {
	a := raised()
	a.Level = 2
	return a
}

func resolved() escalate.Alert {
	a := escalated()
	a.Resolved, a.Resolution = true, "resolved_by_staff"
	return a
}

func newAlerter(url string) *slack.Alerter {
	return slack.New(url, &http.Client{Timeout: 5 * time.Second})
}

func TestName(t *testing.T) {
	if n := slack.New("", nil).Name(); n != "slack" {
		t.Errorf("Name() = %q", n)
	}
}

func TestAlertLifecycle(t *testing.T) {
	s := escalatetest.NewSlack(t)
	a := newAlerter(s.WebhookURL())
	for _, al := range []escalate.Alert{raised(), escalated(), resolved()} {
		if err := a.Alert(t.Context(), al); err != nil {
			t.Fatalf("Alert(level %d, resolved %t): %v", al.Level, al.Resolved, err)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("Slack got %d messages, want 3", len(msgs))
	}
	escalatetest.Golden(t, "raised.json", msgs[0].Raw, *update)
	escalatetest.Golden(t, "escalated.json", msgs[1].Raw, *update)
	escalatetest.Golden(t, "resolved.json", msgs[2].Raw, *update)

	r, e, d := msgs[0], msgs[1], msgs[2]
	wantFields := []string{"*Order*\nord_1001", "*Reason*\nlate", "*Carrier*\nUPS", "*Tracking number*\n1Z999AA10123456784"}
	for i, m := range msgs {
		if strings.Join(m.Fields, "|") != strings.Join(wantFields, "|") {
			t.Errorf("message %d fields = %q, want %q", i, m.Fields, wantFields)
		}
		if len(m.Buttons) != 2 || m.Buttons[0].URL != raised().TrackingURL || m.Buttons[1].URL != raised().OrderURL {
			t.Errorf("message %d buttons = %+v, want tracking page and order", i, m.Buttons)
		}
	}
	if !strings.HasPrefix(r.Header, ":warning:") || strings.Contains(strings.Join(r.Texts, " "), "SLA") {
		t.Errorf("raised: header %q, texts %q", r.Header, r.Texts)
	}
	if r.Buttons[1].Style != "primary" {
		t.Errorf("raised: order button style %q, want primary", r.Buttons[1].Style)
	}
	if !strings.HasPrefix(e.Header, ":rotating_light: SLA breached, level 2") || !strings.Contains(e.Texts[0], "*SLA breached*") {
		t.Errorf("escalated: header %q, texts %q: want the SLA breach marked", e.Header, e.Texts)
	}
	if e.Buttons[1].Style != "danger" {
		t.Errorf("escalated: order button style %q, want danger", e.Buttons[1].Style)
	}
	if !strings.HasPrefix(d.Header, ":white_check_mark: Resolved") || !strings.Contains(d.Texts[0], "*Resolution:* resolved by staff") {
		t.Errorf("resolved: header %q, texts %q: want the resolution stated", d.Header, d.Texts)
	}
	if strings.Contains(strings.Join(d.Texts, " "), "SLA breached") {
		t.Errorf("resolved: texts %q still mark the SLA breach", d.Texts)
	}
	// Slack reads <, > and & as markup: the exception's text must arrive escaped.
	if !strings.Contains(r.Texts[0], "&lt;3 June&gt; &amp; still") || !strings.Contains(r.Text, "&lt;3 June&gt;") {
		t.Errorf("raised: message not escaped: %q / %q", r.Texts, r.Text)
	}
}

func TestAlertWithoutLinksOrFacts(t *testing.T) {
	s := escalatetest.NewSlack(t)
	al := escalate.Alert{OrderID: "ord_7", Reason: "stale", Level: 1, TrackingURL: "not a url"}
	if err := newAlerter(s.WebhookURL()).Alert(t.Context(), al); err != nil {
		t.Fatalf("Alert: %v", err)
	}
	m := s.Messages()[0]
	if len(m.Buttons) != 0 || m.Fields[2] != "*Carrier*\n–" {
		t.Errorf("buttons %+v, fields %q: want none and dashes for missing facts", m.Buttons, m.Fields)
	}
}

func TestAlertClipsToBlockKitLimits(t *testing.T) {
	s := escalatetest.NewSlack(t)
	al := raised()
	al.OrderID = strings.Repeat("o", 300)
	al.Message = strings.Repeat("m", 5000)
	if err := newAlerter(s.WebhookURL()).Alert(t.Context(), al); err != nil {
		t.Fatalf("Alert with long text: %v", err)
	}
	m := s.Messages()[0]
	if !strings.HasSuffix(m.Header, "…") {
		t.Errorf("header %q not clipped", m.Header)
	}
}

func TestAlertErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
		code      string
		wait      time.Duration
	}{
		{http.StatusBadRequest, true, "invalid_payload", 0},
		{http.StatusForbidden, true, "invalid_token", 0},
		{http.StatusNotFound, true, "no_service", 0},
		{http.StatusGone, true, "channel_is_archived", 0},
		{http.StatusTooManyRequests, false, "", time.Second},
		{http.StatusInternalServerError, false, "", 0},
		{http.StatusServiceUnavailable, false, "", time.Second},
	} {
		s := escalatetest.NewSlack(t)
		s.FailNext(1, tc.status)
		err := newAlerter(s.WebhookURL()).Alert(t.Context(), raised())
		if err == nil {
			t.Errorf("%d: no error", tc.status)
			continue
		}
		if escalate.IsPermanent(err) != tc.permanent {
			t.Errorf("%d: IsPermanent = %t, want %t (%v)", tc.status, !tc.permanent, tc.permanent, err)
		}
		var pe *escalate.PermanentError
		if tc.permanent && (!errors.As(err, &pe) || pe.Code != tc.code) {
			t.Errorf("%d: error %v, want code %q", tc.status, err, tc.code)
		}
		if wait, ok := escalate.RetryAfter(err); wait != tc.wait || ok != (tc.wait > 0) {
			t.Errorf("%d: RetryAfter = %s, %t, want %s", tc.status, wait, ok, tc.wait)
		}
		assertNoSecret(t, err, s.WebhookURL())
	}
}

func TestAlertDeletedWebhook(t *testing.T) {
	s := escalatetest.NewSlack(t)
	deleted := s.WebhookURL() + "x"
	err := newAlerter(deleted).Alert(t.Context(), raised())
	if !escalate.IsPermanent(err) || !strings.Contains(err.Error(), "no_service") {
		t.Fatalf("Alert to a deleted webhook: %v, want permanent no_service", err)
	}
	assertNoSecret(t, err, deleted)
}

func TestAlertNetworkFailureIsRetryable(t *testing.T) {
	s := escalatetest.NewSlack(t)
	url := s.WebhookURL()
	s.Close()
	err := newAlerter(url).Alert(t.Context(), raised())
	if err == nil || escalate.IsPermanent(err) {
		t.Fatalf("Alert to a closed server: %v, want a retryable error", err)
	}
	assertNoSecret(t, err, url)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = newAlerter(url).Alert(ctx, raised())
	if !errors.Is(err, context.Canceled) || escalate.IsPermanent(err) {
		t.Errorf("Alert with a canceled context: %v, want retryable context.Canceled", err)
	}
	assertNoSecret(t, err, url)
}

func TestAlertMisconfigured(t *testing.T) {
	for _, url := range []string{"", "https://hooks.slack.com/services/T0/B0/sec ret\x7f"} {
		err := newAlerter(url).Alert(t.Context(), raised())
		if !escalate.IsPermanent(err) {
			t.Errorf("webhook URL %q: %v, want a permanent error", url, err)
		}
		if url != "" {
			assertNoSecret(t, err, url)
		}
	}
}

// assertNoSecret fails when err shows the webhook URL or its secret path.
func assertNoSecret(t *testing.T, err error, webhookURL string) {
	t.Helper()
	secret := webhookURL[strings.Index(webhookURL, "/services/"):]
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q shows the webhook URL", err)
	}
}

func TestAlertClipsBetweenEntities(t *testing.T) {
	s := escalatetest.NewSlack(t)
	al := raised()
	al.Message = strings.Repeat("a", 2998) + "&&&"
	if err := newAlerter(s.WebhookURL()).Alert(t.Context(), al); err != nil {
		t.Fatalf("Alert: %v", err)
	}
	body := s.Messages()[0].Texts[0]
	if !strings.HasSuffix(body, "a…") {
		t.Errorf("clipped message ends %q, want the split entity dropped", body[len(body)-12:])
	}
}

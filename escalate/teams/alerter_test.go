package teams_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/teams"
)

var update = flag.Bool("update", false, "rewrite the testdata payload fixtures")

func raised() escalate.Alert {
	return escalate.Alert{
		OrderID:        "ord_1001",
		Reason:         "late",
		Message:        "Parcel is 2 days past its promised delivery date.",
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
	a.Resolved, a.Resolution = true, "carrier_progress"
	return a
}

func newAlerter(url string) *teams.Alerter {
	return teams.New(url, &http.Client{Timeout: 5 * time.Second})
}

func TestName(t *testing.T) {
	if n := teams.New("", nil).Name(); n != "teams" {
		t.Errorf("Name() = %q", n)
	}
}

func TestAlertLifecycle(t *testing.T) {
	tm := escalatetest.NewTeams(t)
	a := newAlerter(tm.WebhookURL())
	for _, al := range []escalate.Alert{raised(), escalated(), resolved()} {
		if err := a.Alert(t.Context(), al); err != nil {
			t.Fatalf("Alert(level %d, resolved %t): %v", al.Level, al.Resolved, err)
		}
	}
	msgs := tm.Messages()
	if len(msgs) != 3 {
		t.Fatalf("Teams got %d cards, want 3", len(msgs))
	}
	escalatetest.Golden(t, "raised.json", msgs[0].Raw, *update)
	escalatetest.Golden(t, "escalated.json", msgs[1].Raw, *update)
	escalatetest.Golden(t, "resolved.json", msgs[2].Raw, *update)

	wantFacts := []escalatetest.Fact{{Label: "Order", Value: "ord_1001"}, {Label: "Reason", Value: "late"}, {Label: "Carrier", Value: "UPS"}, {Label: "Tracking number", Value: "1Z999AA10123456784"}}
	for i, m := range msgs {
		if m.Version != "1.4" {
			t.Errorf("card %d version %q, want 1.4", i, m.Version)
		}
		if len(m.Facts) != len(wantFacts) {
			t.Errorf("card %d facts %+v, want %+v", i, m.Facts, wantFacts)
		} else {
			for j := range wantFacts {
				if m.Facts[j] != wantFacts[j] {
					t.Errorf("card %d fact %d = %+v, want %+v", i, j, m.Facts[j], wantFacts[j])
				}
			}
		}
		if len(m.Actions) != 2 || m.Actions[0].URL != raised().TrackingURL || m.Actions[1].URL != raised().OrderURL {
			t.Errorf("card %d actions %+v, want tracking page and order", i, m.Actions)
		}
	}
	r, e, d := msgs[0], msgs[1], msgs[2]
	if !strings.HasPrefix(r.Title, "⚠️ Order ord_1001") || r.Colors[0] != "Warning" || r.Texts[len(r.Texts)-1] != raised().Message {
		t.Errorf("raised: %q %q", r.Texts, r.Colors)
	}
	if !strings.Contains(e.Title, "SLA breached, level 2") || e.Colors[0] != "Attention" ||
		!strings.Contains(e.Texts[1], "SLA breached") || e.Colors[1] != "Attention" || e.Actions[1].Style != "destructive" {
		t.Errorf("escalated: texts %q colors %q actions %+v: want the SLA breach marked red", e.Texts, e.Colors, e.Actions)
	}
	if !strings.HasPrefix(d.Title, "✅ Resolved") || d.Colors[0] != "Good" ||
		!strings.Contains(d.Texts[len(d.Texts)-1], "**Resolution:** the carrier reported progress") {
		t.Errorf("resolved: texts %q colors %q: want the resolution stated", d.Texts, d.Colors)
	}
}

func TestAlertWithoutLinks(t *testing.T) {
	tm := escalatetest.NewTeams(t)
	al := escalate.Alert{OrderID: "ord_7", Reason: "stale", Level: 1}
	if err := newAlerter(tm.WebhookURL()).Alert(t.Context(), al); err != nil {
		t.Fatalf("Alert: %v", err)
	}
	m := tm.Messages()[0]
	if len(m.Actions) != 0 || m.Facts[2].Value != "–" {
		t.Errorf("actions %+v, facts %+v: want none and dashes for missing facts", m.Actions, m.Facts)
	}
	var env struct {
		Attachments []struct {
			ContentURL *string `json:"contentUrl"`
			Content    struct {
				Actions json.RawMessage `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(m.Raw, &env); err != nil || env.Attachments[0].ContentURL != nil || env.Attachments[0].Content.Actions != nil {
		t.Errorf("posted %s: want contentUrl null and no actions key", m.Raw)
	}
}

func TestAlertErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
		code      string
		wait      time.Duration
	}{
		{http.StatusBadRequest, true, "InvalidRequestContent", 0},
		{http.StatusUnauthorized, true, "DirectApiInvalidAuthorizationSignature", 0},
		{http.StatusForbidden, true, "AuthorizationFailed", 0},
		{http.StatusNotFound, true, "WorkflowNotFound", 0},
		{http.StatusTooManyRequests, false, "", time.Second},
		{http.StatusInternalServerError, false, "", 0},
		{http.StatusBadGateway, false, "", 0},
		{http.StatusServiceUnavailable, false, "", time.Second},
	} {
		tm := escalatetest.NewTeams(t)
		tm.FailNext(1, tc.status)
		err := newAlerter(tm.WebhookURL()).Alert(t.Context(), raised())
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
		assertNoSecret(t, err, tm.WebhookURL())
	}
}

func TestAlertWrongSignature(t *testing.T) {
	tm := escalatetest.NewTeams(t)
	url := strings.Replace(tm.WebhookURL(), "sig=", "sig=x", 1)
	err := newAlerter(url).Alert(t.Context(), raised())
	if !escalate.IsPermanent(err) {
		t.Fatalf("Alert with a wrong signature: %v, want permanent", err)
	}
	assertNoSecret(t, err, url)
}

func TestAlertNetworkFailureIsRetryable(t *testing.T) {
	tm := escalatetest.NewTeams(t)
	url := tm.WebhookURL()
	tm.Close()
	err := newAlerter(url).Alert(t.Context(), raised())
	if err == nil || escalate.IsPermanent(err) {
		t.Fatalf("Alert to a closed server: %v, want a retryable error", err)
	}
	assertNoSecret(t, err, url)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := newAlerter(url).Alert(ctx, raised()); !errors.Is(err, context.Canceled) || escalate.IsPermanent(err) {
		t.Errorf("Alert with a canceled context: %v, want retryable context.Canceled", err)
	}
}

func TestAlertMisconfigured(t *testing.T) {
	if err := newAlerter("").Alert(t.Context(), raised()); !escalate.IsPermanent(err) {
		t.Errorf("no webhook URL: %v, want a permanent error", err)
	}
}

// assertNoSecret fails when err shows the webhook's signature.
func assertNoSecret(t *testing.T, err error, webhookURL string) {
	t.Helper()
	sig := webhookURL[strings.Index(webhookURL, "sig=")+len("sig="):]
	if strings.Contains(err.Error(), sig) || strings.Contains(err.Error(), "/workflows/") {
		t.Errorf("error %q shows the webhook URL", err)
	}
}

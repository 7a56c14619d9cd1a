package outbound

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/order"
)

// standInSender reaches the chats' stand-ins on 127.0.0.1, as a deployment allowing them by
// SHIPFLOW_WEBHOOK_ALLOWED_CIDRS would.
func standInSender() *Sender {
	return &Sender{
		Policy: egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true},
		Feeds:  FeedSettings{PublicURL: "https://shipflow.example", TrackingSecret: "s3cret"},
	}
}

// shippedEvents are n order.shipped events of orders ord-1..n, the catalogue's example data.
func shippedEvents(n int, typ order.PublishType) []Event {
	ex, _ := ExampleBody(typ)
	var es []Event
	for i := range n {
		es = append(es, Event{ID: fmt.Sprintf("evt_%d", i), OrderID: fmt.Sprintf("ord-%d", i+1), Seq: 4, Type: string(typ),
			ShipmentID: ex.Metadata.ShipmentID, Data: ex.Data, CreatedAt: time.Now()})
	}
	return es
}

func outgoing(k Kind, url string, events []Event) Outgoing {
	o := Outgoing{Endpoint: Endpoint{ID: "ep_feed", Kind: k, URL: url, Enabled: true}, Event: events[0]}
	if len(events) > 1 {
		o.Digest = events
	}
	return o
}

// A digest reaches each chat as the chat documents its webhook message, checked by the
// stand-ins: a Slack Block Kit message, a Teams Adaptive Card in a message envelope, a Google
// Chat cardsV2 message; a single event is one line.
func TestFeedTransportsPostDigestsAsEachChatDocuments(t *testing.T) {
	s := standInSender()
	events := append(shippedEvents(23, order.PublishOrderShipped), shippedEvents(2, order.PublishShipmentOutForDelivery)...)

	sl := escalatetest.NewSlack(t)
	res, _ := s.send(t.Context(), outgoing(KindSlack, sl.WebhookURL(), events), 1)
	res1, _ := s.send(t.Context(), outgoing(KindSlack, sl.WebhookURL(), events[:1]), 1)
	if res.Outcome != Delivered || res1.Outcome != Delivered || res.Status != http.StatusOK {
		t.Fatalf("slack: %+v / %+v", res, res1)
	}
	msgs := sl.Messages()
	digest, single := msgs[0], msgs[1]
	if !strings.Contains(digest.Header, "25 order updates") || !strings.Contains(digest.Texts[0], "Shipped 23 · Out for delivery 2") {
		t.Errorf("slack digest header %q texts %q", digest.Header, digest.Texts)
	}
	if n := strings.Count(digest.Texts[1], "\n") + 1; n != 20 || !strings.Contains(digest.Texts[1], "<https://shipflow.example/track/") ||
		!strings.Contains(digest.Texts[1], "ord-1>") || !strings.Contains(digest.Texts[1], "DPD 05212345678901") {
		t.Errorf("slack digest lists %d lines: %q", n, digest.Texts[1])
	}
	if !strings.Contains(digest.Texts[2], "and 5 more") {
		t.Errorf("slack digest does not count the rest: %q", digest.Texts)
	}
	if len(single.Texts) != 0 || !strings.Contains(single.Text, "ord-1> — Shipped · DPD 05212345678901 · info received") {
		t.Errorf("slack single event %q %q, want one line", single.Text, single.Texts)
	}

	tm := escalatetest.NewTeams(t)
	res, _ = s.send(t.Context(), outgoing(KindTeams, tm.WebhookURL(), events), 1)
	res1, _ = s.send(t.Context(), outgoing(KindTeams, tm.WebhookURL(), events[:1]), 1)
	if res.Outcome != Delivered || res1.Outcome != Delivered || res.Status != http.StatusAccepted {
		t.Fatalf("teams: %+v / %+v", res, res1)
	}
	cards := tm.Messages()
	if cards[0].Title != "📦 25 order updates" || len(cards[0].Texts) != 23 || !strings.Contains(cards[0].Texts[2], "[ord-1](https://shipflow.example/track/") ||
		cards[0].Texts[22] != "_and 5 more_" {
		t.Errorf("teams digest %q", cards[0].Texts)
	}
	if len(cards[1].Texts) != 1 || !strings.Contains(cards[1].Title, "ord-1") {
		t.Errorf("teams single event %q, want one line", cards[1].Texts)
	}

	gc := escalatetest.NewGoogleChat(t)
	res, _ = s.send(t.Context(), outgoing(KindGoogleChat, gc.WebhookURL(), events), 1)
	res1, _ = s.send(t.Context(), outgoing(KindGoogleChat, gc.WebhookURL(), events[:1]), 1)
	if res.Outcome != Delivered || res1.Outcome != Delivered {
		t.Fatalf("google chat: %+v / %+v", res, res1)
	}
	chat := gc.Messages()
	if chat[0].Title != "📦 25 order updates" || chat[0].Subtitle != "Shipped 23 · Out for delivery 2" ||
		strings.Count(chat[0].Paragraphs[0], "<br>") != 19 || chat[0].Paragraphs[1] != "<i>and 5 more</i>" || chat[0].ThreadKey != "" {
		t.Errorf("google chat digest %+v", chat[0])
	}
	if len(chat[1].Paragraphs) != 0 || !strings.HasPrefix(chat[1].Text, "📦 <https://shipflow.example/track/") {
		t.Errorf("google chat single event %q", chat[1].Text)
	}
}

// Each chat's refusals become the outcome that fits: a webhook the chat no longer knows is
// gone (the feed is disabled), a message it refuses fails the delivery alone, and rate limits
// and outages are retried after the Retry-After the chat asked for.
func TestFeedTransportClassifiesTheChatsAnswers(t *testing.T) {
	s := standInSender()
	events := shippedEvents(2, order.PublishOrderShipped)
	for _, tc := range []struct {
		status int
		want   Outcome
		wait   time.Duration
	}{
		{http.StatusBadRequest, Failed, 0},
		{http.StatusUnauthorized, Gone, 0},
		{http.StatusForbidden, Gone, 0},
		{http.StatusNotFound, Gone, 0},
		{http.StatusGone, Gone, 0},
		{http.StatusTooManyRequests, Retry, time.Second},
		{http.StatusInternalServerError, Retry, 0},
		{http.StatusServiceUnavailable, Retry, time.Second},
	} {
		sl, tm, gc := escalatetest.NewSlack(t), escalatetest.NewTeams(t), escalatetest.NewGoogleChat(t)
		for _, c := range []struct {
			kind Kind
			url  string
			fail func(n, status int)
		}{{KindSlack, sl.WebhookURL(), sl.FailNext}, {KindTeams, tm.WebhookURL(), tm.FailNext}, {KindGoogleChat, gc.WebhookURL(), gc.FailNext}} {
			c.fail(1, tc.status)
			res, _ := s.send(t.Context(), outgoing(c.kind, c.url, events), 1)
			if res.Outcome != tc.want || res.RetryAfter != tc.wait || res.Status != tc.status {
				t.Errorf("%s answering %d: %+v, want %s after %s", c.kind, tc.status, res, tc.want, tc.wait)
			}
			if strings.Contains(res.Err, "/services/") || strings.Contains(res.Err, "sig=") || strings.Contains(res.Err, "token=") {
				t.Errorf("%s: error shows the webhook URL: %s", c.kind, res.Err)
			}
		}
	}
	// Slack's own codes are kept for staff to read in the attempt log.
	sl := escalatetest.NewSlack(t)
	res, _ := s.send(t.Context(), outgoing(KindSlack, sl.WebhookURL()+"x", events), 1)
	if res.Outcome != Gone || res.Body != "no_service" {
		t.Errorf("deleted slack webhook: %+v", res)
	}
	// A stand-in closed: a network failure, retried.
	sl.Close()
	if res, _ := s.send(t.Context(), outgoing(KindSlack, sl.WebhookURL(), events), 1); res.Outcome != Retry || res.Status != 0 {
		t.Errorf("closed slack: %+v", res)
	}
}

// A feed's URL must be on its chat's webhook hosts; a stand-in is reached only in a range the
// policy allows explicitly; and the check is made again at every attempt.
func TestCheckFeedURL(t *testing.T) {
	prod := egress.Policy{}
	dev := egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true}
	for _, tc := range []struct {
		kind Kind
		url  string
		p    egress.Policy
		ok   bool
	}{
		{KindSlack, "https://hooks.slack.com/services/T0/B0/x", prod, true},
		{KindSlack, "https://HOOKS.slack.com./services/T0/B0/x", prod, true},
		{KindSlack, "https://hooks.slack.com.evil.example/services/x", prod, false},
		{KindSlack, "https://chat.googleapis.com/v1/spaces/x/messages", prod, false},
		{KindSlack, "http://hooks.slack.com/services/T0/B0/x", prod, false},
		{KindTeams, "https://prod-12.westeurope.logic.azure.com:443/workflows/1/triggers/manual/paths/invoke?sig=x", prod, true},
		{KindTeams, "https://default1.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/1", prod, true},
		{KindTeams, "https://contoso.webhook.office.com/webhookb2/x", prod, false}, // Office 365 connectors are retired
		{KindTeams, "https://logic.azure.com.evil.example/x", prod, false},
		{KindGoogleChat, "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", prod, true},
		{KindGoogleChat, "http://127.0.0.1:8080/v1/spaces/AAA/messages", prod, false},
		{KindGoogleChat, "http://127.0.0.1:8080/v1/spaces/AAA/messages", dev, true},
		{KindSlack, "http://localhost:9/services/x", dev, true},
		{KindSlack, "https://8.8.8.8/services/x", dev, false},
	} {
		err := CheckFeedURL(tc.kind, tc.url, tc.p)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: %v, want ok %t", tc.kind, tc.url, err, tc.ok)
		}
	}
	res, _ := standInSender().send(t.Context(), outgoing(KindSlack, "https://example.com/services/x", shippedEvents(1, order.PublishOrderShipped)), 1)
	if res.Outcome != Failed || !strings.Contains(res.Err, "hooks.slack.com") {
		t.Errorf("attempt to a host off the list: %+v", res)
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/secret":                                      "https://hooks.slack.com/services/****",
		"https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t":                     "https://chat.googleapis.com/v1/****",
		"https://prod-1.westeurope.logic.azure.com/workflows/abc/triggers/manual?sig=secret": "https://prod-1.westeurope.logic.azure.com/workflows/****",
		"::": "****",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

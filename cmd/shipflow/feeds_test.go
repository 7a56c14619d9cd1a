package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
)

// TestMilestoneFeedToSlack runs a staff milestone feed through the whole path: a Slack feed
// subscribed to order.shipped is created through the API, two orders are shipped by signed
// commerce events, their workflows publish, the outbox records a delivery each, and once the
// digest window has passed one worker gathers them and posts ONE message to the Slack
// stand-in listing both.
func TestMilestoneFeedToSlack(t *testing.T) {
	sl := escalatetest.NewSlack(t)
	s := startFeedStack(t)
	feedID, prefix, ids := s.shipToFeed(t, outbound.KindSlack, sl.WebhookURL())
	raw := oneDigest(t, prefix, func() (out []json.RawMessage) {
		for _, m := range sl.Messages() {
			out = append(out, m.Raw)
		}
		return out
	})
	var mine escalatetest.SlackMessage
	for _, m := range sl.Messages() {
		if bytes.Equal(m.Raw, raw) {
			mine = m
		}
	}
	text := strings.Join(mine.Texts, "\n")
	for _, id := range ids {
		if !strings.Contains(text, id) {
			t.Errorf("the digest does not list %s: %q", id, text)
		}
	}
	if !strings.Contains(mine.Header, "order updates") || !strings.Contains(text, "Shipped") || !strings.Contains(text, "DPD") {
		t.Errorf("digest header %q texts %q", mine.Header, text)
	}
	s.deliveredInOneDigest(t, feedID)
}

// TestMilestoneFeedsToTeamsAndGoogleChat runs the same whole path to a Microsoft Teams
// Workflows webhook and a Google Chat space: one digest each, listing both orders, posted in
// the chat's own format (checked by its stand-in).
func TestMilestoneFeedsToTeamsAndGoogleChat(t *testing.T) {
	tm, gc := escalatetest.NewTeams(t), escalatetest.NewGoogleChat(t)
	s := startFeedStack(t)
	for _, c := range []struct {
		kind outbound.Kind
		url  string
		raw  func() []json.RawMessage
	}{
		{outbound.KindTeams, tm.WebhookURL(), func() (out []json.RawMessage) {
			for _, m := range tm.Messages() {
				out = append(out, m.Raw)
			}
			return out
		}},
		{outbound.KindGoogleChat, gc.WebhookURL(), func() (out []json.RawMessage) {
			for _, m := range gc.Messages() {
				out = append(out, m.Raw)
			}
			return out
		}},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			feedID, prefix, ids := s.shipToFeed(t, c.kind, c.url)
			raw := oneDigest(t, prefix, c.raw)
			for _, id := range ids {
				if !bytes.Contains(raw, []byte(id)) {
					t.Errorf("the digest does not list %s: %s", id, raw)
				}
			}
			s.deliveredInOneDigest(t, feedID)
		})
	}
}

// startFeedStack is the stack with feeds allowed to reach local stand-ins and an 8 s digest
// window.
func startFeedStack(t *testing.T) *stack {
	return startStack(t, map[string]string{
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
		"SHIPFLOW_FEED_DIGEST_WINDOW":    "8s",
	})
}

// shipToFeed creates a feed of kind posting to url, subscribed to order.shipped, and ships two
// orders; it returns the feed, the orders' id prefix and their ids.
func (s *stack) shipToFeed(t *testing.T, kind outbound.Kind, url string) (feedID, prefix string, ids []string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"kind": kind, "url": url, "event_types": []string{"order.shipped"}, "description": "#logistics"})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/v1/webhook-endpoints", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer ops-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var feed outbound.Endpoint
	_ = json.NewDecoder(resp.Body).Decode(&feed)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || feed.Kind != kind {
		t.Fatalf("create %s feed: %d %+v", kind, resp.StatusCode, feed)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), feed.ID) })

	prefix = fmt.Sprintf("feed-%s-%d-", kind, time.Now().UnixNano())
	ids = []string{prefix + "a", prefix + "b"}
	for i, id := range ids {
		s.confirm(id, map[string]any{"name": "Ona", "email": "ona@example.com", "locale": "en", "time_zone": "UTC"}, "email")
		shipped, _ := json.Marshal(map[string]any{"type": "order.shipped", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
			"order_id": id,
			"shipment": map[string]any{"shipment_id": "S1", "carrier": "dpd", "tracking_number": fmt.Sprintf("0521234567890%d", i), "items": []string{"SKU-1"}},
		}})
		r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: id + "-shipped", body: shipped}
		if err := r.send(http.DefaultClient, s.base); err != nil {
			t.Fatal(err)
		}
	}
	return feed.ID, prefix, ids
}

// oneDigest waits for the chat's post about the orders of prefix and returns it, failing when
// there is none or more than one.
func oneDigest(t *testing.T, prefix string, posts func() []json.RawMessage) json.RawMessage {
	t.Helper()
	mine := func() (out []json.RawMessage) {
		for _, raw := range posts() {
			if bytes.Contains(raw, []byte(prefix)) {
				out = append(out, raw)
			}
		}
		return out
	}
	testenv.Eventually(t, 45*time.Second, func() bool { return len(mine()) > 0 }, "no digest reached the stand-in")
	time.Sleep(2 * time.Second) // a second post, were there one, would have come by now
	got := mine()
	if len(got) != 1 {
		t.Fatalf("the chat got %d messages about the orders, want one digest: %s", len(got), got)
	}
	return got[0]
}

// deliveredInOneDigest checks that each of the feed's two deliveries shows its attempt, sent in
// the same digest.
func (s *stack) deliveredInOneDigest(t *testing.T, feedID string) {
	t.Helper()
	_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+feedID+"/deliveries", "ops-token")
	ds, _ := page["deliveries"].([]any)
	digests := map[any]bool{}
	for _, x := range ds {
		d, _ := x.(map[string]any)
		if d["status"] != "delivered" || d["attempts"] != float64(1) {
			t.Errorf("delivery %v", d)
		}
		digests[d["digest"]] = true
	}
	if len(ds) != 2 || len(digests) != 1 {
		t.Errorf("deliveries %v: want two in one digest", ds)
	}
}

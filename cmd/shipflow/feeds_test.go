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
	s := startStack(t, map[string]string{
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
		"SHIPFLOW_FEED_DIGEST_WINDOW":    "8s",
	})
	body, _ := json.Marshal(map[string]any{"kind": "slack", "url": sl.WebhookURL(), "event_types": []string{"order.shipped"}, "description": "#logistics"})
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
	if resp.StatusCode != http.StatusCreated || feed.Kind != outbound.KindSlack {
		t.Fatalf("create feed: %d %+v", resp.StatusCode, feed)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), feed.ID) })

	prefix := fmt.Sprintf("feed-%d-", time.Now().UnixNano())
	ids := []string{prefix + "a", prefix + "b"}
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

	var mine []escalatetest.SlackMessage
	testenv.Eventually(t, 45*time.Second, func() bool {
		mine = nil
		for _, m := range sl.Messages() {
			if strings.Contains(string(m.Raw), prefix) {
				mine = append(mine, m)
			}
		}
		return len(mine) > 0
	}, "no digest reached the Slack stand-in")
	time.Sleep(2 * time.Second) // a second post, were there one, would have come by now
	mine = nil
	for _, m := range sl.Messages() {
		if strings.Contains(string(m.Raw), prefix) {
			mine = append(mine, m)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("Slack got %d messages about the orders, want one digest: %+v", len(mine), mine)
	}
	text := strings.Join(mine[0].Texts, "\n")
	for _, id := range ids {
		if !strings.Contains(text, id) {
			t.Errorf("the digest does not list %s: %q", id, text)
		}
	}
	if !strings.Contains(mine[0].Header, "order updates") || !strings.Contains(text, "Shipped") || !strings.Contains(text, "DPD") {
		t.Errorf("digest header %q texts %q", mine[0].Header, text)
	}
	// Each delivery shows the attempt, sent in the same digest.
	_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+feed.ID+"/deliveries", "ops-token")
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

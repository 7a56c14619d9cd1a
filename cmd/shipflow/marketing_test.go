package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

// marketingStack is a stack that reaches stand-ins on 127.0.0.1 and seals credentials.
func marketingStack(t *testing.T) *stack {
	return startStack(t, map[string]string{
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
		"SHIPFLOW_SECRET_KEYS":           "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)),
	})
}

// createConnector creates a connector through the API and answers the status and the body.
func (s *stack) createConnector(body map[string]any) (int, map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/v1/webhook-endpoints", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer ops-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if id, _ := out["id"].(string); id != "" {
		s.t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(s.t), id) })
	}
	return resp.StatusCode, out
}

// ship sends order id's order.shipped for shipment S1 (DPD), then, when delivered, its
// order.delivered.
func (s *stack) ship(id string, delivered bool) {
	s.t.Helper()
	events := []map[string]any{{"type": "order.shipped", "data": map[string]any{"order_id": id,
		"shipment": map[string]any{"shipment_id": "S1", "carrier": "dpd", "tracking_number": "05212345678901", "items": []string{"SKU-1"}}}}}
	if delivered {
		events = append(events, map[string]any{"type": "order.delivered", "data": map[string]any{"order_id": id, "shipment_id": "S1"}})
	}
	for _, ev := range events {
		ev["timestamp"] = time.Now().UTC().Format(time.RFC3339)
		body, _ := json.Marshal(ev)
		r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: fmt.Sprint(id, "-", ev["type"]), body: body}
		if err := r.send(http.DefaultClient, s.base); err != nil {
			s.t.Fatal(err)
		}
	}
}

// deliveries are connector id's deliveries of order orderID, by event type.
func (s *stack) deliveries(id, orderID string) map[string]map[string]any {
	s.t.Helper()
	_, page := call(s.t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+id+"/deliveries?limit=100", "ops-token")
	out := map[string]map[string]any{}
	ds, _ := page["deliveries"].([]any)
	for _, x := range ds {
		if d, _ := x.(map[string]any); d["order_id"] == orderID {
			out[fmt.Sprint(d["event_type"])] = d
		}
	}
	return out
}

// settled waits until connector id's delivery of orderID's event typ is recorded delivered
// after attempts attempts.
func (s *stack) settled(id, orderID, typ string, attempts int) {
	s.t.Helper()
	var d map[string]any
	testenv.Eventually(s.t, 15*time.Second, func() bool {
		d = s.deliveries(id, orderID)[typ]
		return d["status"] == "delivered" && d["attempts"] == float64(attempts)
	}, "%s delivery of %s: want delivered after %d attempts; last %v", typ, orderID, attempts, testenv.Last(&d))
}

// TestKlaviyoConnectorThroughTheStack: a Klaviyo connector created through the API (its key
// checked, then shown masked) receives an order's milestones as events of their metrics, on
// the customer's profile, from the real workflow and outbox; while Klaviyo is down the first
// attempt fails and the schedule's retry delivers it once Klaviyo is back.
func TestKlaviyoConnectorThroughTheStack(t *testing.T) {
	const key = "pk_0123456789abcdef0123456789abcdef01"
	k := connectortest.NewKlaviyo(t, key)
	s := marketingStack(t)

	if code, body := s.createConnector(map[string]any{"kind": "klaviyo", "url": k.URL(), "credentials": map[string]string{"api_key": "pk_has space"}}); code != http.StatusBadRequest {
		t.Errorf("a key with a space: %d %v", code, body)
	}
	if code, body := s.createConnector(map[string]any{"kind": "klaviyo", "url": "https://klaviyo.evil.example", "credentials": map[string]string{"api_key": key}}); code != http.StatusUnprocessableEntity {
		t.Errorf("a key sent elsewhere: %d %v", code, body)
	}
	code, ep := s.createConnector(map[string]any{"kind": "klaviyo", "url": k.URL(), "event_types": []string{"order.shipped", "order.delivered"},
		"credentials": map[string]string{"api_key": key}, "description": "Klaviyo flows"})
	creds, _ := ep["credentials"].(map[string]any)
	if code != http.StatusCreated || ep["kind"] != "klaviyo" || creds["api_key"] != "********" {
		t.Fatalf("create: %d %v", code, ep)
	}
	id := ep["id"].(string)

	order := fmt.Sprintf("klaviyo-%d", time.Now().UnixNano())
	mine := func() []connectortest.KlaviyoEvent {
		var out []connectortest.KlaviyoEvent
		for _, e := range k.Events() {
			if e.Properties["OrderId"] == order {
				out = append(out, e)
			}
		}
		return out
	}
	k.Down(0)
	s.confirm(order, map[string]any{"name": "Ona", "email": "ona@example.com", "phone": "+37060000000", "locale": "en", "time_zone": "UTC"}, "email")
	s.ship(order, false)
	testenv.Eventually(t, 45*time.Second, func() bool {
		d := s.deliveries(id, order)["order.shipped"]
		return d != nil && d["attempts"] == float64(1) && d["status"] != "delivered"
	}, "the shipped event's first attempt did not fail while Klaviyo was down")
	k.Up()
	testenv.Eventually(t, 30*time.Second, func() bool { return len(mine()) == 1 }, "the retry did not reach Klaviyo")
	s.ship(order, true) // the same shipped event again, and the delivery
	testenv.Eventually(t, 45*time.Second, func() bool { return len(mine()) == 2 }, "order.delivered did not reach Klaviyo")

	evs := mine()
	if evs[0].Metric != "Shipment Shipped" || evs[1].Metric != "Delivered" {
		t.Errorf("metrics %q, %q", evs[0].Metric, evs[1].Metric)
	}
	for _, e := range evs {
		if e.Email != "ona@example.com" || e.Phone != "+37060000000" || !strings.HasPrefix(e.UniqueID, "evt_") ||
			e.Properties["Carrier"] != "DPD" || e.Properties["TrackingNumber"] != "05212345678901" || e.Properties["TrackingUrl"] == nil {
			t.Errorf("event %+v", e)
		}
	}
	// Klaviyo has the events; the outcome is recorded once its answer is back.
	s.settled(id, order, "order.shipped", 2)
	s.settled(id, order, "order.delivered", 1)
}

// TestActiveCampaignConnectorThroughTheStack: an ActiveCampaign connector created through the
// API tags the customer's contact with each milestone and sets its shipping fields; a rate
// limit (429 with Retry-After) on the first attempt is retried on the schedule.
func TestActiveCampaignConnectorThroughTheStack(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	ac := connectortest.NewActiveCampaign(t, token)
	for _, title := range []string{"Shipping Stage", "Shipping Carrier", "Tracking Link", "Shipping ETA"} {
		ac.AddField(title)
	}
	s := marketingStack(t)

	if code, body := s.createConnector(map[string]any{"kind": "activecampaign", "credentials": map[string]string{"api_token": token}}); code != http.StatusBadRequest {
		t.Errorf("no account URL: %d %v", code, body)
	}
	code, ep := s.createConnector(map[string]any{"kind": "activecampaign", "url": ac.URL(), "event_types": []string{"order.shipped", "order.delivered"},
		"credentials": map[string]string{"api_token": token}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, ep)
	}
	id := ep["id"].(string)

	order := fmt.Sprintf("ac-%d", time.Now().UnixNano())
	email := order + "@example.com"
	ac.FailNext(1, http.StatusTooManyRequests, "")
	s.confirm(order, map[string]any{"name": "Ona", "email": email, "locale": "en", "time_zone": "UTC"}, "email")
	s.ship(order, false)
	testenv.Eventually(t, 45*time.Second, func() bool {
		c, ok := ac.Contact(email)
		return ok && slices.Contains(c.Tags, "shipped")
	}, "the contact was not tagged shipped")
	s.settled(id, order, "order.shipped", 2) // delivered on the retry after the 429
	s.ship(order, true)
	testenv.Eventually(t, 45*time.Second, func() bool {
		c, _ := ac.Contact(email)
		return slices.Contains(c.Tags, "delivered")
	}, "the contact was not tagged delivered")
	c, _ := ac.Contact(email)
	if !slices.Equal(c.Tags, []string{"shipped", "delivered"}) || c.Fields["SHIPPING_STAGE"] != "delivered" || c.Fields["SHIPPING_CARRIER"] != "DPD" || c.Fields["TRACKING_LINK"] == "" {
		t.Errorf("contact %+v", c)
	}
}

package server_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
)

func TestShopifyOrderThroughFulfillmentAndDelivery(t *testing.T) {
	s := newStack(t)
	id := time.Now().UnixNano()
	orderID := fmt.Sprint(id)
	send := func(topic, eventID string, payload any) {
		t.Helper()
		body, _ := json.Marshal(payload)
		h := hmacHeader("X-Shopify-Hmac-Sha256", signature.SignHMACBase64(shopifySecret, body))
		h.Set("X-Shopify-Topic", topic)
		h.Set("X-Shopify-Event-Id", eventID)
		h.Set("X-Shopify-Webhook-Id", "wh-"+eventID)
		s.mustAccept(t, "/webhooks/shopify", h, body)
	}
	now := time.Now().UTC()
	send("orders/create", orderID+"-1", map[string]any{
		"id": id, "name": "#1001", "order_number": 1001, "email": "ona@example.com", "phone": "+37060000000",
		"created_at": now.Format(time.RFC3339), "customer_locale": "lt",
		"customer":   map[string]any{"first_name": "Ona", "last_name": "Petraitė", "email": "ona@example.com", "phone": "+37060000000"},
		"line_items": []map[string]any{{"sku": "SHOE-1", "title": "Shoes", "name": "Shoes", "quantity": 1}},
	})
	awaitOrder(t, orderID, "created", statusIs(order.StatusCreated))
	fulfillmentID := id + 1
	send("fulfillments/create", orderID+"-2", map[string]any{
		"id": fulfillmentID, "order_id": id, "status": "success", "tracking_company": "DPD",
		"tracking_number": "SHOP" + orderID, "tracking_numbers": []string{"SHOP" + orderID},
		"line_items": []map[string]any{{"sku": "SHOE-1", "quantity": 1}},
		"created_at": now.Format(time.RFC3339), "updated_at": now.Format(time.RFC3339),
	})
	awaitOrder(t, orderID, "shipped", statusIs(order.StatusShipped))
	for i, st := range []string{"in_transit", "out_for_delivery", "delivered"} {
		send("fulfillment_events/create", fmt.Sprintf("%s-%d", orderID, 3+i), map[string]any{
			"id": id + 10 + int64(i), "fulfillment_id": fulfillmentID, "order_id": id, "status": st,
			"message": st, "happened_at": now.Add(time.Duration(i+1) * time.Hour).Format(time.RFC3339),
			"city": "Kaunas", "country": "Lithuania",
		})
	}
	v := awaitOrder(t, orderID, "delivered", statusIs(order.StatusDelivered))
	if loc := v.Shipments[0].LastLocation; loc == nil || loc.City != "Kaunas" {
		t.Errorf("last location %+v", loc)
	}
	f := fmt.Sprint(fulfillmentID)
	s.notes.want(t, orderID, "shipped/"+f+"/sms", "out_for_delivery/"+f+"/sms", "delivered/"+f+"/sms",
		"shipped/"+f+"/email", "out_for_delivery/"+f+"/email", "delivered/"+f+"/email")
}

func TestCarrierUpdatesReachTheRightOrder(t *testing.T) {
	s := newStack(t)
	// Three orders with one shipment each; each provider updates its own.
	tracking := map[string]string{"aftership": "AS" + uniqueID("T"), "easypost": "EP" + uniqueID("T"), "shipengine": "SE" + uniqueID("T")}
	orders := map[string]string{}
	for provider, tn := range tracking {
		orderID := uniqueID(provider)
		orders[provider] = orderID
		s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
		s.sendCommerce(t, orderID+"-s", "order.shipped", shipped(orderID, "S1", "DPD", tn))
		awaitOrder(t, orderID, "shipped", statusIs(order.StatusShipped))
	}
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)

	body, _ := json.Marshal(map[string]any{"event": "tracking_update", "event_id": uniqueID("as"), "is_tracking_first_tag": false, "ts": time.Now().Unix(),
		"msg": map[string]any{"tracking_number": tracking["aftership"], "slug": "dpd", "tag": "OutForDelivery", "subtag": "OutForDelivery_001",
			"checkpoints": []map[string]any{{"checkpoint_time": at, "message": "Out for delivery", "tag": "OutForDelivery", "subtag": "OutForDelivery_001", "city": "Vilnius", "country_iso3": "LTU"}}}})
	s.mustAccept(t, "/webhooks/carriers/aftership", hmacHeader("aftership-hmac-sha256", signature.SignHMACBase64(aftershipSecret, body)), body)

	body, _ = json.Marshal(map[string]any{"id": uniqueID("evt"), "description": "tracker.updated", "result": map[string]any{
		"tracking_code": tracking["easypost"], "status": "delivered", "status_detail": "arrived_at_destination", "carrier": "DPD",
		"tracking_details": []map[string]any{{"message": "Delivered", "status": "delivered", "status_detail": "arrived_at_destination", "datetime": at,
			"tracking_location": map[string]any{"city": "Kaunas", "country": "LT"}}}}})
	s.mustAccept(t, "/webhooks/carriers/easypost", hmacHeader("X-Hmac-Signature", signature.SignEasyPost(easypostSecret, body)), body)

	body, _ = json.Marshal(map[string]any{"resource_type": "API_TRACK", "resource_url": "https://api.shipengine.com/v1/tracking?tracking_number=x", "data": map[string]any{
		"tracking_number": tracking["shipengine"], "carrier_code": "dpd", "status_code": "EX", "status_detail_code": "CARRIER_STATUS_NOT_MAPPED",
		"events": []map[string]any{{"occurred_at": at, "description": "Address problem", "city_locality": "Klaipėda", "country_code": "LT", "status_code": "EX"}}}})
	s.mustAccept(t, "/webhooks/carriers/shipengine", s.shipEngine(t, body), body)

	awaitOrder(t, orders["aftership"], "out for delivery", statusIs(order.StatusOutForDelivery))
	awaitOrder(t, orders["easypost"], "delivered", statusIs(order.StatusDelivered))
	v := awaitOrder(t, orders["shipengine"], "exception", statusIs(order.StatusException))
	if v.Exception == nil || v.Exception.Reason != order.ReasonCarrierException {
		t.Errorf("exception %+v", v.Exception)
	}
}

func TestTemporalDownWhileEventsArriveAppliesEachOnce(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("outage")
	s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
	awaitOrder(t, orderID, "created", statusIs(order.StatusCreated))

	s.temporal.Cut()
	events := []struct{ id, typ string }{{"-conf", "order.confirmed"}, {"-pack", "order.packed"}}
	for _, e := range events {
		s.sendCommerce(t, orderID+e.id, e.typ, map[string]any{"order_id": orderID})
	}
	s.sendCommerce(t, orderID+"-ship", "order.shipped", shipped(orderID, "S1", "DPD", "OUT"+orderID))
	time.Sleep(2 * time.Second) // the relay tries, fails and backs off
	if n := countInbox(t, orderID, "applied"); n != 1 {
		t.Errorf("%d deliveries applied while Temporal was unreachable, want only the order.created", n)
	}
	s.temporal.Restore()

	v := awaitOrder(t, orderID, "shipped", statusIs(order.StatusShipped))
	for _, typ := range []string{"order.confirmed", "order.packed", "order.shipped"} {
		if n := timelineCount(v, typ); n != 1 {
			t.Errorf("%s applied %d times, want once", typ, n)
		}
	}
	waitInbox(t, orderID, "applied", 4)
	s.notes.want(t, orderID, "confirmed//sms", "confirmed//email", "shipped/S1/sms", "shipped/S1/email")
}

func TestSameEventTenTimesConcurrentlyAppliesOnce(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("storm")
	s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
	h, body := commerce(t, orderID+"-confirm", "order.confirmed", map[string]any{"order_id": orderID})
	results := make(chan string, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, out := s.post(t, "/webhooks/commerce", h, body)
			results <- fmt.Sprint(out["status"])
		})
	}
	wg.Wait()
	close(results)
	count := map[string]int{}
	for r := range results {
		count[r]++
	}
	if count["accepted"] != 1 || count["duplicate"] != 9 {
		t.Errorf("answers %v, want 1 accepted and 9 duplicate", count)
	}
	v := awaitOrder(t, orderID, "confirmed", statusIs(order.StatusConfirmed))
	if n := timelineCount(v, "order.confirmed"); n != 1 {
		t.Errorf("order.confirmed applied %d times", n)
	}
}

func TestEventsOutOfOrderWaitForTheirOrderAndShipment(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("early")
	tn := "EARLY" + orderID
	// A carrier scan before the shipment, and the shipment before the order.
	body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"carrier": "DPD", "tracking_number": tn, "status": "in_transit", "description": "Departed hub",
		"location": map[string]any{"city": "Riga", "country": "LV"}, "occurred_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)}})
	h, _ := signature.Headers([]string{carrierSecret}, orderID+"-scan", time.Now(), body)
	s.mustAccept(t, "/webhooks/carriers/generic", h, body)
	s.sendCommerce(t, orderID+"-s", "order.shipped", shipped(orderID, "S1", "DPD", tn))
	waitInbox(t, orderID, "waiting", 1) // the shipment; the scan waits under its tracking number
	if n := countInboxTracking(t, tn, "waiting"); n != 1 {
		t.Errorf("scan before its shipment: %d waiting, want 1", n)
	}
	s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
	v := awaitOrder(t, orderID, "in transit", statusIs(order.StatusInTransit))
	if loc := v.Shipments[0].LastLocation; loc == nil || loc.City != "Riga" {
		t.Errorf("the early scan was not applied: %+v", v.Shipments[0])
	}
}

func TestBadInputIsRefusedAndLeavesNothing(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("bad")
	good := func() (http.Header, []byte) { return commerce(t, orderID+"-x", "order.created", created(orderID)) }
	stale := func() (http.Header, []byte) {
		body, _ := json.Marshal(map[string]any{"type": "order.created", "data": created(orderID)})
		h, _ := signature.Headers([]string{commerceSecret}, orderID+"-stale", time.Now().Add(-6*time.Minute), body)
		return h, body
	}
	signed := func(body string) (http.Header, []byte) {
		h, _ := signature.Headers([]string{commerceSecret}, orderID+"-b", time.Now(), []byte(body))
		return h, []byte(body)
	}
	tests := []struct {
		name   string
		path   string
		req    func() (http.Header, []byte)
		status int
		code   string
		want   string
	}{
		{"missing signature", "/webhooks/commerce", func() (http.Header, []byte) { _, b := good(); return nil, b }, 401, "unauthorized", "missing"},
		{"bad signature", "/webhooks/commerce", func() (http.Header, []byte) {
			h, b := good()
			h.Set("webhook-signature", "v1,"+hex.EncodeToString(make([]byte, 32)))
			return h, b
		}, 401, "unauthorized", "does not verify"},
		{"tampered body", "/webhooks/commerce", func() (http.Header, []byte) {
			h, b := good()
			return h, append(b[:len(b)-1], ' ', '}')
		}, 401, "unauthorized", "does not verify"},
		{"timestamp six minutes old", "/webhooks/commerce", stale, 401, "unauthorized", "timestamp"},
		{"malformed JSON", "/webhooks/commerce", func() (http.Header, []byte) { return signed(`{"type": "order.created", "data": {`) }, 400, "invalid_json", "malformed JSON"},
		{"missing field", "/webhooks/commerce", func() (http.Header, []byte) {
			return signed(`{"type":"order.confirmed","timestamp":"2026-05-07T10:30:00Z","data":{}}`)
		}, 400, "missing_field", "data.order_id"},
		{"unknown event type", "/webhooks/commerce", func() (http.Header, []byte) {
			return signed(`{"type":"order.teleported","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"x"}}`)
		}, 422, "unprocessable", "order.teleported"},
		{"unknown provider", "/webhooks/carriers/pigeonpost", good, 404, "not_found", "pigeonpost"},
		{"body over 1 MiB", "/webhooks/commerce", func() (http.Header, []byte) {
			return signed(`{"type":"order.created","pad":"` + strings.Repeat("x", 1<<20) + `"}`)
		}, 413, "payload_too_large", "1 MiB"},
		{"shopify without hmac", "/webhooks/shopify", func() (http.Header, []byte) { return hmacHeader("X-Shopify-Topic", "orders/create"), []byte(`{}`) }, 401, "unauthorized", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, body := tt.req()
			status, out := s.post(t, tt.path, h, body)
			e, _ := out["error"].(map[string]any)
			if status != tt.status || e["code"] != tt.code || !strings.Contains(fmt.Sprint(e["message"]), tt.want) {
				t.Errorf("got %d %v, want %d %s mentioning %q", status, out, tt.status, tt.code, tt.want)
			}
		})
	}
	if n := countInbox(t, orderID, ""); n != 0 {
		t.Errorf("refused requests left %d inbox rows", n)
	}
}

func TestWooCommerceCreationPingIsAnswered(t *testing.T) {
	s := newStack(t)
	h := hmacHeader("Content-Type", "application/x-www-form-urlencoded")
	if status, out := s.post(t, "/webhooks/woocommerce", h, []byte("webhook_id=17")); status != http.StatusOK {
		t.Errorf("ping: %d %v", status, out)
	}
}

func timelineCount(v order.View, typ string) int {
	n := 0
	for _, e := range v.Timeline {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func countInbox(t *testing.T, orderID, status string) int {
	t.Helper()
	var n int
	err := testenv.DB(t).QueryRow(context.Background(),
		`SELECT count(*) FROM inbound_events WHERE order_id = $1 AND ($2 = '' OR status = $2)`, orderID, status).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countInboxTracking(t *testing.T, tn, status string) int {
	t.Helper()
	var n int
	err := testenv.DB(t).QueryRow(context.Background(),
		`SELECT count(*) FROM inbound_events WHERE $1 = ANY (tracking_keys) AND status = $2`, order.TrackingKey(tn), status).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitInbox(t *testing.T, orderID, status string, want int) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, func() bool { return countInbox(t, orderID, status) >= want },
		"order %s: fewer than %d deliveries %s", orderID, want, status)
}

func TestStaffSeeAndReplayTheInbox(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("stuck")
	s.sendCommerce(t, orderID+"-confirm", "order.confirmed", map[string]any{"order_id": orderID})
	waitInbox(t, orderID, "waiting", 1)

	list := func(query string) []any {
		t.Helper()
		status, out := s.admin(t, http.MethodGet, "/v1/inbound-events"+query)
		if status != http.StatusOK {
			t.Fatalf("list %s: %d %v", query, status, out)
		}
		return out["events"].([]any)
	}
	var stuck map[string]any
	for _, e := range list("?status=waiting&limit=200") {
		if ev := e.(map[string]any); ev["order_id"] == orderID {
			stuck = ev
		}
	}
	if stuck == nil || stuck["waiting_for"] != "order" || !strings.Contains(fmt.Sprint(stuck["last_error"]), "does not exist yet") {
		t.Fatalf("waiting delivery not listed with its reason: %v", stuck)
	}
	id := int64(stuck["id"].(float64))

	s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
	awaitOrder(t, orderID, "confirmed", statusIs(order.StatusConfirmed))
	waitInbox(t, orderID, "applied", 2)

	// Replaying an applied delivery goes through the relay again and changes nothing.
	if status, out := s.admin(t, http.MethodPost, fmt.Sprintf("/v1/inbound-events/%d/replay", id)); status != http.StatusOK || out["status"] != "pending" {
		t.Fatalf("replay: %d %v", status, out)
	}
	waitInbox(t, orderID, "applied", 2)
	v := awaitOrder(t, orderID, "confirmed", statusIs(order.StatusConfirmed))
	if n := timelineCount(v, "order.confirmed"); n != 1 {
		t.Errorf("replayed delivery applied %d times", n)
	}

	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/v1/inbound-events/999999999/replay", http.StatusNotFound},
		{http.MethodPost, "/v1/inbound-events/abc/replay", http.StatusBadRequest},
		{http.MethodGet, "/v1/inbound-events?status=lost", http.StatusBadRequest},
		{http.MethodGet, "/v1/inbound-events?cursor=zzz", http.StatusBadRequest},
	} {
		if status, out := s.admin(t, tt.method, tt.path); status != tt.status {
			t.Errorf("%s %s: %d %v, want %d", tt.method, tt.path, status, out, tt.status)
		}
	}
}

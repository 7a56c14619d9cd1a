package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/outbound/connectortest"
	"github.com/shipflow/shipflow/signature"
)

const (
	shopWebhookSecret = "shopify-whole-path-webhook-secret"
	shopAccessToken   = "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"
)

// shopSecretKeys is SHIPFLOW_SECRET_KEYS: one key, sealing the connector's token in Postgres.
var shopSecretKeys = "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))

// TestShopifyWriteBack runs the Shopify connector through the whole path: the connector is
// created through the API with its token (shown masked), an order and its fulfillment arrive
// as signed Shopify webhooks, carrier scans arrive through the generic carrier webhook, and
// the shop's stand-in receives each milestone as a fulfillment event on that fulfillment, once.
// During an outage of the shop the out-for-delivery event is retried on the schedule and
// written when the shop is back.
func TestShopifyWriteBack(t *testing.T) {
	shop := connectortest.NewShopify(t, shopAccessToken)
	s := startStack(t, map[string]string{
		"SHOPIFY_WEBHOOK_SECRET":          shopWebhookSecret,
		"SHIPFLOW_CARRIER_WEBHOOK_SECRET": ticketsCarrierSecret,
		"SHIPFLOW_SECRET_KEYS":            shopSecretKeys,
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS":  "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":     "true",
	})
	n := time.Now().UnixNano() / 1000
	orderID, fulfillmentID, tn := fmt.Sprint(n), fmt.Sprint(n+1), fmt.Sprintf("SHOP%d", n)
	shop.AddFulfillment(orderID, fulfillmentID)

	body, _ := json.Marshal(map[string]any{
		"kind": "shopify", "url": shop.URL(), "description": "acme-store",
		"event_types": []string{"shipment.updated", "shipment.out_for_delivery", "shipment.exception", "order.delivered"},
		"credentials": map[string]string{"access_token": shopAccessToken},
	})
	code, created := shopCall(t, http.MethodPost, s.base+"/v1/webhook-endpoints", body)
	if code != http.StatusCreated || created["kind"] != "shopify" || strings.Contains(fmt.Sprint(created), shopAccessToken) {
		t.Fatalf("create connector: %d %v", code, created)
	}
	epID, _ := created["id"].(string)
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), epID) })

	// A token that is not Shopify's form is refused before anything is stored.
	bad, _ := json.Marshal(map[string]any{"kind": "shopify", "url": "https://acme.myshopify.com", "credentials": map[string]string{"access_token": "Bearer x"}})
	if code, _ := shopCall(t, http.MethodPost, s.base+"/v1/webhook-endpoints", bad); code != http.StatusBadRequest {
		t.Errorf("a malformed token: %d", code)
	}

	stamp := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	s.shopifyWebhook("orders/create", orderID+"-create", map[string]any{
		"id": json.Number(orderID), "created_at": stamp, "email": "ona@example.com", "customer_locale": "en",
		"customer":   map[string]any{"first_name": "Ona", "last_name": "P", "email": "ona@example.com"},
		"line_items": []map[string]any{{"id": 1, "sku": "MUG", "name": "Mug", "quantity": 1, "requires_shipping": true}},
	})
	s.shopifyWebhook("fulfillments/create", fulfillmentID+"-create", map[string]any{
		"id": json.Number(fulfillmentID), "order_id": json.Number(orderID), "status": "success", "created_at": stamp,
		"tracking_company": "DPD", "tracking_number": tn,
		"line_items": []map[string]any{{"id": 1, "sku": "MUG", "name": "Mug", "quantity": 1, "requires_shipping": true}},
	})
	testenv.Eventually(t, 30*time.Second, func() bool {
		v := s.view(orderID)
		sh, _ := v["shipments"].([]any)
		return v["origin"] == "shopify" && len(sh) == 1
	}, "the Shopify order and its fulfillment did not reach the order")

	t1 := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Second)
	s.scan(tn+"-transit", tn, order.ShipmentInTransit, "Departed hub", t1)
	waitShopEvents(t, shop, fulfillmentID, 1)

	// The shop is down: the out-for-delivery event fails its first attempt and is retried on
	// the schedule (5 s later), which the shop answers once back.
	shop.Down(0)
	t2 := t1.Add(10 * time.Minute)
	s.scan(tn+"-ofd", tn, order.ShipmentOutForDelivery, "On the van", t2)
	var failing string
	testenv.Eventually(t, 30*time.Second, func() bool {
		failing = shopPending(t, s, epID)
		return failing != ""
	}, "the out-for-delivery scan's first attempt was not recorded as failed")
	if len(shop.Events(fulfillmentID)) != 1 {
		t.Fatal("the shop took a write while down")
	}
	shop.Up()
	waitShopEvents(t, shop, fulfillmentID, 2)
	var ofd map[string]any
	testenv.Eventually(t, 30*time.Second, func() bool {
		_, ofd = call(t, http.MethodGet, s.base+"/v1/webhook-deliveries/"+failing, "ops-token")
		return ofd["status"] == "delivered"
	}, "the retried delivery is not delivered")
	if log, _ := ofd["attempt_log"].([]any); ofd["attempts"] != float64(2) || len(log) != 2 || !strings.Contains(fmt.Sprint(log[0]), "503") {
		t.Errorf("the retried delivery: %v", ofd)
	}

	t3 := t2.Add(2 * time.Hour)
	s.scan(tn+"-delivered", tn, order.ShipmentDelivered, "Left at the door", t3)
	waitShopEvents(t, shop, fulfillmentID, 3)
	testenv.Eventually(t, 30*time.Second, func() bool {
		d := shopDelivery(t, s, epID, "order.delivered")
		return d != nil && d["status"] == "delivered"
	}, "order.delivered was not delivered")
	time.Sleep(2 * time.Second) // a duplicate write, were one coming, would have come by now

	var got []string
	for _, e := range shop.Events(fulfillmentID) {
		got = append(got, fmt.Sprintf("%s %s %s", e.Status, e.HappenedAt.Format(time.RFC3339), e.City))
	}
	want := []string{
		"IN_TRANSIT " + t1.Format(time.RFC3339) + " Kaunas",
		"OUT_FOR_DELIVERY " + t2.Format(time.RFC3339) + " Kaunas",
		"DELIVERED " + t3.Format(time.RFC3339) + " Kaunas",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the shop's fulfillment events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// order.delivered writes nothing: the parcel's shipment.updated wrote DELIVERED.
	d := shopDelivery(t, s, epID, "order.delivered")
	_, one := call(t, http.MethodGet, s.base+"/v1/webhook-deliveries/"+fmt.Sprint(d["id"]), "ops-token")
	if log := fmt.Sprint(one["attempt_log"]); !strings.Contains(log, "not written back") {
		t.Errorf("order.delivered's attempt log: %s", log)
	}
}

// shopifyWebhook posts a signed Shopify webhook of topic with id as X-Shopify-Webhook-Id.
func (s *stack) shopifyWebhook(topic, id string, payload map[string]any) {
	s.t.Helper()
	body, _ := json.Marshal(payload)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/shopify", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Webhook-Id", id)
	req.Header.Set("X-Shopify-Hmac-Sha256", signature.SignHMACBase64(shopWebhookSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("shopify %s: %d %s", topic, resp.StatusCode, msg)
	}
}

// shopCall makes an API call with a JSON body as ops and decodes the answer.
func shopCall(t *testing.T, method, url string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer ops-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// shopDelivery is the connector's delivery of the event of type typ, or nil.
func shopDelivery(t *testing.T, s *stack, epID, typ string) map[string]any {
	t.Helper()
	_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+epID+"/deliveries", "ops-token")
	ds, _ := page["deliveries"].([]any)
	for _, x := range ds {
		if d, _ := x.(map[string]any); d["event_type"] == typ {
			return d
		}
	}
	return nil
}

// shopPending is the id of the connector's delivery waiting for a retry after a failed
// attempt, or "".
func shopPending(t *testing.T, s *stack, epID string) string {
	t.Helper()
	_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+epID+"/deliveries", "ops-token")
	ds, _ := page["deliveries"].([]any)
	for _, x := range ds {
		if d, _ := x.(map[string]any); d["status"] == "pending" && d["attempts"] == float64(1) {
			id, _ := d["id"].(string)
			return id
		}
	}
	return ""
}

// waitShopEvents waits until the shop holds n fulfillment events of fulfillmentID.
func waitShopEvents(t *testing.T, shop *connectortest.Shopify, fulfillmentID string, n int) {
	t.Helper()
	testenv.Eventually(t, 45*time.Second, func() bool { return len(shop.Events(fulfillmentID)) >= n },
		"the shop did not get fulfillment event %d", n)
}

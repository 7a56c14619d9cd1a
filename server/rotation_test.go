package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/telemetry"
)

// The secrets each source is rotated to; the stack's own become the *_PREVIOUS ones.
const (
	newCommerceSecret  = "whsec_bmV3LWNvbW1lcmNlLXNlY3JldC1hZnRlci1yb3RhdGlvbg=="
	newCarrierSecret   = "whsec_bmV3LWNhcnJpZXItc2VjcmV0LWFmdGVyLXJvdGF0aW9u"
	newShopifySecret   = "shpss_rotated_secret"
	newWooSecret       = "new woo secret, with a comma" // WooCommerce secrets are whatever was typed
	newAfterShipSecret = "aftership-rotated-secret"
	newEasyPostSecret  = "easypost-rotated-secret"
	strangerSecret     = "whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQ="
)

// rotating starts a second HTTP server over the stack's database, inbox and Temporal, its
// sources mid-rotation: the new secrets current and the stack's secrets previous. What it
// accepts, the stack's relay applies.
func rotating(t *testing.T) string {
	t.Helper()
	newStack(t) // its relay and worker apply what this server accepts
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_COMMERCE_WEBHOOK_SECRET":          newCommerceSecret,
			"SHIPFLOW_COMMERCE_WEBHOOK_SECRET_PREVIOUS": commerceSecret,
			"SHIPFLOW_CARRIER_WEBHOOK_SECRET":           newCarrierSecret,
			"SHIPFLOW_CARRIER_WEBHOOK_SECRET_PREVIOUS":  carrierSecret,
			"SHOPIFY_WEBHOOK_SECRET":                    newShopifySecret,
			"SHOPIFY_WEBHOOK_SECRET_PREVIOUS":           shopifySecret,
			"WOOCOMMERCE_WEBHOOK_SECRET":                newWooSecret,
			"WOOCOMMERCE_WEBHOOK_SECRET_PREVIOUS":       wooSecret,
			"AFTERSHIP_WEBHOOK_SECRET":                  newAfterShipSecret,
			"AFTERSHIP_WEBHOOK_SECRET_PREVIOUS":         aftershipSecret,
			"EASYPOST_WEBHOOK_SECRET":                   newEasyPostSecret,
			"EASYPOST_WEBHOOK_SECRET_PREVIOUS":          easypostSecret,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	pool := testenv.DB(t)
	srv := httptest.NewServer(server.New(server.Deps{
		Config: cfg, DB: pool, Temporal: testenv.Temporal(t), Logger: testenv.QuietLogger(), Metrics: m, Inbox: inbox.New(pool),
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestInboundSecretRotation: during a rotation each source accepts deliveries signed with the
// old secret and with the new one, and refuses one signed with neither. For commerce the
// deliveries are applied end to end: an order created under the old secret is confirmed
// under the new.
func TestInboundSecretRotation(t *testing.T) {
	url := rotating(t)
	post := (&stack{url: url}).post

	// Commerce (Standard Webhooks).
	orderID := uniqueID("rot")
	standard := func(secret, id, typ string, data any) (http.Header, []byte) {
		body, _ := json.Marshal(map[string]any{"type": typ, "timestamp": time.Now().UTC().Format(time.RFC3339), "data": data})
		h, err := signature.Headers([]string{secret}, id, time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		return h, body
	}
	h, body := standard(commerceSecret, orderID+"-c", "order.created", created(orderID))
	if status, out := post(t, "/webhooks/commerce", h, body); status != http.StatusOK || out["status"] != "accepted" {
		t.Fatalf("commerce, old secret: %d %v", status, out)
	}
	h, body = standard(newCommerceSecret, orderID+"-k", "order.confirmed", map[string]any{"order_id": orderID})
	if status, out := post(t, "/webhooks/commerce", h, body); status != http.StatusOK || out["status"] != "accepted" {
		t.Fatalf("commerce, new secret: %d %v", status, out)
	}
	h, body = standard(strangerSecret, orderID+"-x", "order.packed", map[string]any{"order_id": orderID})
	if status, out := post(t, "/webhooks/commerce", h, body); status != http.StatusUnauthorized {
		t.Errorf("commerce, neither secret: %d %v, want 401", status, out)
	}
	awaitOrder(t, orderID, "confirmed", statusIs(order.StatusConfirmed))

	// Generic carrier (Standard Webhooks).
	for i, secret := range []string{carrierSecret, newCarrierSecret, strangerSecret} {
		h, body := standard(secret, uniqueID("trk"), "tracking.updated", map[string]any{
			"carrier": "DPD", "tracking_number": uniqueID("ROT"), "status": "in_transit",
			"occurred_at": time.Now().UTC().Format(time.RFC3339),
		})
		wantRotation(t, post, "generic", i, "/webhooks/carriers/generic", h, body)
	}

	// Shopify, WooCommerce and AfterShip (base64 HMAC of the body), EasyPost (hex HMAC).
	for i, secret := range []string{shopifySecret, newShopifySecret, "stranger"} {
		id := time.Now().UnixNano()
		body, _ := json.Marshal(map[string]any{
			"id": id, "name": "#R1", "email": "ona@example.com", "created_at": time.Now().UTC().Format(time.RFC3339),
			"customer":   map[string]any{"first_name": "Ona", "email": "ona@example.com"},
			"line_items": []map[string]any{{"sku": "SHOE-1", "name": "Shoes", "quantity": 1}},
		})
		h := hmacHeader("X-Shopify-Hmac-Sha256", signature.SignHMACBase64(secret, body))
		h.Set("X-Shopify-Topic", "orders/create")
		h.Set("X-Shopify-Event-Id", fmt.Sprint(id))
		wantRotation(t, post, "shopify", i, "/webhooks/shopify", h, body)
	}
	for i, secret := range []string{wooSecret, newWooSecret, "stranger"} {
		body := []byte(fmt.Sprintf(`{"id":%d}`, time.Now().UnixNano()))
		h := hmacHeader("X-WC-Webhook-Signature", signature.SignHMACBase64(secret, body))
		h.Set("X-WC-Webhook-Topic", "order.deleted")
		h.Set("X-WC-Webhook-Delivery-ID", uniqueID("wc"))
		wantRotation(t, post, "woocommerce", i, "/webhooks/woocommerce", h, body)
	}
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	for i, secret := range []string{aftershipSecret, newAfterShipSecret, "stranger"} {
		body, _ := json.Marshal(map[string]any{"event": "tracking_update", "event_id": uniqueID("as"), "ts": time.Now().Unix(),
			"msg": map[string]any{"tracking_number": uniqueID("AS"), "slug": "dpd", "tag": "InTransit", "subtag": "InTransit_001",
				"checkpoints": []map[string]any{{"checkpoint_time": at, "message": "In transit", "tag": "InTransit", "subtag": "InTransit_001", "city": "Vilnius", "country_iso3": "LTU"}}}})
		wantRotation(t, post, "aftership", i, "/webhooks/carriers/aftership", hmacHeader("aftership-hmac-sha256", signature.SignHMACBase64(secret, body)), body)
	}
	for i, secret := range []string{easypostSecret, newEasyPostSecret, "stranger"} {
		body, _ := json.Marshal(map[string]any{"id": uniqueID("evt"), "description": "tracker.updated", "result": map[string]any{
			"tracking_code": uniqueID("EP"), "status": "in_transit", "status_detail": "arrived_at_facility", "carrier": "DPD",
			"tracking_details": []map[string]any{{"message": "Arrived", "status": "in_transit", "status_detail": "arrived_at_facility", "datetime": at,
				"tracking_location": map[string]any{"city": "Kaunas", "country": "LT"}}}}})
		wantRotation(t, post, "easypost", i, "/webhooks/carriers/easypost", hmacHeader("X-Hmac-Signature", signature.SignEasyPost(secret, body)), body)
	}
}

// wantRotation posts a delivery signed with secret number i of (old, new, stranger): the
// first two must be acknowledged, the third refused with 401.
func wantRotation(t *testing.T, post func(*testing.T, string, http.Header, []byte) (int, map[string]any), source string, i int, path string, h http.Header, body []byte) {
	t.Helper()
	which := [...]string{"old secret", "new secret", "neither secret"}[i]
	status, out := post(t, path, h, body)
	switch {
	case i < 2 && (status != http.StatusOK || out["status"] != "accepted"):
		t.Errorf("%s, %s: %d %v, want 200 accepted", source, which, status, out)
	case i == 2 && status != http.StatusUnauthorized:
		t.Errorf("%s, %s: %d %v, want 401", source, which, status, out)
	}
}

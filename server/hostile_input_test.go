package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
)

// Issue 14, findings 3 and 4: input that could be acknowledged but never stored or applied is
// refused at the door, with 400 naming the field, on the first try and every retry after it.
func TestHostileInputIsRefusedAtTheDoor(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("hostile")
	createdWith := func(f func(map[string]any)) map[string]any {
		d := created(orderID)
		f(d)
		return d
	}
	carrierScan := func(tn, desc string) []byte {
		body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339),
			"data": map[string]any{"carrier": "DPD", "tracking_number": tn, "status": "in_transit", "description": desc,
				"occurred_at": time.Now().UTC().Format(time.RFC3339)}})
		return body
	}
	tests := []struct {
		name  string
		path  string
		req   func() (http.Header, []byte)
		field string
	}{
		{"NUL in the customer's name", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-nul", "order.created", createdWith(func(d map[string]any) {
				d["customer"].(map[string]any)["name"] = "Ona\u0000Petraitė"
			}))
		}, "data.customer.name"},
		{"escape character in an item name", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-esc", "order.created", createdWith(func(d map[string]any) {
				d["items"] = []map[string]any{{"sku": "SHOE-1", "name": "Shoes\u001b[31m", "quantity": 1}}
			}))
		}, "data.items[0].name"},
		{"non-ASCII order id", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-lt", "order.created", createdWith(func(d map[string]any) { d["order_id"] = "užsakymas-1" }))
		}, "data.order_id"},
		{"emoji order id", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-emoji", "order.created", createdWith(func(d map[string]any) { d["order_id"] = "order-📦" }))
		}, "data.order_id"},
		{"tracking number of 5,000 characters", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-long", "order.shipped", shipped(orderID, "S1", "DPD", strings.Repeat("1", 5000)))
		}, "data.shipment.tracking_number"},
		{"carrier scan with a 5,000-character tracking number", "/webhooks/carriers/generic", func() (http.Header, []byte) {
			b := carrierScan(strings.Repeat("7", 5000), "Sorted")
			return signedCarrier(t, orderID+"-scan-long", b), b
		}, "data.tracking_number"},
		{"carrier scan with NUL in its description", "/webhooks/carriers/generic", func() (http.Header, []byte) {
			b := carrierScan(orderID+"-TN", "Sorted\u0000")
			return signedCarrier(t, orderID+"-scan-nul", b), b
		}, "data.description"},
		// Issue 14's audit: a 1 MB body of bare checkpoints made 13,334 events, acknowledged and
		// then more than the engine takes in one signal.
		{"AfterShip update of 13,334 checkpoints", "/webhooks/carriers/aftership", func() (http.Header, []byte) {
			body, _ := json.Marshal(map[string]any{"event": "tracking_update", "event_id": orderID + "-as-many",
				"msg": map[string]any{"tracking_number": orderID + "-TN", "slug": "dpd", "checkpoints": fixture.Scans(13_334, "checkpoint_time")}})
			return hmacHeader("aftership-hmac-sha256", signature.SignHMACBase64(aftershipSecret, body)), body
		}, "msg.checkpoints"},
		{"EasyPost tracker of 201 details", "/webhooks/carriers/easypost", func() (http.Header, []byte) {
			body, _ := json.Marshal(map[string]any{"id": orderID + "-ep-many", "description": "tracker.updated", "result": map[string]any{
				"tracking_code": orderID + "-TN", "status": "in_transit", "carrier": "DPD",
				"tracking_details": fixture.Scans(order.MaxEventsPerDelivery+1, "datetime")}})
			return hmacHeader("X-Hmac-Signature", signature.SignEasyPost(easypostSecret, body)), body
		}, "result.tracking_details"},
		{"ShipEngine update of 201 events", "/webhooks/carriers/shipengine", func() (http.Header, []byte) {
			body, _ := json.Marshal(map[string]any{"resource_type": "API_TRACK", "data": map[string]any{
				"tracking_number": orderID + "-TN", "carrier_code": "dpd", "status_code": "IT",
				"events": fixture.Scans(order.MaxEventsPerDelivery+1, "occurred_at")}})
			return s.shipEngine(t, body), body
		}, "data.events"},
		// and a channel list of 150,000 "sms".
		{"150,000 channels", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, orderID+"-channels", "order.created", createdWith(func(d map[string]any) {
				d["notify"] = map[string]any{"channels": slices.Repeat([]string{"sms"}, 150_000)}
			}))
		}, "data.notify.channels"},
		{"event id of 250 characters", "/webhooks/commerce", func() (http.Header, []byte) {
			return commerce(t, strings.Repeat("e", 250), "order.created", created(orderID))
		}, "event id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, body := tt.req()
			for try := range 2 { // the sender's retry gets the same answer, never a 500
				status, out := s.post(t, tt.path, h, body)
				e, _ := out["error"].(map[string]any)
				msg := fmt.Sprint(e["message"])
				if status != http.StatusBadRequest || e["code"] != "invalid_field" || !strings.HasPrefix(msg, tt.field+" ") {
					t.Fatalf("try %d: %d %v, want 400 invalid_field naming %s", try+1, status, out, tt.field)
				}
				if len(msg) > 300 || strings.ContainsRune(msg, 0) {
					t.Errorf("the answer echoes the input: %q", msg)
				}
			}
		})
	}
	if n := countInbox(t, orderID, ""); n != 0 {
		t.Errorf("refused requests left %d inbox rows", n)
	}
	if n := countInbox(t, "užsakymas-1", ""); n != 0 {
		t.Errorf("the non-ASCII order id left %d inbox rows", n)
	}
}

// Order ids are printable ASCII: any the door takes, punctuation and inner spaces included,
// starts its workflow and can be found by the order API.
func TestEveryOrderIDTheDoorTakesStartsItsOrder(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("ORD 1001/#A+b~") // unique suffix after the punctuation
	s.sendCommerce(t, orderID+"-1", "order.created", created(orderID))
	awaitOrder(t, orderID, "created", statusIs(order.StatusCreated))
	status, out := s.admin(t, http.MethodGet, "/v1/orders/"+strings.NewReplacer(" ", "%20", "/", "%2F", "#", "%23", "+", "%2B").Replace(orderID))
	if status != http.StatusOK || out["order_id"] != orderID {
		t.Errorf("order API: %d %v", status, out)
	}
}

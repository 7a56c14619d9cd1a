package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

// createEndpoint POSTs an endpoint to the management API and returns the status and answer.
func createEndpoint(t *testing.T, base string, body map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/webhook-endpoints", bytes.NewReader(b))
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

// TestCRMConnectorsThroughAnOutage runs the HubSpot and Salesforce connectors through the whole
// path: both are created through the API with their kind, the stand-in's URL, event types and
// credentials (refused when the platform would refuse them); an order is shipped by signed
// commerce events while both platforms are down, so the first attempts fail and are retried on
// the schedule; once the platforms are back the retries land: the HubSpot contact has the
// order's shipping properties and Salesforce got one Platform Event with the milestone.
func TestCRMConnectorsThroughAnOutage(t *testing.T) {
	const token = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	hs := connectortest.NewHubSpot(t, token)
	sf := connectortest.NewSalesforce(t, "3MVG9-test-client", "5E3F-test-secret")
	s := startStack(t, map[string]string{
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
		"SHIPFLOW_SECRET_KEYS":           "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)),
		"SHIPFLOW_PUBLIC_URL":            "https://track.example",
		"SHIPFLOW_TRACKING_SECRET":       "crm-test-secret",
	})
	prefix := fmt.Sprintf("crm-%d-", time.Now().UnixNano())
	email := prefix + "ona@example.com"
	hs.AddContact(email)

	// What each platform would refuse is refused before anything is stored.
	if code, body := createEndpoint(t, s.base, map[string]any{"kind": "salesforce", "url": sf.URL() + "/lightning/page/home",
		"credentials": map[string]string{"client_id": "a", "client_secret": "b"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("salesforce with a page's URL: %d %v", code, body)
	}
	if code, body := createEndpoint(t, s.base, map[string]any{"kind": "salesforce", "url": sf.URL(),
		"credentials": map[string]string{"client_id": "a", "client_secret": "b", "event_object": "Account"}}); code != http.StatusBadRequest {
		t.Errorf("salesforce with an sObject for an event: %d %v", code, body)
	}

	ids := map[string]string{}
	for kind, body := range map[string]map[string]any{
		"hubspot": {"kind": "hubspot", "url": hs.URL(), "event_types": []string{"order.shipped", "order.delivered"},
			"credentials": map[string]string{"access_token": token}},
		"salesforce": {"kind": "salesforce", "url": sf.URL(), "event_types": []string{"order.shipped"},
			"credentials": map[string]string{"client_id": "3MVG9-test-client", "client_secret": "5E3F-test-secret"}},
	} {
		code, ep := createEndpoint(t, s.base, body)
		creds, _ := ep["credentials"].(map[string]any)
		if code != http.StatusCreated || ep["kind"] != kind || len(creds) == 0 {
			t.Fatalf("create %s: %d %v", kind, code, ep)
		}
		for name, v := range creds {
			if v != "********" {
				t.Errorf("%s credential %s shown as %v", kind, name, v)
			}
		}
		id, _ := ep["id"].(string)
		ids[kind] = id
		t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), id) })
	}

	hs.Down(0)
	sf.Down(0)
	order := prefix + "1"
	s.confirm(order, map[string]any{"name": "Ona", "email": email, "phone": "+37060000000", "locale": "en", "time_zone": "UTC"}, "email")
	shipped, _ := json.Marshal(map[string]any{"type": "order.shipped", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"order_id": order,
		"shipment": map[string]any{"shipment_id": "S1", "carrier": "dpd", "tracking_number": "05212345678901", "items": []string{"SKU-1"}},
	}})
	r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: order + "-shipped", body: shipped}
	if err := r.send(http.DefaultClient, s.base); err != nil {
		t.Fatal(err)
	}

	// deliveries are the endpoint's deliveries as the API lists them.
	deliveries := func(kind string) []map[string]any {
		_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+ids[kind]+"/deliveries", "ops-token")
		var out []map[string]any
		ds, _ := page["deliveries"].([]any)
		for _, x := range ds {
			d, _ := x.(map[string]any)
			out = append(out, d)
		}
		return out
	}
	for _, kind := range []string{"hubspot", "salesforce"} {
		testenv.Eventually(t, 45*time.Second, func() bool {
			ds := deliveries(kind)
			return len(ds) == 1 && ds[0]["attempts"] == float64(1) && ds[0]["status"] == "pending"
		}, "%s: the first attempt did not fail into a retry", kind)
	}
	hs.Up()
	sf.Up()
	for _, kind := range []string{"hubspot", "salesforce"} {
		testenv.Eventually(t, 45*time.Second, func() bool {
			ds := deliveries(kind)
			return len(ds) == 1 && ds[0]["status"] == "delivered"
		}, "%s: the retry did not deliver", kind)
		if d := deliveries(kind)[0]; d["attempts"] != float64(2) {
			t.Errorf("%s: delivered after %v attempts, want the first retry", kind, d["attempts"])
		}
	}

	c, _ := hs.Contact(email)
	if c["shipflow_shipping_stage"] != "shipped" || c["shipflow_order_id"] != order || c["shipflow_carrier"] != "DPD" ||
		c["shipflow_tracking_number"] != "05212345678901" || !strings.HasPrefix(c["shipflow_tracking_url"], "https://track.example/track/") {
		t.Errorf("HubSpot contact %v", c)
	}
	var mine []connectortest.SalesforceEvent
	for _, e := range sf.Events() {
		if e.Fields["Order_Id__c"] == order {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 || mine[0].Fields["Milestone__c"] != "order.shipped" || mine[0].Fields["Customer_Email__c"] != email ||
		mine[0].Fields["Carrier__c"] != "DPD" || mine[0].Fields["Event_Id__c"] == nil {
		t.Errorf("Salesforce events %+v", mine)
	}
}

package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/commerce/magento"
	"github.com/shipflow/shipflow/commerce/magento/magentotest"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify/providertest"
)

// TestMagentoOrdersThroughThePoll runs the whole path of a Magento store: an order appears in
// the store (the stand-in, which checks the bearer token and the searchCriteria as Magento
// does); serve's poller reads it and stores it in the inbox; the relay starts the order
// workflow, and the customer is told by email (through the Mailgun stand-in) in the address
// Magento has. A shipment with a track then ships the order with that carrier and number.
func TestMagentoOrdersThroughThePoll(t *testing.T) {
	const key, domain, signing = "key-magento", "mg.magento.example", "magento-signing-key"
	mg := providertest.NewMailgun(t, key, domain, signing)
	store := magentotest.New()
	t.Cleanup(store.Close)
	s := startStack(t, map[string]string{
		"MAILGUN_API_KEY": key, "MAILGUN_DOMAIN": domain, "MAILGUN_FROM": "Shop <shop@" + domain + ">",
		"MAILGUN_API_URL": mg.URL(), "MAILGUN_WEBHOOK_SIGNING_KEY": signing, "SHIPFLOW_TRACKING_SECRET": "magento-tracking-secret",
		"MAGENTO_URL": store.URL, "MAGENTO_ACCESS_TOKEN": magentotest.Token, "SHIPFLOW_MAGENTO_POLL_INTERVAL": "5s",
	})
	number := fmt.Sprintf("M%d", time.Now().UnixNano()%1_000_000_000)
	now := time.Now().UTC().Truncate(time.Second)
	o := magentotest.Order(1001, number, magento.StateProcessing, now.Add(-time.Minute))
	o["customer_email"] = "ona.magento@example.com"
	store.Put(magento.ResourceOrders, o, now)

	var last string
	testenv.Eventually(t, 45*time.Second, func() bool {
		m := s.confirmations(number)["email"]
		last = fmt.Sprint(m)
		return m != nil && m["status"] == "sent" && m["to"] == "ona.magento@example.com"
	}, "Magento order %s: no confirmation email sent; last: %s", number, testenv.Last(&last))
	sent := 0
	for _, m := range mg.Messages() {
		if m.To == "ona.magento@example.com" {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("Mailgun got %d emails for the order, want 1", sent)
	}
	if _, body := call(t, http.MethodGet, s.base+"/v1/orders/"+number, "ops-token"); fmt.Sprint(body["customer"]) == "" {
		t.Errorf("order view %v", body)
	}

	store.Put(magento.ResourceShipments, magentotest.Shipment(2001, "000002001", 1001, time.Now().UTC(),
		magentotest.Track{ID: 3001, Carrier: "ups", Title: "United Parcel Service", Num: "1ZMAGENTO0001"}), time.Time{})
	testenv.Eventually(t, 45*time.Second, func() bool {
		code, body := call(t, http.MethodGet, s.base+"/v1/orders/"+number, "ops-token")
		last = fmt.Sprint(code, body["status"], body["shipments"])
		ships, _ := body["shipments"].([]any)
		if code != http.StatusOK || body["status"] != "shipped" || len(ships) != 1 {
			return false
		}
		sh, _ := ships[0].(map[string]any)
		return sh["tracking_number"] == "1ZMAGENTO0001" && sh["carrier"] == "ups" && sh["shipment_id"] == "000002001"
	}, "Magento shipment did not ship order %s; last: %s", number, testenv.Last(&last))
}

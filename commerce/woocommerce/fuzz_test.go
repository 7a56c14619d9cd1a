package woocommerce_test

import (
	"testing"

	"github.com/shipflow/shipflow/commerce/woocommerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
)

// FuzzParse checks that Parse and IsPing never panic, that every error is
// one the webhook can answer, and that whatever Parse accepts validates.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ topic, file string }{
		{woocommerce.TopicOrderCreated, "order.json"},
		{woocommerce.TopicOrderUpdated, "order.json"},
		{woocommerce.TopicOrderUpdated, "order_completed.json"},
		{woocommerce.TopicOrderCreated, "order_completed.json"},
		{woocommerce.TopicOrderDeleted, "order_deleted.json"},
		{woocommerce.TopicOrderCreated, "ping.txt"},
	} {
		f.Add(seed.topic, fixture.Load(f, seed.file))
	}
	f.Add(woocommerce.TopicOrderUpdated, []byte(`{"id":"1","status":"delivered","date_modified_gmt":"2026-05-08T06:02:41","meta_data":[{"key":"_wc_shipment_tracking_items","value":{"1":{"tracking_number":"A"},"0":{"tracking_number":"B"}}}]}`))
	f.Add(woocommerce.TopicOrderUpdated, []byte(`{"id":1,"status":"refunded","total":"1.00","currency":"eur","date_modified_gmt":"2026-05-08 06:02:41"}`))
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		woocommerce.IsPing("application/x-www-form-urlencoded", body)
		d, err := woocommerce.Parse(topic, deliveryID, body)
		if err != nil {
			fixture.CheckError(t, err)
			return
		}
		if d.Source != inbox.SourceWooCommerce || d.EventID != deliveryID || len(d.Commerce) == 0 || len(d.Tracking) != 0 {
			t.Fatalf("delivery = %+v", d)
		}
		fixture.CheckDelivery(t, d)
	})
}

package shopify_test

import (
	"testing"

	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
)

// FuzzParse checks that Parse never panics on any topic and body, that
// every error is one the webhook can answer, and that whatever it accepts
// validates.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ topic, file string }{
		{shopify.TopicOrderCreated, "orders_create.json"},
		{shopify.TopicOrderCancelled, "orders_cancelled.json"},
		{shopify.TopicOrderUpdated, "orders_updated.json"},
		{shopify.TopicFulfillmentCreated, "fulfillments_create.json"},
		{shopify.TopicFulfillmentUpdated, "fulfillments_update.json"},
		{shopify.TopicFulfillmentUpdated, "fulfillments_create_untracked.json"},
		{shopify.TopicFulfillmentEventCreated, "fulfillment_events_create.json"},
	} {
		f.Add(seed.topic, fixture.Load(f, seed.file))
	}
	f.Add(shopify.TopicOrderCreated, []byte(`{"id":1,"created_at":"2026-05-07T13:30:12+03:00","phone":"+37060000000","line_items":[{"id":2,"quantity":1}]}`))
	f.Add(shopify.TopicFulfillmentUpdated, []byte(`{"id":1,"order_id":2,"status":"cancelled","tracking_numbers":["1Z"],"updated_at":"2026-05-07T13:30:12Z"}`))
	f.Add(shopify.TopicOrderUpdated, []byte(`{"id":1,"updated_at":"2026-05-07T13:30:12Z","email":"a@b.lt\u0000","customer_locale":"lt\u202e"}`))
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		d, err := shopify.Parse(topic, "w", body)
		if err != nil {
			fixture.CheckError(t, err)
			return
		}
		if d.Source != inbox.SourceShopify || d.EventID != "w" || len(d.Commerce)+len(d.Tracking) == 0 {
			t.Fatalf("delivery = %+v", d)
		}
		fixture.CheckDelivery(t, d)
	})
}

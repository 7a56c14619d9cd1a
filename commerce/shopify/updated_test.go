package shopify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func TestParseOrderUpdated(t *testing.T) {
	d, err := shopify.Parse(shopify.TopicOrderUpdated, "w1", fixture.Load(t, "orders_updated.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := d.Commerce[0]
	want := order.Customer{Email: "ona.new@example.com", Phone: "+37061111222", Locale: "en"}
	if e.Type != order.EventOrderUpdated || e.OrderID != "5829471036482" || e.Customer == nil || *e.Customer != want {
		t.Errorf("event = %+v, customer %+v", e, e.Customer)
	}
	if e.ID != "shopify/order/5829471036482/updated/2026-05-08T06:12:40Z" {
		t.Errorf("id = %s: a retry must keep it, the next edit change it", e.ID)
	}
}

func TestParseOrderUpdatedRefuses(t *testing.T) {
	for _, c := range []struct {
		name, body, field string
	}{
		{"no updated_at", `{"id":1,"email":"a@example.com"}`, "updated_at"},
		{"NUL in locale", `{"id":1,"updated_at":"2026-05-07T13:30:12Z","customer_locale":"lt\u0000"}`, "data.customer.locale"},
		{"bidi override in locale", `{"id":1,"updated_at":"2026-05-07T13:30:12Z","customer_locale":"lt\u202e"}`, "data.customer.locale"},
		{"locale too long", `{"id":1,"updated_at":"2026-05-07T13:30:12Z","customer_locale":"` + strings.Repeat("l", 65) + `"}`, "data.customer.locale"},
	} {
		_, err := shopify.Parse(shopify.TopicOrderUpdated, "w1", []byte(c.body))
		var fe *order.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.field)
		}
	}
	// An email or phone Shopify holds that cannot be used is dropped, as orders/create drops it;
	// an order left with nothing to apply is ignored.
	_, err := shopify.Parse(shopify.TopicOrderUpdated, "w1", []byte(`{"id":1,"updated_at":"2026-05-07T13:30:12Z","email":"not an address","phone":"860000000"}`))
	if !errors.Is(err, inbox.ErrIgnored) {
		t.Errorf("no usable contact: %v", err)
	}
}

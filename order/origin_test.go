package order_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// An order's origin is order.created's, kept in the state and shown in its view (so outbound
// events carry it); the commerce API's orders have none, and an unknown origin is refused.
func TestOrigin(t *testing.T) {
	e := created()
	e.Origin = order.OriginShopify
	o, _, err := order.New(e)
	if err != nil {
		t.Fatal(err)
	}
	if o.Origin != order.OriginShopify || o.Summary().Origin != order.OriginShopify {
		t.Errorf("origin = %q, view %q", o.Origin, o.Summary().Origin)
	}
	b, _ := json.Marshal(o.EventData(nil))
	if !strings.Contains(string(b), `"origin":"shopify"`) {
		t.Errorf("event data %s", b)
	}

	plain, _, err := order.New(created())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(plain.Summary()); strings.Contains(string(b), `"origin"`) {
		t.Errorf("an order without origin shows one: %s", b)
	}

	e.Origin = "magento\x00"
	var fe *order.FieldError
	if _, _, err := order.New(e); !errors.As(err, &fe) || fe.Field != "origin" {
		t.Errorf("unknown origin: %v", err)
	}
}

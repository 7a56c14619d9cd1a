package shopify

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/order"
)

// Shopify's mandatory compliance topics (shopify.dev "Privacy law compliance"): a customer
// asks the merchant for their data or to be forgotten, or a shop uninstalled the app 48 hours
// ago. They go to package privacy, not the inbox (server/privacy.go).
const (
	TopicCustomersDataRequest = "customers/data_request"
	TopicCustomersRedact      = "customers/redact"
	TopicShopRedact           = "shop/redact"
)

// IsCompliance reports whether topic is one of the compliance topics.
func IsCompliance(topic string) bool {
	return topic == TopicCustomersDataRequest || topic == TopicCustomersRedact || topic == TopicShopRedact
}

// Limits of a compliance request, beyond which it is refused (400) rather than half done.
const (
	MaxComplianceOrders = 1000
	maxShopDomainLen    = 255
	maxContactLen       = 254
)

// Compliance is a compliance webhook's request: the customer as Shopify knows them (email
// and phone as the shop has them, possibly empty or not in E.164) and the orders it names.
// Shop/redact names the shop only.
type Compliance struct {
	Topic      string
	ShopDomain string
	Email      string
	Phone      string
	OrderIDs   []string
}

type complianceBody struct {
	ShopID     commerce.ID `json:"shop_id"`
	ShopDomain string      `json:"shop_domain"`
	Customer   *struct {
		ID    commerce.ID `json:"id"`
		Email string      `json:"email"`
		Phone string      `json:"phone"`
	} `json:"customer"`
	OrdersToRedact  []commerce.ID `json:"orders_to_redact"`
	OrdersRequested []commerce.ID `json:"orders_requested"`
	DataRequest     *struct {
		ID commerce.ID `json:"id"`
	} `json:"data_request"`
}

// ParseCompliance reads a compliance webhook's body. Errors are *order.FieldError or JSON
// errors (400), or inbox.ErrUnsupported for another topic.
func ParseCompliance(topic string, body []byte) (Compliance, error) {
	if !IsCompliance(topic) {
		return Compliance{}, fmt.Errorf("shopify topic %s is no compliance topic", order.Quote(topic))
	}
	var b complianceBody
	if err := json.Unmarshal(body, &b); err != nil {
		return Compliance{}, fmt.Errorf("shopify %s: %w", topic, err)
	}
	c := Compliance{Topic: topic, ShopDomain: b.ShopDomain}
	if err := order.CheckText("shop_domain", b.ShopDomain, maxShopDomainLen); err != nil {
		return Compliance{}, fmt.Errorf("shopify %s: %w", topic, err)
	}
	if topic == TopicShopRedact {
		return c, nil
	}
	if b.Customer == nil {
		return Compliance{}, fmt.Errorf("shopify %s: %w", topic, commerce.Missing("customer"))
	}
	c.Email, c.Phone = b.Customer.Email, b.Customer.Phone
	for _, f := range []struct{ name, v string }{{"customer.email", c.Email}, {"customer.phone", c.Phone}} {
		if err := order.CheckText(f.name, f.v, maxContactLen); err != nil {
			return Compliance{}, fmt.Errorf("shopify %s: %w", topic, err)
		}
	}
	ids := b.OrdersToRedact
	if topic == TopicCustomersDataRequest {
		ids = b.OrdersRequested
	}
	if len(ids) > MaxComplianceOrders {
		return Compliance{}, fmt.Errorf("shopify %s: %w", topic, &order.FieldError{Field: "orders", Problem: fmt.Sprintf("names more than %d orders", MaxComplianceOrders)})
	}
	for _, id := range ids {
		oid, err := commerce.RequireOrderID("orders", id)
		if err != nil {
			return Compliance{}, fmt.Errorf("shopify %s: %w", topic, err)
		}
		c.OrderIDs = append(c.OrderIDs, oid)
	}
	slices.Sort(c.OrderIDs)
	c.OrderIDs = slices.Compact(c.OrderIDs)
	return c, nil
}

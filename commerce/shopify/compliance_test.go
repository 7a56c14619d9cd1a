package shopify_test

import (
	"slices"
	"testing"

	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/internal/fixture"
)

// The bodies Shopify documents for its compliance topics (shopify.dev, "Privacy law
// compliance"), with this suite's customer.
const (
	dataRequestBody = `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com","orders_requested":[299938,280263],"customer":{"id":191167,"email":"ona@example.com","phone":"+37060000000"},"data_request":{"id":9999}}`
	redactBody      = `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com","customer":{"id":191167,"email":"ona@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263,220458]}`
	shopRedactBody  = `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com"}`
)

func TestParseCompliance(t *testing.T) {
	c, err := shopify.ParseCompliance(shopify.TopicCustomersRedact, []byte(redactBody))
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "ona@example.com" || c.Phone != "555-625-1199" || !slices.Equal(c.OrderIDs, []string{"220458", "280263", "299938"}) || c.ShopDomain != "ona-shop.myshopify.com" {
		t.Errorf("customers/redact = %+v", c)
	}
	c, err = shopify.ParseCompliance(shopify.TopicCustomersDataRequest, []byte(dataRequestBody))
	if err != nil || !slices.Equal(c.OrderIDs, []string{"280263", "299938"}) {
		t.Errorf("customers/data_request = %+v, %v", c, err)
	}
	if c, err = shopify.ParseCompliance(shopify.TopicShopRedact, []byte(shopRedactBody)); err != nil || c.Email != "" {
		t.Errorf("shop/redact = %+v, %v", c, err)
	}
	for name, body := range map[string]string{
		"no customer":  `{"shop_domain":"a.myshopify.com","orders_to_redact":[1]}`,
		"NUL in email": `{"shop_domain":"a","customer":{"email":"a\u0000@b.lt"}}`,
		"bad order id": `{"shop_domain":"a","customer":{"email":"a@b.lt"},"orders_to_redact":[-1]}`,
		"not JSON":     `{`,
	} {
		if _, err := shopify.ParseCompliance(shopify.TopicCustomersRedact, []byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			fixture.CheckError(t, err)
		}
	}
}

// FuzzParseCompliance checks that ParseCompliance never panics and that every error is one
// the webhook answers with a 400.
func FuzzParseCompliance(f *testing.F) {
	f.Add(shopify.TopicCustomersRedact, []byte(redactBody))
	f.Add(shopify.TopicCustomersDataRequest, []byte(dataRequestBody))
	f.Add(shopify.TopicShopRedact, []byte(shopRedactBody))
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		c, err := shopify.ParseCompliance(topic, body)
		if err != nil {
			if shopify.IsCompliance(topic) {
				fixture.CheckError(t, err)
			}
			return
		}
		if len(c.OrderIDs) > shopify.MaxComplianceOrders {
			t.Fatalf("%d orders accepted", len(c.OrderIDs))
		}
	})
}

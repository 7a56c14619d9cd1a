package order

// Origin is the commerce platform an order came from, kept when shipflow writes milestones back
// to that platform (docs/connectors.md): the order's id is then the platform's order id, and
// the ids of the shipments its adapter announced are the platform's fulfillment ids. Orders
// from the commerce API have none, and neither do orders started before origins were kept,
// whose stored histories replay unchanged.
type Origin string

// Origins.
const (
	// OriginShopify: an order from Shopify's orders/create webhook (commerce/shopify).
	OriginShopify Origin = "shopify"
)

// Valid reports whether o is a known origin.
func (o Origin) Valid() bool { return o == OriginShopify }

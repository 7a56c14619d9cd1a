package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// shopify is KindShopify's transport: a carrier milestone of an order that came from Shopify
// becomes a fulfillment event on the shipment's fulfillment, through the Admin GraphQL API's
// fulfillmentEventCreate, so Shopify's order status page and its shipping notifications follow
// the parcel (docs/connectors.md#shopify). An event for any other order is delivered with a
// note in the attempt log and nothing sent: the connector has nothing to write there.
//
// Idempotency: Shopify takes no idempotency key for fulfillmentEventCreate, so each write first
// reads the fulfillment's newest events and skips one already there with the same status and
// time. A retry after an answer was lost therefore adds nothing. Two attempts racing between
// the read and the write could both add it, which is why only one event type writes each kind
// of fulfillment event (shopifyPlan): the events of one scan are attempted at the same moment.
type shopify struct{ s *Sender }

// shopifyUserAgent identifies shipflow's connector to Shopify, which logs it with the request.
const shopifyUserAgent = "shipflow-connector/1"

// shopifyClient is where and how one attempt reaches the shop.
type shopifyClient struct {
	endpoint string // https://{shop}.myshopify.com/admin/api/{version}/graphql.json
	token    string
}

// GraphQL documents the transport sends. Each is named so the shop's API logs show who asked.
const (
	// shopifyFulfillmentQuery reads what a write needs to know first: that the fulfillment is
	// this shop's and this order's, and its newest events, to skip one already written.
	shopifyFulfillmentQuery = `query ShipflowFulfillment($id: ID!) {
  fulfillment(id: $id) {
    id
    order { legacyResourceId }
    events(first: 25, sortKey: HAPPENED_AT, reverse: true) { nodes { status happenedAt } }
  }
}`
	// shopifyEventMutation adds one fulfillment event.
	shopifyEventMutation = `mutation ShipflowFulfillmentEventCreate($event: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $event) {
    fulfillmentEvent { id status happenedAt }
    userErrors { field message }
  }
}`
	// shopifyShopQuery checks the token for a test event, which writes nothing.
	shopifyShopQuery = `query ShipflowShop { shop { name } }`
)

// Send writes the event's milestone to each fulfillment it concerns. An attempt that fails
// part way is retried whole: what was written is found on the next reading and skipped.
func (t shopify) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	c, err := t.client(o)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	if o.Event.Test {
		return t.checkToken(ctx, c), now
	}
	writes, notes, err := shopifyPlan(o.Event)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	total := Result{Outcome: Delivered}
	for _, w := range writes {
		r, note := t.write(ctx, c, o.Event.OrderID, w)
		total.Latency += r.Latency
		total.Status = r.Status
		if r.Outcome != Delivered {
			r.Latency = total.Latency
			return r, now
		}
		notes = append(notes, note)
	}
	total.Body = strings.Join(notes, "; ")
	return total, now
}

// client is where the endpoint's shop answers and the token to show it. The URL is checked
// again at every attempt: a stand-in's address must be one the egress policy allows by name.
func (t shopify) client(o Outgoing) (shopifyClient, error) {
	host, err := shopifyBase(o.Endpoint.URL)
	if err != nil {
		return shopifyClient{}, err
	}
	if !shopName(host) && !standIn(host, t.s.Policy) {
		return shopifyClient{}, ErrShopifyURL
	}
	tok := o.Credentials[shopifyAccessToken]
	if err := checkShopifyToken(tok); err != nil {
		return shopifyClient{}, err
	}
	v := o.Credentials[shopifyAPIVersion]
	if v == "" {
		v = ShopifyAPIVersion
	} else if err := checkShopifyVersion(v); err != nil {
		return shopifyClient{}, err
	}
	base := strings.TrimSuffix(o.Endpoint.URL, "/")
	return shopifyClient{endpoint: base + "/admin/api/" + v + "/graphql.json", token: tok}, nil
}

// checkToken answers a test event: the token is shown to the shop with the cheapest query there
// is, and nothing is written, since the catalogue's example order is not the shop's.
func (t shopify) checkToken(ctx context.Context, c shopifyClient) Result {
	var d struct {
		Shop *struct {
			Name string `json:"name"`
		} `json:"shop"`
	}
	r := t.graphQL(ctx, c, shopifyRequest{Query: shopifyShopQuery}, &d)
	if r.Outcome == Delivered {
		r.Body = "test event: the shop accepted the access token; nothing written"
	}
	return r
}

// write adds w to its fulfillment unless it is there already, and says what it did.
func (t shopify) write(ctx context.Context, c shopifyClient, orderID string, w fulfillmentWrite) (Result, string) {
	gid := shopifyFulfillmentGID(w.fulfillment)
	var q struct {
		Fulfillment *struct {
			Order struct {
				LegacyResourceID json.RawMessage `json:"legacyResourceId"`
			} `json:"order"`
			Events struct {
				Nodes []struct {
					Status     string    `json:"status"`
					HappenedAt time.Time `json:"happenedAt"`
				} `json:"nodes"`
			} `json:"events"`
		} `json:"fulfillment"`
	}
	r := t.graphQL(ctx, c, shopifyRequest{Query: shopifyFulfillmentQuery, Variables: map[string]string{"id": gid}}, &q)
	if r.Outcome != Delivered {
		return r, ""
	}
	f := q.Fulfillment
	if f == nil {
		return r, fmt.Sprintf("fulfillment %s: not in this shop, nothing written", w.fulfillment)
	}
	if strings.Trim(string(f.Order.LegacyResourceID), `"`) != orderID {
		return r, fmt.Sprintf("fulfillment %s: belongs to another order of the shop, nothing written", w.fulfillment)
	}
	for _, e := range f.Events.Nodes {
		if e.Status == string(w.status) && e.HappenedAt.Equal(w.happenedAt) {
			return r, fmt.Sprintf("fulfillment %s: %s at %s already there", w.fulfillment, w.status, w.happenedAt.Format(time.RFC3339))
		}
	}
	var m struct {
		Create *struct {
			FulfillmentEvent *struct {
				ID string `json:"id"`
			} `json:"fulfillmentEvent"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
			} `json:"userErrors"`
		} `json:"fulfillmentEventCreate"`
	}
	r2 := t.graphQL(ctx, c, shopifyRequest{Query: shopifyEventMutation, Variables: map[string]any{"event": w.input(gid)}}, &m)
	r2.Latency += r.Latency
	if r2.Outcome != Delivered {
		return r2, ""
	}
	switch {
	case m.Create == nil:
		r2.Outcome, r2.Err = Failed, "Shopify's answer has no fulfillmentEventCreate"
	case len(m.Create.UserErrors) > 0:
		// A refusal of this event (a fulfillment that was cancelled, a value Shopify will not
		// take): sending it again changes nothing.
		msgs := make([]string, 0, len(m.Create.UserErrors))
		for _, ue := range m.Create.UserErrors {
			msgs = append(msgs, strings.Join(ue.Field, ".")+": "+ue.Message)
		}
		r2.Outcome, r2.Err = Failed, "Shopify refused the fulfillment event: "+strings.Join(msgs, "; ")
	case m.Create.FulfillmentEvent == nil:
		r2.Outcome, r2.Err = Failed, "Shopify created no fulfillment event and named no error"
	}
	return r2, fmt.Sprintf("fulfillment %s: %s at %s written", w.fulfillment, w.status, w.happenedAt.Format(time.RFC3339))
}

// shopifyFulfillmentGID is a fulfillment's global id from its numeric id (the shipment id the
// Shopify adapter gave the shipment).
func shopifyFulfillmentGID(id string) string { return "gid://shopify/Fulfillment/" + id }

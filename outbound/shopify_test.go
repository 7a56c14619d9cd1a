package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
	"github.com/shipflow/shipflow/payload"
)

const (
	shopToken       = "shpat_0123456789abcdef0123456789abcdef"
	shopOrderID     = "5829471036482"
	shopFulfillment = "5112938475620"
)

var shopT0 = time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)

// shopJourney drives an order through the lifecycle and keeps the events it publishes, encoded
// as the workflow encodes them (order.EventData), so the transport reads real event data.
type shopJourney struct {
	t      *testing.T
	o      order.Order
	events []Event
}

func newShopJourney(t *testing.T, origin order.Origin) *shopJourney {
	t.Helper()
	o, fx, err := order.New(order.CommerceEvent{
		ID: "shopify/order/" + shopOrderID + "/created", Type: order.EventCreated, Timestamp: shopT0, OrderID: shopOrderID,
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com"}, Origin: origin,
	})
	if err != nil {
		t.Fatal(err)
	}
	j := &shopJourney{t: t, o: o}
	j.keep(fx)
	j.keep(j.o.ApplyCommerce(order.CommerceEvent{
		ID: "shipped", Type: order.EventShipped, Timestamp: shopT0.Add(time.Hour), OrderID: shopOrderID,
		Shipment: &order.ShipmentInfo{ID: shopFulfillment, Carrier: "DPD", TrackingNumber: "05809023456789"},
	}))
	return j
}

func (j *shopJourney) keep(fx []order.Effect) {
	for _, f := range fx {
		p, ok := f.(order.Publish)
		if !ok {
			continue
		}
		data, err := json.Marshal(j.o.EventData(p.Detail))
		if err != nil {
			j.t.Fatal(err)
		}
		j.events = append(j.events, Event{
			ID: EventID(j.o.ID, p.Seq), OrderID: j.o.ID, Seq: p.Seq, Type: string(p.Type), ShipmentID: p.ShipmentID,
			Data: data, CreatedAt: shopT0.Add(time.Duration(p.Seq) * time.Minute),
		})
	}
}

// scan applies a carrier scan and returns the events it published.
func (j *shopJourney) scan(status order.ShipmentStatus, at time.Time, loc order.Location) []Event {
	n := len(j.events)
	j.keep(j.o.ApplyTracking(order.TrackingEvent{
		ID: "scan-" + string(status) + at.Format(time.RFC3339), TrackingNumber: "05809023456789", Carrier: "DPD",
		Status: status, OccurredAt: at, Location: loc,
	}))
	return j.events[n:]
}

// shopCodec seals and opens the connector's credentials, as SHIPFLOW_SECRET_KEYS does.
var shopCodec = func() *payload.Codec {
	k, err := payload.NewKey("test", bytes.Repeat([]byte{7}, payload.KeySize))
	if err != nil {
		panic(err)
	}
	c, err := payload.NewCodec(payload.Keys{k})
	if err != nil {
		panic(err)
	}
	return c
}()

// shopSender reaches the stand-in on 127.0.0.1 and opens credentials.
func shopSender() *Sender {
	s := standInSender()
	s.Secrets = shopCodec
	return s
}

// shopOutgoing is an attempt at a Shopify connector with creds stored sealed, as the API
// stores them; the Sender opens them into Outgoing.Credentials.
func shopOutgoing(t *testing.T, url string, creds map[string]string, e Event) Outgoing {
	t.Helper()
	sealed, err := sealCredentials(shopCodec, creds)
	if err != nil {
		t.Fatal(err)
	}
	return Outgoing{Endpoint: Endpoint{ID: "ep_shop", Kind: KindShopify, URL: url, Enabled: true, Credentials: sealed}, Event: e}
}

func sendShop(t *testing.T, url, token string, e Event) Result {
	t.Helper()
	r, _ := shopSender().send(context.Background(), shopOutgoing(t, url, map[string]string{shopifyAccessToken: token}, e), 1)
	return r
}

// A Shopify order's carrier milestones become fulfillment events on its fulfillment, each at
// the scan's time with the scan's place and shipflow's own words, written from the parcel's
// shipment.updated; the other events of the same scans (shipment.out_for_delivery,
// order.delivered) write nothing, so two attempts at one moment never write one event twice.
func TestShopifyWritesCarrierMilestones(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	shop.AddFulfillment(shopOrderID, shopFulfillment)
	j := newShopJourney(t, order.OriginShopify)
	t1, t2, t3 := shopT0.Add(5*time.Hour), shopT0.Add(20*time.Hour+500*time.Millisecond), shopT0.Add(23*time.Hour)
	j.scan(order.ShipmentInTransit, t1, order.Location{City: "Kaunas", Country: "LT"})
	j.scan(order.ShipmentOutForDelivery, t2, order.Location{City: "Vilnius\x07", Country: "LT"})
	j.scan(order.ShipmentDelivered, t3, order.Location{})

	var types []string
	for _, e := range j.events {
		r := sendShop(t, shop.URL(), shopToken, e)
		if r.Outcome != Delivered {
			t.Fatalf("%s: %+v", e.Type, r)
		}
		types = append(types, e.Type+": "+r.Body)
	}
	got := shop.Events(shopFulfillment)
	want := []struct {
		status string
		at     time.Time
		city   string
		msg    string
	}{
		{"IN_TRANSIT", t1, "Kaunas", "In transit"},
		{"OUT_FOR_DELIVERY", t2.Truncate(time.Second), "", "Out for delivery"}, // a control character: the place is left out
		{"DELIVERED", t3, "", "Delivered"},                                     // no new place: the last one known, its city left out
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v\nattempts:\n%s", got, strings.Join(types, "\n"))
	}
	for i, w := range want {
		g := got[i]
		if g.Status != w.status || !g.HappenedAt.Equal(w.at) || g.City != w.city || g.Message != w.msg {
			t.Errorf("event %d = %+v, want %+v", i, g, w)
		}
	}
	if got[0].Country != "LT" {
		t.Errorf("country = %q", got[0].Country)
	}
	joined := strings.Join(types, "\n")
	for _, note := range []string{
		"order.created: not written back: order.created (a parcel's status is written from shipment.updated",
		"order.shipped: not written back",
		"shipment.out_for_delivery: not written back",
		"order.delivered: not written back",
		"shipment.updated: fulfillment " + shopFulfillment + ": DELIVERED at " + t3.Format(time.RFC3339) + " written",
	} {
		if !strings.Contains(joined, note) {
			t.Errorf("no note %q in\n%s", note, joined)
		}
	}
}

// Shopify takes no idempotency key, so a retry after a lost answer reads the fulfillment's
// events first and adds nothing twice.
func TestShopifyRetryAddsNothingTwice(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	shop.AddFulfillment(shopOrderID, shopFulfillment)
	j := newShopJourney(t, order.OriginShopify)
	e := j.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})[0]
	for range 3 {
		if r := sendShop(t, shop.URL(), shopToken, e); r.Outcome != Delivered {
			t.Fatalf("%+v", r)
		}
	}
	if n := len(shop.Events(shopFulfillment)); n != 1 || shop.Requests(connectortest.ShopifyMutationEvent) != 1 {
		t.Errorf("%d events, %d mutations; want 1 and 1", n, shop.Requests(connectortest.ShopifyMutationEvent))
	}
}

// Events of orders that did not come from Shopify, and of fulfillments the shop does not have
// or that belong to another order, are delivered with a note, and the shop gets no write.
func TestShopifySkipsWhatIsNotTheShops(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	plain := newShopJourney(t, "")
	e := plain.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})[0]
	r := sendShop(t, shop.URL(), shopToken, e)
	if r.Outcome != Delivered || r.Status != 0 || !strings.Contains(r.Body, "did not come from Shopify") {
		t.Errorf("order from the commerce API: %+v", r)
	}
	if shop.Requests(connectortest.ShopifyQueryFulfillment) != 0 {
		t.Error("the shop was asked about an order that is not its own")
	}

	j := newShopJourney(t, order.OriginShopify)
	e = j.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})[0]
	r = sendShop(t, shop.URL(), shopToken, e)
	if r.Outcome != Delivered || !strings.Contains(r.Body, "not in this shop") {
		t.Errorf("unknown fulfillment: %+v", r)
	}
	shop.AddFulfillment("9999", shopFulfillment)
	r = sendShop(t, shop.URL(), shopToken, e)
	if r.Outcome != Delivered || !strings.Contains(r.Body, "belongs to another order") {
		t.Errorf("another order's fulfillment: %+v", r)
	}
	if shop.Requests(connectortest.ShopifyMutationEvent) != 0 || len(shop.Events(shopFulfillment)) != 0 {
		t.Error("something was written")
	}
}

// A delay shipflow raised is DELAYED at the time it was raised; a carrier's problem is FAILURE.
func TestShopifyDelaysAndProblems(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	shop.AddFulfillment(shopOrderID, shopFulfillment)
	j := newShopJourney(t, order.OriginShopify)
	j.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})
	raised := shopT0.Add(72 * time.Hour)
	n := len(j.events)
	fx, err := j.o.Raise(order.Exception{Reason: order.ReasonStale, ShipmentID: shopFulfillment, RaisedAt: raised, Message: "no scan for 3 days"})
	if err != nil {
		t.Fatal(err)
	}
	j.keep(fx)
	for _, e := range j.events[n:] {
		if r := sendShop(t, shop.URL(), shopToken, e); r.Outcome != Delivered {
			t.Fatalf("%s: %+v", e.Type, r)
		}
	}
	failed := j.scan(order.ShipmentException, shopT0.Add(80*time.Hour), order.Location{City: "Kaunas"})
	for _, e := range failed {
		if r := sendShop(t, shop.URL(), shopToken, e); r.Outcome != Delivered {
			t.Fatalf("%s: %+v", e.Type, r)
		}
	}
	var got []string
	for _, e := range shop.Events(shopFulfillment) {
		got = append(got, e.Status+" "+e.HappenedAt.Format(time.RFC3339))
	}
	want := []string{
		"DELAYED " + raised.Format(time.RFC3339),
		"FAILURE " + shopT0.Add(80*time.Hour).Format(time.RFC3339),
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events %q, want %q", got, want)
	}
}

// How each of Shopify's answers is classified: rate limits and outages are retried (a
// throttled 200 after the bucket's refill time, a 429 after its Retry-After), a refused token
// or a shop that is not there is gone, and a frozen or locked shop is retried.
func TestShopifyClassifiesAnswers(t *testing.T) {
	j := newShopJourney(t, order.OriginShopify)
	e := j.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})[0]
	for _, tc := range []struct {
		name       string
		setup      func(*connectortest.Shopify)
		token      string
		outcome    Outcome
		status     int
		retryAfter time.Duration
		err        string
	}{
		{"throttled", func(s *connectortest.Shopify) { s.Throttle(1) }, shopToken, Retry, 200, 3 * time.Second, "THROTTLED"},
		{"429", func(s *connectortest.Shopify) { s.FailNext(1, 429, "") }, shopToken, Retry, 429, 2 * time.Second, ""},
		{"down", func(s *connectortest.Shopify) { s.Down(0) }, shopToken, Retry, 503, time.Second, ""},
		{"500", func(s *connectortest.Shopify) { s.FailNext(1, 500, "") }, shopToken, Retry, 500, 0, ""},
		{"frozen", func(s *connectortest.Shopify) { s.FailNext(1, 402, "") }, shopToken, Retry, 402, 0, "Unavailable Shop"},
		{"locked", func(s *connectortest.Shopify) { s.FailNext(1, 423, "") }, shopToken, Retry, 423, 0, ""},
		{"wrong token", func(*connectortest.Shopify) {}, "shpat_ffffffffffffffffffffffffffffffff", Gone, 401, 0, "Invalid API key"},
		{"scope", func(s *connectortest.Shopify) { s.FailNext(1, 403, "") }, shopToken, Gone, 403, 0, ""},
		{"no shop", func(s *connectortest.Shopify) { s.FailNext(1, 404, "") }, shopToken, Gone, 404, 0, ""},
		{"400", func(s *connectortest.Shopify) { s.FailNext(1, 400, "") }, shopToken, Failed, 400, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shop := connectortest.NewShopify(t, shopToken)
			shop.AddFulfillment(shopOrderID, shopFulfillment)
			tc.setup(shop)
			r := sendShop(t, shop.URL(), tc.token, e)
			if r.Outcome != tc.outcome || r.Status != tc.status || r.RetryAfter != tc.retryAfter || !strings.Contains(r.Err, tc.err) {
				t.Errorf("%+v", r)
			}
			shop.Up()
			if tc.token == shopToken {
				if r := sendShop(t, shop.URL(), shopToken, e); r.Outcome != Delivered || len(shop.Events(shopFulfillment)) != 1 {
					t.Errorf("after the fault: %+v, %d events", r, len(shop.Events(shopFulfillment)))
				}
			}
		})
	}
}

// What a 200 says inside: GraphQL's errors and the shape of the data.
func TestClassifyShopifyBody(t *testing.T) {
	for _, tc := range []struct {
		body    string
		outcome Outcome
	}{
		{`{"data":{"x":1}}`, Delivered},
		{`{"errors":[{"message":"Access denied for fulfillmentEventCreate field.","extensions":{"code":"ACCESS_DENIED"}}]}`, Gone},
		{`{"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`, Retry},
		{`{"errors":[{"message":"Query has complexity of 2001, which exceeds max complexity of 1000","extensions":{"code":"MAX_COST_EXCEEDED"}}]}`, Failed},
		{`{"errors":"Not Found"}`, Failed},
		{`<html>Bad gateway</html>`, Retry},
		{`{"data":null}`, Failed},
	} {
		var out struct{ X int }
		r := classifyShopify(Result{Status: 200, Outcome: Delivered, Body: tc.body}, &out)
		if r.Outcome != tc.outcome {
			t.Errorf("%s: %s (%s)", tc.body, r.Outcome, r.Err)
		}
	}
	// The wait of a throttled answer: the missing points at the restore rate.
	c := &shopifyCost{RequestedQueryCost: 452}
	c.ThrottleStatus.CurrentlyAvailable, c.ThrottleStatus.RestoreRate = 50, 100
	if w := c.throttleWait(); w != 5*time.Second {
		t.Errorf("wait %s", w)
	}
	c.ThrottleStatus.RestoreRate = 0.001
	if w := c.throttleWait(); w != maxThrottleWait {
		t.Errorf("wait %s", w)
	}
}

// A test event shows the token to the shop and writes nothing; a refused token is gone.
func TestShopifyTestEventChecksTheToken(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	ex, _ := ExampleBody(order.PublishOrderShipped)
	e := Event{ID: "evt_test_1", OrderID: ex.Metadata.OrderID, Type: string(order.PublishOrderShipped), Data: ex.Data, Test: true, CreatedAt: time.Now()}
	if r := sendShop(t, shop.URL(), shopToken, e); r.Outcome != Delivered || r.Status != http.StatusOK || !strings.Contains(r.Body, "accepted the access token") {
		t.Errorf("%+v", r)
	}
	if r := sendShop(t, shop.URL(), "shpat_ffffffffffffffffffffffffffffffff", e); r.Outcome != Gone {
		t.Errorf("wrong token: %+v", r)
	}
	if shop.Requests(connectortest.ShopifyQueryShop) != 1 || shop.Requests(connectortest.ShopifyMutationEvent) != 0 {
		t.Error("a test event wrote or asked more than the shop")
	}
}

// The API version comes from the credentials, and an address the egress policy does not allow
// by name is refused at every attempt, whatever was checked when the connector was saved.
func TestShopifyVersionAndAddress(t *testing.T) {
	shop := connectortest.NewShopify(t, shopToken)
	shop.AddFulfillment(shopOrderID, shopFulfillment)
	j := newShopJourney(t, order.OriginShopify)
	e := j.scan(order.ShipmentInTransit, shopT0.Add(5*time.Hour), order.Location{})[0]
	o := shopOutgoing(t, shop.URL(), map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "2025-07"}, e)
	if r, _ := shopSender().send(context.Background(), o, 1); r.Outcome != Delivered {
		t.Errorf("2025-07: %+v", r)
	}
	o = shopOutgoing(t, shop.URL(), map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "2025-13"}, e)
	if r, _ := shopSender().send(context.Background(), o, 1); r.Outcome != Failed || !strings.Contains(r.Err, "api_version") {
		t.Errorf("2025-13: %+v", r)
	}
	strict := &Sender{Secrets: shopCodec}
	if r, _ := strict.send(context.Background(), shopOutgoing(t, shop.URL(), map[string]string{shopifyAccessToken: shopToken}, e), 1); r.Outcome != Failed || !strings.Contains(r.Err, "myshopify.com") {
		t.Errorf("a loopback shop without the policy's leave: %+v", r)
	}
}

func TestCheckShopify(t *testing.T) {
	ok := map[string]string{shopifyAccessToken: shopToken}
	for _, tc := range []struct {
		url   string
		creds map[string]string
		want  string // "" for accepted
	}{
		{"https://acme-store.myshopify.com", ok, ""},
		{"https://acme-store.myshopify.com/", ok, ""},
		{"https://ACME.myshopify.com", ok, ""},
		{"http://127.0.0.1:8080", ok, ""},
		{"https://acme-store.myshopify.com", map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "2026-01"}, ""},
		{"http://acme.myshopify.com", ok, "https"},
		{"https://acme.myshopify.com:8443", ok, "https"},
		{"https://acme.myshopify.com/admin", ok, "no path"},
		{"https://acme.myshopify.com?x=1", ok, "no path"},
		{"https://user@acme.myshopify.com", ok, "no path"},
		{"https://acme.example.com", ok, "myshopify.com"},
		{"https://evil.com/.myshopify.com", ok, "myshopify.com"},
		{"https://-acme.myshopify.com", ok, "myshopify.com"},
		{"https://.myshopify.com", ok, "myshopify.com"},
		{"https://a_b.myshopify.com", ok, "myshopify.com"},
		{"ftp://127.0.0.1", ok, "myshopify.com"},
		{"https://acme.myshopify.com", map[string]string{}, "access_token"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: "shpat_short"}, "access_token"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: "Bearer 0123456789abcdef0123456789abcdef"}, "access_token"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: "shpat_0123456789abcdef0123456789abcde\x00"}, "access_token"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "2022-10"}, "api_version"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "2026-02"}, "api_version"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: "unstable"}, "api_version"},
		{"https://acme.myshopify.com", map[string]string{shopifyAccessToken: shopToken, shopifyAPIVersion: ""}, "api_version"},
	} {
		err := checkShopify(tc.url, tc.creds)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: %v", tc.url, tc.creds, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %q: %v, want an error about %s", tc.url, tc.creds, err, tc.want)
		}
	}
}

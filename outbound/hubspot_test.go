package outbound

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
	"github.com/shipflow/shipflow/payload"
)

const hubSpotTestToken = "pat-na1-11111111-2222-3333-4444-555555555555"

// exampleEvent is the catalogue's example of typ as the outbox stores it.
func exampleEvent(t *testing.T, typ order.PublishType) Event {
	t.Helper()
	ex, ok := ExampleBody(typ)
	if !ok {
		t.Fatalf("no example of %s", typ)
	}
	return Event{ID: ex.Metadata.EventID, OrderID: ex.Metadata.OrderID, Seq: ex.Metadata.Sequence, Type: ex.Type,
		ShipmentID: ex.Metadata.ShipmentID, Data: ex.Data, CreatedAt: ex.Timestamp}
}

// withCustomer is e with the order's customer email replaced.
func withEmail(t *testing.T, e Event, email string) Event {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal(e.Data, &data); err != nil {
		t.Fatal(err)
	}
	c, _ := data["customer"].(map[string]any)
	if email == "" {
		delete(c, "email")
	} else {
		c["email"] = email
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	e.Data = b
	return e
}

// connectorSender is standInSender with SHIPFLOW_SECRET_KEYS, to open connectors' credentials.
func connectorSender(t *testing.T) *Sender {
	t.Helper()
	k, err := payload.NewKey("test", bytes.Repeat([]byte{7}, payload.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := standInSender()
	if s.Secrets, err = payload.NewCodec(payload.Keys{k}); err != nil {
		t.Fatal(err)
	}
	return s
}

// connectorOutgoing is an attempt of e at a connector endpoint of kind k with creds, sealed as
// the API stores them; the Sender opens them.
func connectorOutgoing(t *testing.T, s *Sender, k Kind, url string, e Event, creds map[string]string) Outgoing {
	t.Helper()
	sealed, err := sealCredentials(s.Secrets, creds)
	if err != nil {
		t.Fatal(err)
	}
	return Outgoing{Endpoint: Endpoint{ID: "ep_" + string(k), Kind: k, URL: url, Enabled: true, Credentials: sealed}, Event: e}
}

func hubSpotOutgoing(t *testing.T, s *Sender, url string, e Event) Outgoing {
	return connectorOutgoing(t, s, KindHubSpot, url, e, map[string]string{HubSpotToken: hubSpotTestToken})
}

// Each milestone sets the contact's shipping properties, found by email, as HubSpot's CRM API
// v3 takes them (checked by the stand-in: bearer token, JSON, property types, the stage's
// dropdown options, the date format); sending the same event again changes nothing.
func TestHubSpotSetsTheContactsShippingProperties(t *testing.T) {
	s := connectorSender(t)
	hs := connectortest.NewHubSpot(t, hubSpotTestToken)
	id := hs.AddContact("Ona@Example.com")

	res, _ := s.send(t.Context(), hubSpotOutgoing(t, s, hs.URL(), exampleEvent(t, order.PublishOrderShipped)), 1)
	if res.Outcome != Delivered || res.Status != http.StatusOK {
		t.Fatalf("shipped: %+v", res)
	}
	got, _ := hs.Contact("ona@example.com")
	want := map[string]string{
		"email": "Ona@Example.com", "shipflow_shipping_stage": "shipped", "shipflow_order_id": "example-1001",
		"shipflow_carrier": "DPD", "shipflow_tracking_number": "05212345678901", "shipflow_eta": "2026-05-10",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (contact %v)", k, got[k], v, got)
		}
	}
	if !strings.HasPrefix(got["shipflow_tracking_url"], "https://shipflow.example/track/") {
		t.Errorf("tracking url %q, want the order's tracking page", got["shipflow_tracking_url"])
	}

	for range 2 { // the second is a retry after a lost answer
		res, _ = s.send(t.Context(), hubSpotOutgoing(t, s, hs.URL(), exampleEvent(t, order.PublishOrderDelivered)), 1)
		if res.Outcome != Delivered {
			t.Fatalf("delivered: %+v", res)
		}
	}
	ups := hs.Updates()
	if len(ups) != 3 || ups[1].ContactID != id || ups[2].Properties["shipflow_shipping_stage"] != "delivered" {
		t.Fatalf("updates %+v", ups)
	}
	if got, _ := hs.Contact("ona@example.com"); got["shipflow_shipping_stage"] != "delivered" {
		t.Errorf("after delivered: %v", got)
	}
}

// Without a tracking page, the tracking link is the carrier's own; an order not shipped yet
// clears the parcel's properties rather than leaving an earlier order's.
func TestHubSpotCarrierLinkAndClearedProperties(t *testing.T) {
	s := connectorSender(t)
	s.Feeds = FeedSettings{}
	hs := connectortest.NewHubSpot(t, hubSpotTestToken)
	hs.AddContact("ona@example.com")
	if res, _ := s.send(t.Context(), hubSpotOutgoing(t, s, hs.URL(), exampleEvent(t, order.PublishOrderShipped)), 1); res.Outcome != Delivered {
		t.Fatalf("shipped: %+v", res)
	}
	got, _ := hs.Contact("ona@example.com")
	if !strings.Contains(got["shipflow_tracking_url"], "05212345678901") || strings.Contains(got["shipflow_tracking_url"], "shipflow.example") {
		t.Errorf("tracking url %q, want DPD's link for the parcel", got["shipflow_tracking_url"])
	}
	if res, _ := s.send(t.Context(), hubSpotOutgoing(t, s, hs.URL(), exampleEvent(t, order.PublishOrderCreated)), 1); res.Outcome != Delivered {
		t.Fatalf("created: %+v", res)
	}
	got, _ = hs.Contact("ona@example.com")
	if got["shipflow_shipping_stage"] != "created" || got["shipflow_carrier"] != "" || got["shipflow_tracking_url"] != "" || got["shipflow_tracking_number"] != "" {
		t.Errorf("a new order left the last one's parcel: %v", got)
	}
}

// Each answer class: a contact not found and a missing property fail the delivery with a
// reason a merchant can act on; a revoked token or a missing scope is gone (the destination is
// disabled and staff told); HubSpot's 429, which has no Retry-After, waits as its rate headers
// say; an outage is retried; an order without an email is refused before any request.
func TestHubSpotAnswers(t *testing.T) {
	s := connectorSender(t)
	hs := connectortest.NewHubSpot(t, hubSpotTestToken)
	hs.AddContact("ona@example.com")
	shipped := exampleEvent(t, order.PublishOrderShipped)

	cases := []struct {
		name       string
		setup      func()
		o          Outgoing
		outcome    Outcome
		status     int
		err        string
		retryAfter time.Duration
	}{
		{"contact not found", nil, hubSpotOutgoing(t, s, hs.URL(), withEmail(t, shipped, "nobody+tag@example.com")), Failed, 404, "no contact", 0},
		{"no email", nil, hubSpotOutgoing(t, s, hs.URL(), withEmail(t, shipped, "")), Failed, 0, "no customer email", 0},
		{"wrong token", nil, connectorOutgoing(t, s, KindHubSpot, hs.URL(), shipped, map[string]string{HubSpotToken: "pat-na1-revoked"}),
			Gone, 401, "expired or is invalid", 0},
		{"missing scope", func() { hs.FailNext(1, 403, "") }, hubSpotOutgoing(t, s, hs.URL(), shipped), Gone, 403, "scopes", 0},
		{"burst limit", func() { hs.FailNext(1, 429, "") }, hubSpotOutgoing(t, s, hs.URL(), shipped), Retry, 429, "rate limit", 10 * time.Second},
		{"daily limit", func() { hs.FailNext(1, 429, "DAILY") }, hubSpotOutgoing(t, s, hs.URL(), shipped), Retry, 429, "daily limit", time.Hour},
		{"server error", func() { hs.FailNext(1, 502, "") }, hubSpotOutgoing(t, s, hs.URL(), shipped), Retry, 502, "HubSpot answered 502", 0},
		{"outage", func() { hs.Down(0) }, hubSpotOutgoing(t, s, hs.URL(), shipped), Retry, 503, "", time.Second},
		{"missing property", func() { hs.Up(); hs.DeleteProperty("shipflow_eta") }, hubSpotOutgoing(t, s, hs.URL(), shipped), Failed, 400, "shipflow_eta", 0},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		res, _ := s.send(t.Context(), c.o, 1)
		if res.Outcome != c.outcome || res.Status != c.status || !strings.Contains(res.Err+res.Body, c.err) || res.RetryAfter != c.retryAfter {
			t.Errorf("%s: %+v, want %v %d %q retry after %v", c.name, res, c.outcome, c.status, c.err, c.retryAfter)
		}
	}
	if n := len(hs.Updates()); n != 0 {
		t.Errorf("%d updates accepted, want none", n)
	}
}

// The connector is registered with its credential and HubSpot's API as its default URL, and
// refuses a token HubSpot never issues.
func TestHubSpotConnector(t *testing.T) {
	c, ok := connectors[KindHubSpot]
	if !ok || !KindHubSpot.Connector() || c.DefaultURL != "https://api.hubapi.com" || len(c.Credentials) != 1 || c.Credentials[0] != "access_token" {
		t.Fatalf("hubspot connector %+v", c)
	}
	for _, tok := range []string{"", "pat-na1-x y", "pat\n", "\"pat\"", strings.Repeat("a", 513), "pat-na1-é"} {
		if c.Check(HubSpotURL, map[string]string{HubSpotToken: tok}) == nil {
			t.Errorf("token %q accepted", tok)
		}
	}
	if err := c.Check(HubSpotURL, map[string]string{HubSpotToken: hubSpotTestToken}); err != nil {
		t.Errorf("a private app token refused: %v", err)
	}
}

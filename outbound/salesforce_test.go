package outbound

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

const (
	sfTestClientID = "3MVG9VwZxxW3bBQjhE6m21CG2nSS4WC.GNbZCtKeQxFH7218ns6xOLCNnJVKnZFTZWKzt2qwSFqt2taMt5mcr"
	sfTestSecret   = "8A4BE698BCA216718ECB0B1DCA294C69732EAD9472A1790F8FED38DD2E02B5FA"
)

func sfCreds(more ...string) map[string]string {
	c := map[string]string{SalesforceClientID: sfTestClientID, SalesforceClientSecret: sfTestSecret}
	for i := 0; i+1 < len(more); i += 2 {
		c[more[i]] = more[i+1]
	}
	return c
}

func salesforceOutgoing(t *testing.T, s *Sender, url string, e Event, more ...string) Outgoing {
	return connectorOutgoing(t, s, KindSalesforce, url, e, sfCreds(more...))
}

// Each milestone is one Platform Event, published with a token from the client credentials
// flow (checked by the stand-in: the form, the credentials, the bearer token, the event's
// fields and their types); the token is asked for once and reused by every attempt, however
// many run at once.
func TestSalesforcePublishesAMilestoneEvent(t *testing.T) {
	s := connectorSender(t)
	sf := connectortest.NewSalesforce(t, sfTestClientID, sfTestSecret)
	shipped := exampleEvent(t, order.PublishOrderShipped)

	res, _ := s.send(t.Context(), salesforceOutgoing(t, s, sf.URL(), shipped), 1)
	if res.Outcome != Delivered || res.Status != http.StatusCreated || !strings.Contains(res.Body, "OPERATION_ENQUEUED") {
		t.Fatalf("shipped: %+v", res)
	}
	evs := sf.Events()
	if len(evs) != 1 || evs[0].Object != "Shipflow_Milestone__e" {
		t.Fatalf("events %+v", evs)
	}
	f := evs[0].Fields
	want := map[string]any{
		"Event_Id__c": shipped.ID, "Order_Id__c": "example-1001", "Milestone__c": "order.shipped", "Status__c": "shipped",
		"Carrier__c": "DPD", "Tracking_Number__c": "05212345678901", "ETA__c": "2026-05-10",
		"Customer_Email__c": "ona@example.com", "Customer_Phone__c": "+37060000000",
		"Occurred_At__c": shipped.CreatedAt.UTC().Format(time.RFC3339),
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %v, want %v", k, f[k], v)
		}
	}
	if u, _ := f["Tracking_Url__c"].(string); !strings.HasPrefix(u, "https://shipflow.example/track/") {
		t.Errorf("Tracking_Url__c %v", f["Tracking_Url__c"])
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if res, _ := s.send(t.Context(), salesforceOutgoing(t, s, sf.URL(), exampleEvent(t, order.PublishShipmentOutForDelivery)), 1); res.Outcome != Delivered {
				t.Errorf("out for delivery: %+v", res)
			}
		})
	}
	wg.Wait()
	if n := sf.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want 1 reused", n)
	}
	// An order not shipped yet: its parcel's fields are null, not left out.
	if res, _ := s.send(t.Context(), salesforceOutgoing(t, s, sf.URL(), exampleEvent(t, order.PublishOrderCreated)), 1); res.Outcome != Delivered {
		t.Fatalf("created: %+v", res)
	}
	evs = sf.Events()
	last := evs[len(evs)-1].Fields
	if v, ok := last["Carrier__c"]; !ok || v != nil || last["Status__c"] != "created" {
		t.Errorf("created: %v", last)
	}
}

// A session the org ended (its timeout, an admin) is replaced once within the attempt; the
// endpoint's event object and API version options are used; changed credentials get a new
// token.
func TestSalesforceRefreshesAnEndedSession(t *testing.T) {
	s := connectorSender(t)
	sf := connectortest.NewSalesforce(t, sfTestClientID, sfTestSecret)
	sf.DefineEvent("acme__Parcel_Update__e")
	o := salesforceOutgoing(t, s, sf.URL(), exampleEvent(t, order.PublishOrderDelivered),
		SalesforceEventObject, "acme__Parcel_Update__e", SalesforceAPIVersion, "v60.0")

	if res, _ := s.send(t.Context(), o, 1); res.Outcome != Delivered {
		t.Fatalf("first: %+v", res)
	}
	sf.ExpireSessions()
	if res, _ := s.send(t.Context(), o, 2); res.Outcome != Delivered {
		t.Fatalf("after the session ended: %+v", res)
	}
	if n, evs := sf.TokensIssued(), sf.Events(); n != 2 || len(evs) != 2 || evs[1].Object != "acme__Parcel_Update__e" {
		t.Fatalf("%d tokens, events %+v", n, evs)
	}
	// A 401 on a brand-new token is not refreshed again: gone. (The ended session's publish
	// and the token request pass; the publish with the new token is refused.)
	sf.PassNext(2)
	sf.FailNext(1, http.StatusUnauthorized, "")
	sf.ExpireSessions()
	res, _ := s.send(t.Context(), o, 3)
	if res.Outcome != Gone || res.Status != http.StatusUnauthorized || !strings.Contains(res.Err, "INVALID_SESSION_ID") {
		t.Fatalf("refused fresh session: %+v", res)
	}
	tokens := sf.TokensIssued()
	o = salesforceOutgoing(t, s, sf.URL(), exampleEvent(t, order.PublishOrderDelivered),
		SalesforceEventObject, "acme__Parcel_Update__e", SalesforceClientSecret, "rotated")
	if res, _ := s.send(t.Context(), o, 1); res.Outcome != Gone || sf.TokensIssued() != tokens {
		t.Fatalf("rotated secret must ask for a new token, which the org refuses: %+v", res)
	}
}

// Each answer class: refused client credentials are gone, never with a token in the attempt
// log; Salesforce's REQUEST_LIMIT_EXCEEDED (a 403) and the publishing limit are retried after
// an hour at least; an outage and a 503 wait for Retry-After; an event the org does not define
// and a field the merchant did not create fail the delivery naming them.
func TestSalesforceAnswers(t *testing.T) {
	s := connectorSender(t)
	sf := connectortest.NewSalesforce(t, sfTestClientID, sfTestSecret)
	shipped := exampleEvent(t, order.PublishOrderShipped)
	with := func(name, v string) Outgoing {
		o := salesforceOutgoing(t, s, sf.URL(), shipped, name, v)
		o.Endpoint.ID = "ep_" + name + v
		return o
	}
	if res, _ := s.send(t.Context(), salesforceOutgoing(t, s, sf.URL(), shipped), 1); res.Outcome != Delivered { // a token cached
		t.Fatalf("first: %+v", res)
	}
	cases := []struct {
		name       string
		setup      func()
		o          Outgoing
		outcome    Outcome
		status     int
		err        string
		retryAfter time.Duration
	}{
		{"wrong secret", nil, with(SalesforceClientSecret, "nope"), Gone, 400, "invalid_client: invalid client credentials", 0},
		{"wrong client id", nil, with(SalesforceClientID, "nope"), Gone, 400, "invalid_client_id", 0},
		{"request limit", func() { sf.FailNext(1, 403, "") }, salesforceOutgoing(t, s, sf.URL(), shipped), Retry, 403, "REQUEST_LIMIT_EXCEEDED", time.Hour},
		{"publishing limit", func() { sf.FailNext(1, 400, "LIMIT_EXCEEDED") }, salesforceOutgoing(t, s, sf.URL(), shipped), Retry, 400, "LIMIT_EXCEEDED", time.Hour},
		{"api disabled", func() { sf.FailNext(1, 403, "API_DISABLED_FOR_ORG") }, salesforceOutgoing(t, s, sf.URL(), shipped), Gone, 403, "API_DISABLED_FOR_ORG", 0},
		{"unavailable", func() { sf.FailNext(1, 503, "") }, salesforceOutgoing(t, s, sf.URL(), shipped), Retry, 503, "SERVER_UNAVAILABLE", time.Second},
		{"token endpoint down", func() { sf.Down(0) }, with(SalesforceClientID, sfTestClientID+"x"), Retry, 503, "", time.Second},
		{"unknown event", func() { sf.Up() }, with(SalesforceEventObject, "Missing__e"), Failed, 404, "no Platform Event Missing__e", 0},
		{"missing field", func() { sf.DeleteField("ETA__c") }, salesforceOutgoing(t, s, sf.URL(), shipped), Failed, 400, "No such column 'ETA__c'", 0},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		res, _ := s.send(t.Context(), c.o, 1)
		if res.Outcome != c.outcome || res.Status != c.status || !strings.Contains(res.Err, c.err) || res.RetryAfter != c.retryAfter {
			t.Errorf("%s: %+v, want %v %d %q retry after %v", c.name, res, c.outcome, c.status, c.err, c.retryAfter)
		}
		if strings.Contains(res.Body, "access_token") {
			t.Errorf("%s: a token in the attempt log: %q", c.name, res.Body)
		}
	}
	if n := len(sf.Events()); n != 1 {
		t.Errorf("%d events published, want only the first", n)
	}
}

// The connector needs the instance URL and the connected app's credentials, takes the event
// object and API version as options, and refuses what Salesforce never accepts.
func TestSalesforceConnector(t *testing.T) {
	c, ok := connectors[KindSalesforce]
	if !ok || c.DefaultURL != "" || len(c.Credentials) != 2 || len(c.Optional) != 2 {
		t.Fatalf("salesforce connector %+v", c)
	}
	good := map[string]string{SalesforceClientID: sfTestClientID, SalesforceClientSecret: sfTestSecret}
	if err := c.Check("https://acme.my.salesforce.com", good); err != nil {
		t.Fatalf("good: %v", err)
	}
	bad := []struct {
		url  string
		name string
		v    string
	}{
		{"https://acme.lightning.force.com/lightning/page/home", "", ""},
		{"https://acme.my.salesforce.com/?x=1", "", ""},
		{"https://user:pw@acme.my.salesforce.com", "", ""},
		{"acme.my.salesforce.com", "", ""},
		{"https://acme.my.salesforce.com", SalesforceClientID, ""},
		{"https://acme.my.salesforce.com", SalesforceClientSecret, "a b"},
		{"https://acme.my.salesforce.com", SalesforceClientSecret, "x\x00"},
		{"https://acme.my.salesforce.com", SalesforceEventObject, "Shipflow_Milestone__c"},
		{"https://acme.my.salesforce.com", SalesforceEventObject, "Bad__Name__x__e"},
		{"https://acme.my.salesforce.com", SalesforceEventObject, "X__e; DROP"},
		{"https://acme.my.salesforce.com", SalesforceAPIVersion, "62"},
		{"https://acme.my.salesforce.com", SalesforceAPIVersion, "v62.0/../../"},
	}
	for _, b := range bad {
		creds := map[string]string{SalesforceClientID: sfTestClientID, SalesforceClientSecret: sfTestSecret}
		if b.name != "" {
			creds[b.name] = b.v
		}
		if c.Check(b.url, creds) == nil {
			t.Errorf("accepted %s with %s=%q", b.url, b.name, b.v)
		}
	}
	for _, v := range []string{"Shipflow_Milestone__e", "acme__Parcel_Update__e"} {
		good[SalesforceEventObject] = v
		if err := c.Check("https://acme.my.salesforce.com/", good); err != nil {
			t.Errorf("event %s refused: %v", v, err)
		}
	}
}

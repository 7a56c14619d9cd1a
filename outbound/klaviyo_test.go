package outbound

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

const testKlaviyoKey = "pk_0123456789abcdef0123456789abcdef01"

// exampleWithID is the catalogue's example of typ stored as event id.
func exampleWithID(t *testing.T, typ order.PublishType, id string) Event {
	e := exampleEvent(t, typ)
	e.ID = id
	return e
}

func klaviyoOut(t *testing.T, s *Sender, url, key string, e Event) Outgoing {
	return connectorOutgoing(t, s, KindKlaviyo, url, e, map[string]string{KlaviyoAPIKey: key})
}

// Each milestone becomes an event of its metric on the customer's profile, as Klaviyo's
// Create Event takes it (checked by the stand-in: key, revision, JSON:API body), with the
// order, the parcel, its links and its ETA as properties; the same event sent again (a retry
// after a lost answer) is accepted and recorded once, because unique_id is the event id.
func TestKlaviyoCreatesAnEventOfTheMilestonesMetric(t *testing.T) {
	s := connectorSender(t)
	k := connectortest.NewKlaviyo(t, testKlaviyoKey)
	types := []order.PublishType{order.PublishOrderShipped, order.PublishShipmentOutForDelivery, order.PublishShipmentException, order.PublishOrderDelivered}
	for i, typ := range types {
		e := exampleWithID(t, typ, "evt_k"+string(rune('a'+i)))
		res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1)
		if res.Outcome != Delivered || res.Status != http.StatusAccepted {
			t.Fatalf("%s: %+v", typ, res)
		}
		if res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 2); res.Outcome != Delivered {
			t.Fatalf("%s again: %+v", typ, res)
		}
	}
	evs := k.Events()
	if len(evs) != len(types) || k.Requests() != 2*len(types) {
		t.Fatalf("recorded %d events of %d requests, want %d of %d", len(evs), k.Requests(), len(types), 2*len(types))
	}
	want := []string{"Shipment Shipped", "Out For Delivery", "Shipment Exception", "Delivered"}
	for i, ev := range evs {
		if ev.Metric != want[i] || ev.UniqueID != "evt_k"+string(rune('a'+i)) || ev.Email != "ona@example.com" || ev.Phone != "+37060000000" || ev.Revision != KlaviyoRevision {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
	shipped := evs[0]
	p := shipped.Properties
	if p["OrderId"] != "example-1001" || p["Carrier"] != "DPD" || p["TrackingNumber"] != "05212345678901" ||
		!strings.HasPrefix(p["TrackingUrl"].(string), "https://shipflow.example/track/") || p["EstimatedDelivery"] != "2026-05-10T10:30:00Z" ||
		p["Status"] != "shipped" || p["ShipmentId"] != "S1" {
		t.Errorf("shipped properties %v", p)
	}
	if items, _ := p["Items"].([]any); len(items) != 1 || items[0].(map[string]any)["SKU"] != "SHOE-42" {
		t.Errorf("items %v", p["Items"])
	}
	if names, _ := p["ItemNames"].([]any); len(names) != 1 || names[0] != "Trail shoes" {
		t.Errorf("item names %v", p["ItemNames"])
	}
	if !shipped.Time.Equal(exampleWithID(t, order.PublishOrderShipped, "x").CreatedAt) {
		t.Errorf("time %v, want when the event happened", shipped.Time)
	}
	if exc := evs[2].Properties; exc["Status"] != "exception" || exc["ExceptionReason"] == nil {
		t.Errorf("exception properties %v", exc)
	}
}

// Without a tracking page the link is the carrier's own page for the parcel.
func TestKlaviyoLinksTheCarrierWithoutATrackingPage(t *testing.T) {
	s := connectorSender(t)
	s.Feeds = FeedSettings{}
	k := connectortest.NewKlaviyo(t, testKlaviyoKey)
	res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, exampleWithID(t, order.PublishOrderShipped, "evt_1")), 1)
	if res.Outcome != Delivered {
		t.Fatal(res)
	}
	if link, _ := k.Events()[0].Properties["TrackingUrl"].(string); !strings.Contains(link, "05212345678901") || strings.Contains(link, "shipflow.example") {
		t.Errorf("tracking link %q, want DPD's", link)
	}
}

// Klaviyo's answers are classified as the connector contract says: a wrong or revoked key and
// a key without events:write disable the connector (Gone), a throttle waits for Retry-After,
// an outage is retried, a refused body fails the event for staff.
func TestKlaviyoAnswers(t *testing.T) {
	s := connectorSender(t)
	k := connectortest.NewKlaviyo(t, testKlaviyoKey)
	e := exampleWithID(t, order.PublishOrderShipped, "evt_1")

	res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), "pk_wrongwrongwrongwrong", e), 1)
	if res.Outcome != Gone || res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "authentication_failed") {
		t.Errorf("wrong key: %+v", res)
	}
	k.FailNext(1, http.StatusTooManyRequests, "")
	res, _ = s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1)
	if res.Outcome != Retry || res.RetryAfter != time.Second || !strings.Contains(res.Body, "throttled") {
		t.Errorf("throttled: %+v", res)
	}
	k.FailNext(1, http.StatusBadRequest, "")
	res, _ = s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1)
	if res.Outcome != Failed || !strings.Contains(res.Body, `"code":"invalid"`) {
		t.Errorf("invalid: %+v", res)
	}
	k.Down(0)
	res, _ = s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1)
	if res.Outcome != Retry || res.Status != http.StatusServiceUnavailable {
		t.Errorf("down: %+v", res)
	}
	k.Up()
	if res, _ = s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1); res.Outcome != Delivered {
		t.Errorf("up again: %+v", res)
	}
	k.ReadOnly()
	res, _ = s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, e), 1)
	if res.Outcome != Gone || res.Status != http.StatusForbidden {
		t.Errorf("read-only key: %+v", res)
	}
}

// What Klaviyo cannot take is never sent: an order whose customer has no identifier, data
// that is not an order's view, and a URL that would carry the key to anyone but Klaviyo.
func TestKlaviyoRefusesWithoutCalling(t *testing.T) {
	s := connectorSender(t)
	k := connectortest.NewKlaviyo(t, testKlaviyoKey)
	anon := exampleWithID(t, order.PublishOrderShipped, "evt_1")
	anon.Data = []byte(strings.NewReplacer(`"email":"ona@example.com",`, "", `"phone":"+37060000000",`, "").Replace(string(anon.Data)))
	res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, anon), 1)
	if res.Outcome != Failed || !strings.Contains(res.Err, "no email, phone or external id") {
		t.Errorf("anonymous customer: %+v", res)
	}
	bad := exampleWithID(t, order.PublishOrderShipped, "evt_2")
	bad.Data = []byte(`["not a view"]`)
	if res, _ := s.send(t.Context(), klaviyoOut(t, s, k.URL(), testKlaviyoKey, bad), 1); res.Outcome != Failed {
		t.Errorf("bad data: %+v", res)
	}
	for _, u := range []string{"https://evil.example", "http://a.klaviyo.com", "https://a.klaviyo.com.evil.example", "::"} {
		res, _ := s.send(t.Context(), klaviyoOut(t, s, u, testKlaviyoKey, exampleWithID(t, order.PublishOrderShipped, "evt_3")), 1)
		if res.Outcome != Failed || res.Status != 0 {
			t.Errorf("url %q: %+v", u, res)
		}
	}
	if k.Requests() != 0 {
		t.Errorf("%d requests reached Klaviyo", k.Requests())
	}
}

// Every event type shipflow publishes has its metric name, and the names are distinct.
func TestKlaviyoMetricsCoverEveryType(t *testing.T) {
	seen := map[string]order.PublishType{}
	for _, typ := range order.PublishTypes() {
		m, ok := klaviyoMetrics[typ]
		if !ok {
			t.Errorf("%s has no metric", typ)
		}
		if other, dup := seen[m]; dup {
			t.Errorf("%s and %s are both %q", typ, other, m)
		}
		seen[m] = typ
	}
	if got := klaviyoMetric("parcel.teleported"); got != "Parcel Teleported" {
		t.Errorf("unknown type's metric %q", got)
	}
}

// The connector's check refuses keys and URLs Klaviyo would, with the API's error shape.
func TestCheckKlaviyo(t *testing.T) {
	for _, c := range []struct {
		url, key string
		status   int
	}{
		{"", testKlaviyoKey, 0},
		{"https://a.klaviyo.com", testKlaviyoKey, 0},
		{"http://127.0.0.1:8080", testKlaviyoKey, 0},
		{"", "", http.StatusBadRequest},
		{"", "Klaviyo-API-Key " + testKlaviyoKey, http.StatusBadRequest},
		{"", "AbC123", http.StatusBadRequest},             // a public site id
		{"", testKlaviyoKey + " ", http.StatusBadRequest}, // pasted with a space
		{"", "pk_abc\x00defghijk", http.StatusBadRequest},
		{"", "pk_" + strings.Repeat("a", 200), http.StatusBadRequest},
		{"https://evil.example", testKlaviyoKey, http.StatusUnprocessableEntity},
		{"http://a.klaviyo.com", testKlaviyoKey, http.StatusUnprocessableEntity},
		{"https://user:pw@a.klaviyo.com", testKlaviyoKey, http.StatusUnprocessableEntity},
	} {
		err := connectors[KindKlaviyo].Check(c.url, map[string]string{KlaviyoAPIKey: c.key})
		var ae *apierr.Error
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%q %q: %v", c.url, c.key, err)
		case c.status != 0 && (!errors.As(err, &ae) || ae.Status != c.status):
			t.Errorf("%q %q: %v, want %d", c.url, c.key, err, c.status)
		case ae != nil && strings.Contains(ae.Message, testKlaviyoKey):
			t.Errorf("the message quotes the key: %s", ae.Message)
		}
	}
}

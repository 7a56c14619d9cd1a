package outbound

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

const testACToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"

func acOut(t *testing.T, s *Sender, url, token string, e Event) Outgoing {
	return connectorOutgoing(t, s, KindActiveCampaign, url, e, map[string]string{ActiveCampaignToken: token})
}

// newActiveCampaign is a stand-in account with the shipping fields a merchant creates, and one
// of their own.
func newActiveCampaign(t *testing.T) *connectortest.ActiveCampaign {
	ac := connectortest.NewActiveCampaign(t, testACToken)
	ac.AddField("Birthday")
	for _, title := range []string{"Shipping Stage", "Shipping Carrier", "Tracking Number", "Tracking Link", "Shipping ETA", "Shipping Order ID"} {
		ac.AddField(title)
	}
	return ac
}

// Each milestone syncs the customer's contact by email with the shipping fields and adds the
// milestone's tag, creating the tag the first time; the ids found are kept, so a later attempt
// is two requests; the same event again adds nothing.
func TestActiveCampaignTagsTheContactAndSetsItsFields(t *testing.T) {
	s := connectorSender(t)
	ac := newActiveCampaign(t)
	types := []order.PublishType{order.PublishOrderShipped, order.PublishShipmentOutForDelivery, order.PublishOrderDelivered}
	for i, typ := range types {
		res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, exampleWithID(t, typ, "evt_a"+string(rune('a'+i)))), 1)
		if res.Outcome != Delivered || res.Status != http.StatusCreated {
			t.Fatalf("%s: %+v", typ, res)
		}
		if i == 0 {
			c, _ := ac.Contact("ona@example.com")
			if c.Fields["SHIPPING_STAGE"] != "shipped" || c.Fields["SHIPPING_ETA"] != "2026-05-10" {
				t.Errorf("after shipped: %+v", c)
			}
		}
	}
	c, ok := ac.Contact("ona@example.com")
	if !ok || !slices.Equal(c.Tags, []string{"shipped", "out-for-delivery", "delivered"}) {
		t.Fatalf("contact %+v", c)
	}
	f := c.Fields
	if f["SHIPPING_STAGE"] != "delivered" || f["SHIPPING_CARRIER"] != "DPD" || f["TRACKING_NUMBER"] != "05212345678901" ||
		!strings.HasPrefix(f["TRACKING_LINK"], "https://shipflow.example/track/") || f["SHIPPING_ETA"] != "2026-05-11" ||
		f["SHIPPING_ORDER_ID"] != "example-1001" || f["BIRTHDAY"] != "" {
		t.Errorf("fields %v", f)
	}
	if n := ac.Requests("GET /api/3/fields"); n != 1 {
		t.Errorf("fields listed %d times, want once", n)
	}
	if n := ac.Requests("POST /api/3/tags"); n != 3 {
		t.Errorf("%d tags created, want 3", n)
	}

	before := ac.Requests("POST /api/3/contact/sync") + ac.Requests("POST /api/3/contactTags") + ac.Requests("GET /api/3/tags")
	res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, exampleWithID(t, order.PublishOrderShipped, "evt_aa")), 2)
	if res.Outcome != Delivered {
		t.Fatalf("again: %+v", res)
	}
	after := ac.Requests("POST /api/3/contact/sync") + ac.Requests("POST /api/3/contactTags") + ac.Requests("GET /api/3/tags")
	if c, _ := ac.Contact("ona@example.com"); len(c.Tags) != 3 || after-before != 2 {
		t.Errorf("again: tags %v after %d requests, want the same 3 after 2", c.Tags, after-before)
	}
}

// A tag is found by its exact name, not one that merely contains it, and only a contact tag
// with a well-formed id; a tag deleted in ActiveCampaign after it was found is looked up again
// on the retry.
func TestActiveCampaignFindsTagsByName(t *testing.T) {
	if id := pickTag([]acTag{{ID: "7", Tag: "shipped-late", TagType: "contact"}, {ID: "9", Tag: "Shipped", TagType: "contact"}}, "shipped"); id != "9" {
		t.Errorf("picked %q, want the exact name's", id)
	}
	if id := pickTag([]acTag{{ID: "7", Tag: "shipped", TagType: "template"}, {ID: "../x", Tag: "shipped"}}, "shipped"); id != "" {
		t.Errorf("picked %q of a template tag or a malformed id", id)
	}

	s := connectorSender(t)
	ac := newActiveCampaign(t)
	e := exampleWithID(t, order.PublishOrderShipped, "evt_1")
	if res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 1); res.Outcome != Delivered {
		t.Fatal(res)
	}
	ac.DeleteTag("shipped")
	res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 2)
	if res.Outcome != Retry || !strings.Contains(res.Err, "tagging the contact shipped") {
		t.Fatalf("deleted tag: %+v", res)
	}
	res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 3)
	if c, _ := ac.Contact("ona@example.com"); res.Outcome != Delivered || !slices.Contains(c.Tags, "shipped") {
		t.Fatalf("after the tag is created again: %+v, tags %v", res, c.Tags)
	}
	if n := ac.Requests("POST /api/3/tags"); n != 2 {
		t.Errorf("%d tags created, want 2", n)
	}
}

// ActiveCampaign's answers are classified as the connector contract says, at whichever step
// they come: a refused token disables the connector, a rate limit waits for Retry-After, an
// outage is retried, a refused contact fails the event for staff.
func TestActiveCampaignAnswers(t *testing.T) {
	s := connectorSender(t)
	ac := newActiveCampaign(t)
	e := exampleWithID(t, order.PublishOrderShipped, "evt_1")

	res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), "ffffffffffffffffffffffffffffffff", e), 1)
	if res.Outcome != Gone || res.Status != http.StatusForbidden || !strings.Contains(res.Err, "listing fields") {
		t.Errorf("wrong token: %+v", res)
	}
	ac.PassNext(1) // the fields
	ac.FailNext(1, http.StatusTooManyRequests, "")
	res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 1)
	if res.Outcome != Retry || res.RetryAfter != time.Second || !strings.Contains(res.Err, "syncing the contact: ActiveCampaign answered 429") {
		t.Errorf("rate limited: %+v", res)
	}
	ac.FailNext(1, http.StatusUnprocessableEntity, "")
	res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 1)
	if res.Outcome != Failed || !strings.Contains(res.Body, `"errors"`) {
		t.Errorf("refused contact: %+v", res)
	}
	ac.Down(0)
	res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 1)
	if res.Outcome != Retry || res.Status != http.StatusServiceUnavailable {
		t.Errorf("down: %+v", res)
	}
	ac.Up()
	ac.PassNext(3) // sync, tag search, tag create
	ac.FailNext(1, http.StatusInternalServerError, "")
	if res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 1); res.Outcome != Retry {
		t.Errorf("500 tagging: %+v", res)
	}
	if res, _ = s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, e), 2); res.Outcome != Delivered {
		t.Errorf("after: %+v", res)
	}
	if c, _ := ac.Contact("ona@example.com"); !slices.Equal(c.Tags, []string{"shipped"}) {
		t.Errorf("tags %v", c.Tags)
	}
}

// What ActiveCampaign cannot take is never sent: a customer without an email, and a URL that
// would carry the token to anyone but an account's API.
func TestActiveCampaignRefusesWithoutCalling(t *testing.T) {
	s := connectorSender(t)
	ac := newActiveCampaign(t)
	noEmail := exampleWithID(t, order.PublishOrderShipped, "evt_1")
	noEmail.Data = []byte(strings.Replace(string(noEmail.Data), `"email":"ona@example.com",`, "", 1))
	res, _ := s.send(t.Context(), acOut(t, s, ac.URL(), testACToken, noEmail), 1)
	if res.Outcome != Failed || !strings.Contains(res.Err, "no email") {
		t.Errorf("no email: %+v", res)
	}
	for _, u := range []string{"", "https://evil.example", "http://shop.api-us1.com", "https://api-us1.com", "https://shop.api-us1.com.evil.example"} {
		res, _ := s.send(t.Context(), acOut(t, s, u, testACToken, exampleWithID(t, order.PublishOrderShipped, "evt_2")), 1)
		if res.Outcome != Failed || res.Status != 0 {
			t.Errorf("url %q: %+v", u, res)
		}
	}
	if n := ac.Requests("GET /api/3/fields") + ac.Requests("POST /api/3/contact/sync"); n != 0 {
		t.Errorf("%d requests reached ActiveCampaign", n)
	}
}

// Every event type has its tag, and the tags are distinct.
func TestActiveCampaignTagsCoverEveryType(t *testing.T) {
	seen := map[string]order.PublishType{}
	for _, typ := range order.PublishTypes() {
		tag, ok := activeCampaignTags[typ]
		if !ok {
			t.Errorf("%s has no tag", typ)
		}
		if other, dup := seen[tag]; dup {
			t.Errorf("%s and %s both tag %q", typ, other, tag)
		}
		seen[tag] = typ
	}
	if got := activeCampaignTag("parcel.tele_ported"); got != "parcel-tele-ported" {
		t.Errorf("unknown type's tag %q", got)
	}
}

// The connector's check refuses tokens and URLs ActiveCampaign would, with the API's error shape.
func TestCheckActiveCampaign(t *testing.T) {
	for _, c := range []struct {
		url, token string
		status     int
	}{
		{"https://shop.api-us1.com", testACToken, 0},
		{"https://shop.api-us1.com/api/3", testACToken, 0},
		{"http://127.0.0.1:8080", testACToken, 0},
		{"", testACToken, http.StatusBadRequest},
		{"https://shop.api-us1.com", "", http.StatusBadRequest},
		{"https://shop.api-us1.com", "short", http.StatusBadRequest},
		{"https://shop.api-us1.com", testACToken + "\n", http.StatusBadRequest},
		{"https://shop.api-us1.com", "Api-Token:" + testACToken, http.StatusBadRequest},
		{"https://shop.api-us1.com", strings.Repeat("a", 200), http.StatusBadRequest},
		{"https://shop.activehosted.com", testACToken, http.StatusUnprocessableEntity},
		{"https://api-us1.com", testACToken, http.StatusUnprocessableEntity},
		{"http://shop.api-us1.com", testACToken, http.StatusUnprocessableEntity},
		{"https://shop.api-us1.com?x=1", testACToken, http.StatusUnprocessableEntity},
	} {
		err := connectors[KindActiveCampaign].Check(c.url, map[string]string{ActiveCampaignToken: c.token})
		var ae *apierr.Error
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%q %q: %v", c.url, c.token, err)
		case c.status != 0 && (!errors.As(err, &ae) || ae.Status != c.status):
			t.Errorf("%q %q: %v, want %d", c.url, c.token, err, c.status)
		case ae != nil && strings.Contains(ae.Message, testACToken):
			t.Errorf("the message quotes the token: %s", ae.Message)
		}
	}
}

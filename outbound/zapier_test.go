package outbound

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

// zapierOutgoing is the catalogue's example event of type typ on its way to hook.
func zapierOutgoing(t *testing.T, typ order.PublishType, hook string) Outgoing {
	t.Helper()
	e, ok := cannedEvent(typ)
	if !ok {
		t.Fatalf("no example of %s", typ)
	}
	e.Test = false
	return Outgoing{Endpoint: Endpoint{ID: "ep_zap", Kind: KindZapier, URL: hook, Enabled: true}, Event: e}
}

// An event reaches the Zap as one flat object Zapier takes (JSON, on a live hook), every
// field present, the parcel's carrier, tracking number, links and ETA filled in.
func TestZapierPostsOneFlatObject(t *testing.T) {
	z := connectortest.NewZapier(t)
	hook := z.NewHook()
	s := standInSender()
	o := zapierOutgoing(t, order.PublishOrderShipped, hook)
	res, _ := s.send(t.Context(), o, 1)
	if res.Outcome != Delivered || res.Status != http.StatusOK || !strings.Contains(res.Body, `"status":"success"`) {
		t.Fatalf("result %+v, want delivered with Zapier's success", res)
	}
	posts := z.Posts(hook)
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	p := posts[0]
	if want := reflect.TypeFor[ZapierEvent]().NumField(); len(p.Fields) != want {
		t.Errorf("%d fields posted, want all %d present: %s", len(p.Fields), want, p.Raw)
	}
	for field, want := range map[string]string{
		"id": o.Event.ID, "event": "order.shipped", "trigger": "tracking_number_added", "order_id": "example-1001",
		"status": "shipped", "shipment_id": "S1", "shipment_status": "info_received", "carrier": "DPD", "carrier_code": "dpd",
		"tracking_number": "05212345678901", "customer_email": "ona@example.com", "customer_name": "Ona Example",
		"customer_phone": "+37060000000", "customer_locale": "en", "eta": "2026-05-10T10:30:00Z", "occurred_at": "2026-05-08T08:30:00Z",
	} {
		if got := p.String(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if u := p.String("tracking_url"); !strings.HasPrefix(u, "https://shipflow.example/track/") {
		t.Errorf("tracking_url %q, want the tracking page", u)
	}
	if u := p.String("carrier_tracking_url"); !strings.Contains(u, "05212345678901") {
		t.Errorf("carrier_tracking_url %q, want DPD's page of the parcel", u)
	}
	if string(p.Fields["test"]) != "false" || p.String("exception_reason") != "" {
		t.Errorf("test %s, exception_reason %q", p.Fields["test"], p.String("exception_reason"))
	}
}

// A shipment.exception carries the reason's code, never the carrier's or a driver's words.
func TestZapierExceptionCarriesTheCodeOnly(t *testing.T) {
	z := connectortest.NewZapier(t)
	hook := z.NewHook()
	o := zapierOutgoing(t, order.PublishShipmentException, hook)
	if res, _ := standInSender().send(t.Context(), o, 1); res.Outcome != Delivered {
		t.Fatalf("result %+v", res)
	}
	p := z.Posts(hook)[0]
	if p.String("exception_reason") != "driver_delay" || p.String("trigger") != "shipment_exception" {
		t.Errorf("exception_reason %q trigger %q", p.String("exception_reason"), p.String("trigger"))
	}
	if strings.Contains(string(p.Raw), "snow") || strings.Contains(string(p.Raw), "A1 near Kaunas") {
		t.Errorf("the driver's words reached the Zap: %s", p.Raw)
	}
}

// Each of Zapier's answers becomes the outcome the schedule needs: a rate limit or an outage
// is retried after its Retry-After; a turned-off Zap (410) ends the subscription; a hook that
// never existed is a refusal a retry cannot change.
func TestZapierAnswerClasses(t *testing.T) {
	z := connectortest.NewZapier(t)
	s := standInSender()
	z.SetRetryAfter(7)

	hook := z.NewHook()
	z.FailNext(1, http.StatusTooManyRequests, "")
	res, _ := s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, hook), 1)
	if res.Outcome != Retry || res.Status != http.StatusTooManyRequests || res.RetryAfter != 7*time.Second {
		t.Errorf("429: %+v, want retry after 7s", res)
	}
	z.Down(0)
	res, _ = s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, hook), 2)
	if res.Outcome != Retry || res.Status != http.StatusServiceUnavailable || res.RetryAfter != time.Second {
		t.Errorf("down: %+v, want retry after 1s", res)
	}
	z.Up()
	z.FailNext(1, http.StatusInternalServerError, "")
	if res, _ = s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, hook), 3); res.Outcome != Retry {
		t.Errorf("500: %+v, want retry", res)
	}
	if res, _ = s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, hook), 4); res.Outcome != Delivered || res.Unsubscribed {
		t.Errorf("after the outage: %+v, want delivered", res)
	}

	z.TurnOff(hook)
	res, _ = s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, hook), 1)
	if res.Outcome != Gone || !res.Unsubscribed || res.Status != http.StatusGone {
		t.Errorf("410: %+v, want gone and unsubscribed", res)
	}

	res, _ = s.send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, z.URL()+"/hooks/standard/1/2/3/"), 1)
	if res.Outcome != Failed || res.Unsubscribed || res.Status != http.StatusNotFound {
		t.Errorf("unknown hook: %+v, want failed", res)
	}
	if n := len(z.Posts()); n != 1 {
		t.Errorf("%d posts accepted, want 1", n)
	}
}

// A Zapier destination posts only to Zapier's hook host (or a stand-in the policy allows by
// address), over https, checked again at every attempt.
func TestCheckZapierURL(t *testing.T) {
	prod := egress.Policy{}
	dev := egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true}
	for _, c := range []struct {
		url string
		p   egress.Policy
		ok  bool
	}{
		{"https://hooks.zapier.com/hooks/standard/1234567/abc/def/", prod, true},
		{"https://HOOKS.zapier.com./hooks/catch/1/abc/", prod, true},
		{"http://hooks.zapier.com/hooks/standard/1/2/", prod, false},
		{"https://hooks.zapier.com.evil.example/hooks/", prod, false},
		{"https://evil.example/hooks.zapier.com/", prod, false},
		{"https://zapier.com/hooks/", prod, false},
		{"https://127.0.0.1:8080/hooks/standard/1/2/", prod, false},
		{"http://127.0.0.1:8080/hooks/standard/1/2/", dev, true},
		{"http://localhost:8080/hooks/standard/1/2/", dev, true},
		{"https://10.0.0.1/hooks/", dev, false},
	} {
		err := CheckZapierURL(c.url, c.p)
		if (err == nil) != c.ok {
			t.Errorf("CheckZapierURL(%q) = %v, want ok %v", c.url, err, c.ok)
		}
	}
	err := CheckZapierURL("https://example.com/hook", prod)
	if !errors.Is(err, ErrZapierHost) || !strings.Contains(err.Error(), "hooks.zapier.com") {
		t.Errorf("foreign host: %v, want ErrZapierHost naming hooks.zapier.com", err)
	}

	z := connectortest.NewZapier(t)
	res, _ := (&Sender{}).send(t.Context(), zapierOutgoing(t, order.PublishOrderShipped, z.NewHook()), 1)
	if res.Outcome != Failed || len(z.Posts()) != 0 {
		t.Errorf("a stand-in the policy does not allow: %+v, %d posts", res, len(z.Posts()))
	}
}

// Every trigger fires on a distinct event type the lifecycle publishes, and every type has a
// trigger and a canned sample.
func TestZapierTriggerTable(t *testing.T) {
	seen := map[order.PublishType]bool{}
	for _, tr := range ZapierTriggers {
		if seen[tr.Type] {
			t.Errorf("%s fires on %s twice", tr.Key, tr.Type)
		}
		seen[tr.Type] = true
		if got, ok := ZapierTriggerFor(tr.Key); !ok || got != tr || ZapierTriggerOf(string(tr.Type)) != tr.Key {
			t.Errorf("%s does not find itself", tr.Key)
		}
		if _, ok := cannedEvent(tr.Type); !ok {
			t.Errorf("%s has no canned sample", tr.Key)
		}
	}
	for _, pt := range order.PublishTypes() {
		if !seen[pt] {
			t.Errorf("no trigger fires on %s", pt)
		}
	}
}

// The flat object of undecodable data still names the event, and an empty one is valid JSON.
func TestZapierEventOfOddData(t *testing.T) {
	for _, data := range []string{``, `null`, `[]`, `{"shipments":[{}]}`, `{"status":7}`} {
		z := FeedSettings{}.zapierEvent(Event{ID: "evt_1", OrderID: "o1", Type: "order.shipped", Data: json.RawMessage(data)})
		if z.ID != "evt_1" || z.OrderID != "o1" || z.Trigger != "tracking_number_added" {
			t.Errorf("data %q: %+v", data, z)
		}
		if _, err := json.Marshal(z); err != nil {
			t.Errorf("data %q: %v", data, err)
		}
	}
}

// FuzzParseSubscription: whatever body Zapier (or anyone holding a Zapier key) posts, the
// subscribe request is refused with a 400 or 422 of the API's shape, or gives a hook on
// Zapier's host within the URL limits and a trigger of the table.
func FuzzParseSubscription(f *testing.F) {
	for _, s := range []string{
		`{"hookUrl":"https://hooks.zapier.com/hooks/standard/1234567/abc/def/","event":"tracking_number_added"}`,
		`{"hookUrl":"https://hooks.zapier.com/hooks/standard/1/2/","event":"shipment_delivered"}{}`,
		`{"hookUrl":"http://127.0.0.1:9/hooks/standard/1/2/","event":"shipment_exception"}`,
		`{"hookUrl":"https://hooks.zapier.com.evil.example/","event":"order_created"}`,
		`{"hookUrl":"https://hooks.zapier.com/\u0000","event":"order_created"}`,
		`{"hookUrl":"https://hooks.zapier.com/x","event":"order.shipped"}`,
		`{"hookUrl":"https://hooks.zapier.com/x","event":"order_created\u202e"}`,
		`{"hookUrl":"https://hooks.zapier.com/x","event":"order_created","extra":1}`,
		`{"target_url":"https://hooks.zapier.com/x","event":"order_created"}`,
		`{"hookUrl":7}`, `[]`, `null`, ``, `{`, `{"hookUrl":"` + strings.Repeat("a", 3000) + `"}`,
	} {
		f.Add(s)
	}
	p := egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true}
	f.Fuzz(func(t *testing.T, body string) {
		hook, tr, err := ParseSubscription(strings.NewReader(body), p)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || (ae.Status != http.StatusBadRequest && ae.Status != http.StatusUnprocessableEntity) {
				t.Fatalf("%q: %v, want a 400 or 422", body, err)
			}
			if len(ae.Message) > 2000 {
				t.Fatalf("%q: a message of %d bytes echoes the body", body, len(ae.Message))
			}
			return
		}
		if _, ok := ZapierTriggerFor(tr.Key); !ok || len(hook) > maxURLLen || CheckZapierURL(hook, p) != nil {
			t.Fatalf("%q: accepted hook %q trigger %+v", body, hook, tr)
		}
		for i := range len(hook) {
			if c := hook[i]; c <= ' ' || c > '~' {
				t.Fatalf("%q: accepted hook with byte 0x%02X", body, c)
			}
		}
	})
}

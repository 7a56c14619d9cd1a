package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// live is a console over this package's real Postgres and Temporal, with a worker whose
// customer messages go through the real notify service to its log channel, so the
// notification log fills as in `shipflow dev`.
type live struct {
	*browser
	tq string
}

// The links the live console makes.
const (
	temporalUI   = "http://temporal.example:8233"
	trackingBase = "https://track.example/t/"
)

func newLive(t *testing.T, setup func(*console.Console)) *live {
	t.Helper()
	c, pool := testenv.Temporal(t), testenv.DB(t)
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc := &notify.Service{Log: notify.NewLog(pool), Templates: set, Fallback: notify.LogSender{Logger: testenv.QuietLogger()}, Logger: testenv.QuietLogger()}
	tq := testenv.TaskQueue(t)
	w := sdkworker.New(c, tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: pool, Notifier: svc, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	testenv.StartWorker(t, w)
	b := newConsole(t, func(con *console.Console) {
		con.Temporal, con.TemporalUI, con.Namespace = c, temporalUI, "default"
		con.TrackingLink = func(id string) string { return trackingBase + url.PathEscape(id) }
		if setup != nil {
			setup(con)
		}
	})
	return &live{browser: b, tq: tq}
}

// startOrder starts an order that ships one parcel (S1, tracking number id+"-TN") whose carrier
// then reports a problem, and waits until the read model has its open exception.
func (l *live) startOrder(id string) {
	l.t.Helper()
	ctx, now := context.Background(), time.Now().UTC().Add(-time.Minute) // before anything staff do
	c := testenv.Temporal(l.t)
	created := order.CommerceEvent{
		ID: id + "-created", Type: order.EventCreated, Timestamp: now, OrderID: id,
		Customer: &order.Customer{Name: "Ona Petraitė", Email: "ona@example.com", Phone: "+37060000000", Locale: "en", TimeZone: "UTC"},
		Notify:   []order.Channel{order.ChannelSMS},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
	}
	if _, err := workflows.StartOrder(ctx, c, l.tq, created, workflows.OrderSettings{ReviewRequestDelay: time.Hour}); err != nil {
		l.t.Fatal(err)
	}
	eta := now.Add(48 * time.Hour)
	shipped := order.CommerceEvent{ID: id + "-shipped", Type: order.EventShipped, Timestamp: now, OrderID: id,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: id + "-TN", Items: []string{"SHOE-1"}, EstimatedDelivery: &eta}}
	if err := workflows.SignalCommerce(ctx, c, shipped); err != nil {
		l.t.Fatal(err)
	}
	if err := workflows.SignalTracking(ctx, c, id, order.TrackingEvent{
		ID: id + "-x1", Source: "generic", Carrier: "DPD", TrackingNumber: id + "-TN", Status: order.ShipmentException,
		Description: "Parcel damaged in transit", Location: order.Location{City: "Kaunas", Country: "LT"}, OccurredAt: now.Add(time.Second),
	}); err != nil {
		l.t.Fatal(err)
	}
	l.waitFor(id, "the exception", func(v order.View) bool { return v.Exception != nil })
}

// waitFor waits until the read model's view of id satisfies ok.
func (l *live) waitFor(id, what string, ok func(order.View) bool) order.View {
	l.t.Helper()
	var v order.View
	testenv.Eventually(l.t, 15*time.Second, func() bool {
		var err error
		v, _, err = db.GetOrder(context.Background(), testenv.DB(l.t), id)
		return err == nil && ok(v)
	}, "order %s: no %s in the read model", id, what)
	return v
}

// messages is the order's notification log.
func messages(t *testing.T, id string) []notify.Entry {
	t.Helper()
	es, err := notify.NewLog(testenv.DB(t)).ForOrder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func orderID(t *testing.T) string {
	return fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

// TestOrderPage shows an order whole: its shipment, timeline, the messages the customer got,
// the deliveries subscribers got, what came in about it, and its links.
func TestOrderPage(t *testing.T) {
	ctx, pool := context.Background(), testenv.DB(t)
	ep, err := outbound.CreateEndpoint(ctx, pool, testenv.SecretCodec(t), "https://subscriber.example/hook", "console test", []string{"shipment.exception"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, ep.ID) })
	l := newLive(t, nil)
	id := orderID(t) + " a/b" // a space and a slash: the id travels escaped
	if _, err := inbox.New(pool).Accept(ctx, inbox.Delivery{Source: inbox.SourceAfterShip, EventID: id + "-in",
		Tracking: []order.TrackingEvent{{ID: id + "-in", TrackingNumber: id + "-TN", Status: order.ShipmentInTransit, OccurredAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	l.startOrder(id)
	testenv.Eventually(t, 10*time.Second, func() bool { return len(messages(t, id)) >= 2 }, "the shipped and delayed messages were not logged")

	st, body := l.get("/console/orders/" + url.PathEscape(id))
	if st != http.StatusOK {
		t.Fatalf("order page: %d %s", st, body)
	}
	contains(t, "the order page", body,
		"Ona Petraitė", "DPD", id+"-TN", "exception", "Parcel damaged in transit", // shipment, exception
		"carrier_exception", "level 1", "of 24h", // the exception against the default SLA
		"order.shipped", "Kaunas", // the timeline
		"shipped</strong>", "via sms", "&#43;37060000000", // html/template writes + as &#43; ">logged<", "Send again", // the notification log
		"/console/webhooks/"+ep.ID, "shipment.exception", // the subscriber's delivery
		"aftership", "in_transit", ">pending<", // the inbound delivery, not relayed in this test
		trackingBase+url.PathEscape(id),
		temporalUI+"/namespaces/default/workflows/"+url.PathEscape(workflows.WorkflowID(id)),
	)
	if strings.Index(body, "exception.raised") > strings.Index(body, "order.shipped") {
		t.Error("the timeline is not newest first")
	}

	for path, want := range map[string]int{
		"/console/orders/" + url.PathEscape(id+"-nope"): http.StatusNotFound,
		"/console/orders/bad%00id":                      http.StatusBadRequest,
	} {
		if st, body := l.get(path); st != want || !strings.Contains(body, `role="alert"`) {
			t.Errorf("GET %s: %d, want %d with a problem page", path, st, want)
		}
	}
}

// TestOrderActions works an order from its page: a message sent again once per click, the
// channels changed, the exception resolved with a note; each refused in words when it cannot
// be done, and refused without its CSRF token.
func TestOrderActions(t *testing.T) {
	l := newLive(t, nil)
	id := orderID(t)
	l.startOrder(id)
	page := "/console/orders/" + url.PathEscape(id)
	testenv.Eventually(t, 10*time.Second, func() bool { return len(messages(t, id)) >= 1 }, "no message logged")

	t.Run("resend", func(t *testing.T) {
		_, body := l.get(page)
		token := match(t, body, `name="resend" value="([^"]+)"`)
		first := messages(t, id)[0]
		form := url.Values{"notification": {fmt.Sprint(first.ID)}, "resend": {token}}
		if st, _, _ := l.send(page+"/resend", form); st != http.StatusForbidden {
			t.Errorf("resend without CSRF: %d, want 403", st)
		}
		before := len(messages(t, id))
		for range 2 { // a double click: one message
			if st, loc, body := l.post(page+"/resend", form); st != http.StatusSeeOther || loc != page+"?done=resent" {
				t.Fatalf("resend: %d to %q: %s", st, loc, body)
			}
		}
		testenv.Eventually(t, 10*time.Second, func() bool { return len(messages(t, id)) == before+1 }, "resent message not logged")
		time.Sleep(300 * time.Millisecond) // a second send, if any, would show by now
		es := messages(t, id)
		if len(es) != before+1 {
			t.Fatalf("%d messages after a double click, want %d", len(es), before+1)
		}
		again := es[len(es)-1]
		if o, ok := again.Origin(); !ok || o.Resend == "" || again.Milestone != first.Milestone || again.Channel != first.Channel {
			t.Errorf("resent %+v (origin %+v)", again, o)
		}
		_, body = l.get(page + "?done=resent")
		contains(t, "the order page after a resend", body, "on its way again", ">resent<", "notification.resent", "by "+actor)

		for name, tc := range map[string]struct {
			form url.Values
			want int
		}{
			"unknown message": {url.Values{"notification": {"999999999"}, "resend": {token}}, http.StatusNotFound},
			"no message":      {url.Values{"resend": {token}}, http.StatusBadRequest},
			"forged token":    {url.Values{"notification": {fmt.Sprint(first.ID)}, "resend": {"x\x00"}}, http.StatusBadRequest},
		} {
			if st, _, body := l.post(page+"/resend", tc.form); st != tc.want || !strings.Contains(body, `role="alert"`) {
				t.Errorf("%s: %d, want %d with a problem page", name, st, tc.want)
			}
		}
	})

	t.Run("channels", func(t *testing.T) {
		if st, _, body := l.post(page+"/channels", url.Values{"channel": {"sms", "push"}}); st != http.StatusBadRequest || !strings.Contains(body, "app user id") {
			t.Errorf("push without an app user id: %d %s", st, body)
		}
		if st, _, body := l.post(page+"/channels", url.Values{"channel": {"pigeon"}}); st != http.StatusBadRequest || !strings.Contains(body, "pigeon") {
			t.Errorf("unknown channel: %d %s", st, body)
		}
		if st, loc, body := l.post(page+"/channels", url.Values{"channel": {"sms", "email"}}); st != http.StatusSeeOther || loc != page+"?done=channels" {
			t.Fatalf("channels: %d to %q: %s", st, loc, body)
		}
		l.waitFor(id, "sms and email", func(v order.View) bool { return len(v.Notify.Channels) == 2 })
	})

	t.Run("resolve", func(t *testing.T) {
		for note, want := range map[string]string{" ": "Say in the note", "ok\x00": "control characters", strings.Repeat("x", 1001): "at most 1000"} {
			if st, _, body := l.post(page+"/resolve", url.Values{"note": {note}}); st != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("note %.10q: %d, want 400 saying %q", note, st, want)
			}
		}
		if st, _, _ := l.send(page+"/resolve", url.Values{"note": {"called DPD"}}); st != http.StatusForbidden {
			t.Errorf("resolve without CSRF: %d, want 403", st)
		}
		if st, loc, body := l.post(page+"/resolve", url.Values{"note": {"Called DPD: re-routed"}, "back": {"exceptions"}}); st != http.StatusSeeOther || loc != "/console/exceptions?done=resolved" {
			t.Fatalf("resolve from the queue: %d to %q: %s", st, loc, body)
		}
		v := l.waitFor(id, "resolution", func(v order.View) bool { return v.Exception == nil })
		if e := v.Timeline[0]; e.Type != order.EntryExceptionResolved || e.Actor != actor || e.Description != "Called DPD: re-routed" {
			t.Errorf("newest entry %+v, want the resolution by %s", e, actor)
		}
		_, body := l.get(page)
		contains(t, "the order page after resolving", body, "exception.resolved", "Called DPD: re-routed")
		if strings.Contains(body, "Resolve exception") {
			t.Error("the page still offers to resolve the exception")
		}
		if st, _, body := l.post(page+"/resolve", url.Values{"note": {"again"}}); st != http.StatusConflict || !strings.Contains(body, "no open exception") {
			t.Errorf("resolve with none open: %d %s", st, body)
		}
	})

	t.Run("finished", func(t *testing.T) {
		c := testenv.Temporal(t)
		if err := c.TerminateWorkflow(context.Background(), workflows.WorkflowID(id), "", "test: the order is over"); err != nil {
			t.Fatal(err)
		}
		if st, _, body := l.post(page+"/channels", url.Values{"channel": {"sms"}}); st != http.StatusConflict || !strings.Contains(body, "is finished") {
			t.Errorf("channels of a finished order: %d %s", st, body)
		}
		if st, _, body := l.post("/console/orders/never-was/resolve", url.Values{"note": {"x"}}); st != http.StatusNotFound {
			t.Errorf("resolve an order that never was: %d %s", st, body)
		}
	})
}

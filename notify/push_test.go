package notify_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/onesignal"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

const (
	oneSignalApp = "5eb5a37e-b458-11e3-ac11-000c2940e62c"
	oneSignalKey = "os_v2_app_test"
)

// TestPushOpensTheTrackingPage: a push is rendered in the customer's language with its title,
// opens the tracking page (the review link for a review request), carries no Twilio status
// callback, and is logged with OneSignal's id; a customer without a subscription is refused for
// good and logged as failed; one without an app user id is skipped.
func TestPushOpensTheTrackingPage(t *testing.T) {
	p := newProviders(t)
	one := providertest.NewOneSignal(t, oneSignalApp, oneSignalKey)
	one.Subscribe("app-user-1")
	p.svc.Senders[order.ChannelPush] = onesignal.New(onesignal.Config{AppID: oneSignalApp, APIKey: oneSignalKey, APIURL: one.URL()},
		&http.Client{Timeout: 5 * time.Second})
	p.svc.ReviewURL = "https://shop.example.com/review?order={order_id}"
	ctx := context.Background()

	n := notification(order.MilestoneShipped, order.ChannelPush)
	n.Customer.ExternalID, n.Customer.Locale = "app-user-1", "lt-LT"
	for range 2 { // the second call is a retry: it must not send again
		if err := p.svc.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	pushes := one.Pushes()
	if len(pushes) != 1 {
		t.Fatalf("%d pushes, want 1", len(pushes))
	}
	got := pushes[0]
	if want := tracklink.URL(p.svc.PublicURL, p.svc.TrackingSecret, n.OrderID); got.URL != want {
		t.Errorf("push opens %q, want the order's tracking page %q", got.URL, want)
	}
	if got.Headings["lt"] == "" || got.Headings["en"] != got.Headings["lt"] || !strings.Contains(got.Contents["lt"], "DPD") {
		t.Errorf("push in Lithuanian: headings %v, contents %v", got.Headings, got.Contents)
	}
	if got.Data["order_id"] != n.OrderID || got.Data["notification_key"] != notify.Key(n) {
		t.Errorf("data = %v", got.Data)
	}
	e := p.entry(t, n.OrderID)
	if e.Status != notify.StatusSent || e.Provider != "onesignal" || e.ProviderMessageID != got.ID || e.To != "app-user-1" || e.Locale != "lt" {
		t.Errorf("logged %+v", e)
	}

	r := notification(order.MilestoneReviewRequest, order.ChannelPush)
	r.Customer.ExternalID = "app-user-1"
	if err := p.svc.Notify(ctx, r); err != nil {
		t.Fatal(err)
	}
	if pushes := one.Pushes(); len(pushes) != 2 || !strings.HasPrefix(pushes[1].URL, "https://shop.example.com/review?order=n-") {
		t.Errorf("review request push: %+v, want it to open the review link", pushes)
	}

	u := notification(order.MilestoneShipped, order.ChannelPush)
	u.Customer.ExternalID = "never-subscribed"
	if err := p.svc.Notify(ctx, u); !notify.IsPermanent(err) {
		t.Errorf("unsubscribed app user: %v, want a permanent refusal", err)
	}
	if e := p.entry(t, u.OrderID); e.Status != notify.StatusFailed || !strings.Contains(e.Error, "no push subscription") {
		t.Errorf("unsubscribed app user logged %+v", e)
	}

	s := notification(order.MilestoneShipped, order.ChannelPush)
	if err := p.svc.Notify(ctx, s); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, s.OrderID); e.Status != notify.StatusSkipped || e.Error != "the customer has no app user id" {
		t.Errorf("no app user id logged %+v", e)
	}
	if len(p.twilio.Messages()) != 0 || len(one.Pushes()) != 2 {
		t.Errorf("twilio %d, onesignal %d", len(p.twilio.Messages()), len(one.Pushes()))
	}
}

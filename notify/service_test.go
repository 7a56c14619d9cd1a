package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/order"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	apiKey     = "SG.test-key"
)

// providers is the notify service wired to stand-ins of Twilio and SendGrid that check every
// request as the real APIs do, with the real twilio-go client and real HTTP.
type providers struct {
	svc      *notify.Service
	twilio   *providertest.Twilio
	sendgrid *providertest.SendGrid
	log      *notify.Log
	sender   *twilio.Sender // the Twilio sender, also the unresolved check's looker
}

func newProviders(t testing.TB) *providers {
	t.Helper()
	tw := providertest.NewTwilio(t, accountSID, authToken)
	sg := providertest.NewSendGrid(t, apiKey)
	hc := &http.Client{Timeout: 5 * time.Second}
	ts, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", WhatsAppFrom: "+15005550007", APIURL: tw.URL()}, hc)
	if err != nil {
		t.Fatal(err)
	}
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	log := notify.NewLog(testenv.DB(t))
	return &providers{
		svc: &notify.Service{
			Log: log, Templates: set, Logger: testenv.QuietLogger(),
			Senders: map[order.Channel]notify.Sender{
				order.ChannelSMS: ts, order.ChannelWhatsApp: ts,
				order.ChannelEmail: sendgrid.New(sendgrid.Config{APIKey: apiKey, From: "Shop <shop@example.com>", APIURL: sg.URL()}, hc),
			},
			PublicURL: "https://shipflow.example.com", TrackingSecret: "secret",
		},
		twilio: tw, sendgrid: sg, log: log, sender: ts,
	}
}

var seq atomic.Int64

func notification(m order.Milestone, ch order.Channel) notify.Request {
	eta := time.Now().Add(26 * time.Hour)
	return notify.Request{
		OrderID: fmt.Sprintf("n-%d-%d", time.Now().UnixNano(), seq.Add(1)), Milestone: m, ShipmentID: "S1", Channel: ch,
		Customer:  order.Customer{Name: "Ona Petraitė", Email: "ona@example.com", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
		Shipments: []notify.Shipment{{ID: "S1", Carrier: "DPD", TrackingNumber: "TN1", Items: []string{"Shoes"}, ETA: &eta, Status: order.ShipmentInTransit}},
	}
}

func (p *providers) entry(t *testing.T, orderID string) notify.Entry {
	t.Helper()
	es, err := p.log.ForOrder(context.Background(), orderID)
	if err != nil || len(es) != 1 {
		t.Fatalf("log of %s: %v %v", orderID, es, err)
	}
	return es[0]
}

func TestOneMessagePerMilestonePerChannel(t *testing.T) {
	p := newProviders(t)
	milestones := []order.Milestone{order.MilestoneConfirmed, order.MilestoneShipped, order.MilestoneOutForDelivery,
		order.MilestoneAvailableForPickup, order.MilestoneAttemptFailed, order.MilestoneDelivered, order.MilestoneDelayed, order.MilestoneReviewRequest}
	channels := []order.Channel{order.ChannelSMS, order.ChannelWhatsApp, order.ChannelEmail}
	for _, m := range milestones {
		for _, ch := range channels {
			n := notification(m, ch)
			for range 2 { // the second call is a retry: it must not send again
				if err := p.svc.Notify(context.Background(), n); err != nil {
					t.Fatalf("%s via %s: %v", m, ch, err)
				}
			}
			e := p.entry(t, n.OrderID)
			if e.Status != notify.StatusSent || e.ProviderMessageID == "" || e.Body == "" || e.To == "" {
				t.Errorf("%s via %s logged as %+v", m, ch, e)
			}
		}
	}
	if got, want := len(p.twilio.Messages()), 2*len(milestones); got != want {
		t.Errorf("twilio got %d messages, want %d", got, want)
	}
	if got, want := len(p.sendgrid.Messages()), len(milestones); got != want {
		t.Errorf("sendgrid got %d messages, want %d", got, want)
	}
	for _, m := range p.twilio.Messages() {
		if m.StatusCallback != "https://shipflow.example.com/webhooks/twilio/status" || strings.Contains(m.Body, "Petraitė") {
			t.Errorf("twilio message %+v: want the status callback and only the first name", m)
		}
		if strings.HasPrefix(m.To, "whatsapp:") != strings.HasPrefix(m.From, "whatsapp:") {
			t.Errorf("whatsapp addressing %s -> %s", m.From, m.To)
		}
	}
	for _, m := range p.sendgrid.Messages() {
		if m.Subject == "" || m.HTML == "" || m.Text == "" || m.CustomArgs["notification_key"] == "" {
			t.Errorf("email %+v: want subject, html, text and the notification key", m)
		}
	}
}

func TestWorkerKilledAfterTheProviderAcceptedDoesNotSendAgain(t *testing.T) {
	p := newProviders(t)
	release := make(chan struct{})
	defer close(release)
	accepted := make(chan struct{}, 1)
	p.twilio.OnAccept = func(providertest.TwilioMessage) {
		accepted <- struct{}{}
		<-release // the worker that called is gone: nothing it would do next happens
	}
	n := notification(order.MilestoneShipped, order.ChannelSMS)
	go func() { _ = p.svc.Notify(context.Background(), n) }() // the attempt that dies
	<-accepted

	if err := p.svc.Notify(context.Background(), n); err != nil { // Temporal's retry
		t.Fatalf("retry: %v", err)
	}
	if got := len(p.twilio.Messages()); got != 1 {
		t.Errorf("twilio got %d messages, want 1", got)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusUnknown {
		t.Errorf("logged as %s, want unknown until the receipt comes", e.Status)
	}
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	p := newProviders(t)
	p.twilio.FailNext(1, http.StatusBadRequest, 21211)
	n := notification(order.MilestoneShipped, order.ChannelSMS)
	err := p.svc.Notify(context.Background(), n)
	if !notify.IsPermanent(err) {
		t.Fatalf("error %v: want a permanent error", err)
	}
	if err := p.svc.Notify(context.Background(), n); !notify.IsPermanent(err) {
		t.Errorf("a retry after a permanent failure: %v, want a permanent error", err)
	}
	if got := len(p.twilio.Messages()); got != 0 {
		t.Errorf("twilio accepted %d messages", got)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusFailed || !strings.Contains(e.Error, "21211") {
		t.Errorf("logged as %+v", e)
	}
}

func TestTransientFailureIsRetriedAndSentOnce(t *testing.T) {
	p := newProviders(t)
	p.sendgrid.FailNext(1, http.StatusServiceUnavailable, 0)
	n := notification(order.MilestoneDelivered, order.ChannelEmail)
	err := p.svc.Notify(context.Background(), n)
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("first attempt: %v, want a retryable error", err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusQueued {
		t.Errorf("after a 503 logged as %s, want queued", e.Status)
	}
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatalf("second retry: %v", err)
	}
	if got := len(p.sendgrid.Messages()); got != 1 {
		t.Errorf("sendgrid got %d messages, want 1", got)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusSent || e.Attempts != 2 {
		t.Errorf("logged as %+v, want sent after 2 attempts", e)
	}
}

func TestOptedOutNumberGetsNoMoreSMS(t *testing.T) {
	p := newProviders(t)
	ctx := context.Background()
	if err := p.log.OptOut(ctx, "sms", "+37060000000", "test"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.log.OptIn(ctx, "sms", "+37060000000") })
	sms := notification(order.MilestoneShipped, order.ChannelSMS)
	if err := p.svc.Notify(ctx, sms); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, sms.OrderID); e.Status != notify.StatusSuppressed {
		t.Errorf("logged as %s, want suppressed", e.Status)
	}
	email := notification(order.MilestoneShipped, order.ChannelEmail) // consent is per channel
	if err := p.svc.Notify(ctx, email); err != nil {
		t.Fatal(err)
	}
	if len(p.twilio.Messages()) != 0 || len(p.sendgrid.Messages()) != 1 {
		t.Errorf("twilio %d, sendgrid %d messages: want SMS suppressed, email sent", len(p.twilio.Messages()), len(p.sendgrid.Messages()))
	}
}

func TestChannelsWithoutProviderOrAddressAreLoggedAsSkipped(t *testing.T) {
	p := newProviders(t)
	delete(p.svc.Senders, order.ChannelWhatsApp)
	n := notification(order.MilestoneShipped, order.ChannelWhatsApp)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusSkipped || !strings.Contains(e.Error, "switched off") {
		t.Errorf("logged as %+v", e)
	}
	p.svc.Fallback = notify.LogSender{Logger: testenv.QuietLogger()}
	dev := notification(order.MilestoneShipped, order.ChannelWhatsApp)
	if err := p.svc.Notify(context.Background(), dev); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, dev.OrderID); e.Status != notify.StatusLogged || e.Provider != "log" {
		t.Errorf("dev log channel logged as %+v", e)
	}
}

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{"+37060000123": "+370*****123", "ona@example.com": "o**@example.com", "a@b.c": "*@b.c", "12345": "*****"} {
		if got := notify.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWhatsAppUsesTheApprovedTemplateWhenThereIsOne(t *testing.T) {
	p := newProviders(t)
	p.svc.WhatsAppTemplates = map[order.Milestone]string{order.MilestoneShipped: "HX0123456789abcdef0123456789abcdef"}
	n := notification(order.MilestoneShipped, order.ChannelWhatsApp)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	free := notification(order.MilestoneDelivered, order.ChannelWhatsApp) // no template: free text
	if err := p.svc.Notify(context.Background(), free); err != nil {
		t.Fatal(err)
	}
	ms := p.twilio.Messages()
	if len(ms) != 2 || ms[0].ContentSid != "HX0123456789abcdef0123456789abcdef" || ms[0].ContentVariables["1"] != "Ona" || ms[0].ContentVariables["3"] != "DPD" || ms[0].Body != "" {
		t.Errorf("template message %+v", ms[0])
	}
	if ms[1].ContentSid != "" || ms[1].Body == "" {
		t.Errorf("free-text message %+v", ms[1])
	}
	if e := p.entry(t, n.OrderID); e.Body == "" {
		t.Error("the rendered text of a template message is not logged")
	}
}

// A message held for quiet hours that the night made stale is logged with why, never sent, and
// a retry of the activity changes nothing.
func TestSupersededMessageIsLoggedNotSent(t *testing.T) {
	p := newProviders(t)
	n := notification(order.MilestoneConfirmed, order.ChannelSMS)
	n.Superseded = "the order was cancelled"
	for range 2 {
		if err := p.svc.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusSuperseded || e.Error != "the order was cancelled" {
		t.Errorf("logged as %+v", e)
	}
	if got := len(p.twilio.Messages()); got != 0 {
		t.Errorf("twilio got %d messages", got)
	}
}

// TestReviewRequestCarriesTheReviewLink sends the review request on every channel through the
// provider stand-ins: what the customer receives links to SHIPFLOW_REVIEW_URL with the order
// id escaped, and without the setting it carries no link at all.
func TestReviewRequestCarriesTheReviewLink(t *testing.T) {
	p := newProviders(t)
	p.svc.ReviewURL = "https://shop.example.com/review?order={order_id}&src=shipflow"
	channels := []order.Channel{order.ChannelSMS, order.ChannelWhatsApp, order.ChannelEmail}
	for _, ch := range channels {
		n := notification(order.MilestoneReviewRequest, ch)
		n.OrderID += "#a&b" // an id the shop chose: it must stay one query value
		if err := p.svc.Notify(context.Background(), n); err != nil {
			t.Fatalf("%s: %v", ch, err)
		}
	}
	escaped := func(m string) bool {
		return strings.Contains(m, "?order=n-") && strings.Contains(m, "%23a%26b&src=shipflow")
	}
	tw := p.twilio.Messages()
	if len(tw) != 2 {
		t.Fatalf("twilio got %d messages, want 2", len(tw))
	}
	for _, m := range tw {
		if !escaped(m.Body) {
			t.Errorf("%s: no escaped review link in %q", m.To, m.Body)
		}
	}
	sg := p.sendgrid.Messages()
	if len(sg) != 1 || !escaped(sg[0].Text) || !strings.Contains(sg[0].HTML, "%23a%26b&amp;src=shipflow") {
		t.Fatalf("email: want the escaped review link in text and HTML, got %+v", sg)
	}

	p.svc.ReviewURL = ""
	n := notification(order.MilestoneReviewRequest, order.ChannelSMS)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if m := p.twilio.Messages(); len(m) != 3 || strings.Contains(m[2].Body, "http") {
		t.Errorf("without SHIPFLOW_REVIEW_URL: %+v, want a message without a link", m)
	}
}

// TestEstimateAndPlaceReachTheMessage: the request's ETA source and delivery place reach the
// templates, so an estimate is worded as one and a delivered message says where it was left.
func TestEstimateAndPlaceReachTheMessage(t *testing.T) {
	p := newProviders(t)
	n := notification(order.MilestoneShipped, order.ChannelSMS)
	n.Shipments[0].ETASource = order.ETAEstimate
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); !strings.Contains(e.Body, "we estimate it arrives") {
		t.Errorf("shipped with an estimate: %q", e.Body)
	}

	n = notification(order.MilestoneDelivered, order.ChannelSMS)
	n.Shipments[0].Status, n.Shipments[0].Place = order.ShipmentDelivered, order.PlaceLocker
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); !strings.Contains(e.Body, "It was left in a parcel locker.") {
		t.Errorf("delivered: %q", e.Body)
	}

	// A place on a parcel not delivered says nothing.
	n = notification(order.MilestoneDelivered, order.ChannelSMS)
	n.Shipments[0].Place = order.PlaceLocker
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); strings.Contains(e.Body, "locker") {
		t.Errorf("a parcel not delivered: %q", e.Body)
	}
}

package notify_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
)

// unresolved is the check as a worker runs it, asking the Twilio stand-in through the real
// twilio-go client, with its counter in a registry of its own.
func (p *providers) unresolved(t *testing.T) (*notify.Unresolved, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	u := notify.NewUnresolved(p.log, map[string]notify.Looker{"twilio": p.sender}, testenv.QuietLogger())
	if err := u.Register(reg); err != nil {
		t.Fatal(err)
	}
	return u, reg
}

// unknownSince leaves the logged message of orderID as a sending attempt that died leaves
// it, age ago: unknown, with whatever the log held.
func unknownSince(t *testing.T, orderID string, age time.Duration) {
	t.Helper()
	_, err := testenv.DB(t).Exec(context.Background(), `
		UPDATE notifications SET status = 'unknown', error = 'an attempt died after calling the provider',
			updated_at = now() - $2::interval
		WHERE order_id = $1`, orderID, age.String())
	if err != nil {
		t.Fatal(err)
	}
}

// counted is the unresolved counter's value for channel and outcome.
func counted(t *testing.T, reg *prometheus.Registry, channel, outcome string) float64 {
	t.Helper()
	return testenv.Counter(t, reg, "shipflow_notifications_unresolved_total", "channel", channel, "outcome", outcome)
}

// crashAfterAccept sends n's message through an attempt that dies once Twilio accepted it, and
// the retry that finds it sending: the log says unknown, with no message SID on record.
func (p *providers) crashAfterAccept(t *testing.T, orderID string, send func() error) {
	t.Helper()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	accepted := make(chan struct{}, 1)
	p.twilio.OnAccept = func(providertest.TwilioMessage) {
		accepted <- struct{}{}
		<-release
	}
	go func() { _ = send() }()
	<-accepted
	if err := send(); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if e := p.entry(t, orderID); e.Status != notify.StatusUnknown || e.ProviderMessageID != "" {
		t.Fatalf("after the crash: %s with SID %q, want unknown without one", e.Status, e.ProviderMessageID)
	}
}

func TestUnknownMessageWithTwilioSIDIsResolvedFromTwilio(t *testing.T) {
	p := newProviders(t)
	u, reg := p.unresolved(t)
	n := notification(order.MilestoneShipped, order.ChannelSMS)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	sid := p.entry(t, n.OrderID).ProviderMessageID
	if !p.twilio.SetStatus(sid, "delivered", 0) {
		t.Fatalf("stand-in has no message %s", sid)
	}
	unknownSince(t, n.OrderID, notify.ReceiptWait+time.Minute) // and the delivered callback never came

	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := p.entry(t, n.OrderID)
	if e.Status != notify.StatusDelivered {
		t.Errorf("status %s (%s), want delivered from Twilio's record", e.Status, e.Error)
	}
	if !strings.Contains(e.Error, "twilio's record") {
		t.Errorf("error %q does not say where the status came from", e.Error)
	}
	if got := p.twilio.Fetches.Load(); got != 1 {
		t.Errorf("%d fetches of the message, want 1", got)
	}
	if got := len(p.twilio.Messages()); got != 1 {
		t.Errorf("twilio got %d messages, want 1: never sent again", got)
	}
	if got := counted(t, reg, "sms", "provider"); got != 1 {
		t.Errorf("counter sms/provider = %v, want 1", got)
	}
}

func TestUnknownUndeliveredCarriesTwilioErrorCode(t *testing.T) {
	p := newProviders(t)
	u, _ := p.unresolved(t)
	n := notification(order.MilestoneShipped, order.ChannelWhatsApp)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	p.twilio.SetStatus(p.entry(t, n.OrderID).ProviderMessageID, "undelivered", 30003)
	unknownSince(t, n.OrderID, notify.ReceiptWait+time.Minute)
	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusUndelivered || !strings.Contains(e.Error, "twilio error 30003") {
		t.Errorf("got %s %q, want undelivered with twilio error 30003", e.Status, e.Error)
	}
}

func TestUnknownMessageWithoutSIDIsMarkedFailed(t *testing.T) {
	p := newProviders(t)
	u, reg := p.unresolved(t)
	n := notification(order.MilestoneOutForDelivery, order.ChannelSMS)
	p.crashAfterAccept(t, n.OrderID, func() error { return p.svc.Notify(context.Background(), n) })
	unknownSince(t, n.OrderID, notify.ReceiptWait+time.Minute)

	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := p.entry(t, n.OrderID)
	if e.Status != notify.StatusFailed {
		t.Errorf("status %s, want failed", e.Status)
	}
	if want := "no receipt within 30m0s after the sending attempt died; the customer may or may not have received it"; e.Error != want {
		t.Errorf("error %q, want %q", e.Error, want)
	}
	if got := p.twilio.Fetches.Load(); got != 0 {
		t.Errorf("%d fetches without a SID to fetch", got)
	}
	if got := len(p.twilio.Messages()); got != 1 {
		t.Errorf("twilio got %d messages, want 1: never sent again", got)
	}
	if got := counted(t, reg, "sms", "no_receipt"); got != 1 {
		t.Errorf("counter sms/no_receipt = %v, want 1", got)
	}
	// A Temporal retry after the check finds it failed and sends nothing.
	if err := p.svc.Notify(context.Background(), n); err == nil {
		t.Error("a retry of a failed message succeeded, want the permanent failure")
	}
	if got := len(p.twilio.Messages()); got != 1 {
		t.Errorf("twilio got %d messages after a retry, want 1", got)
	}
}

func TestFreshUnknownMessageIsLeftAlone(t *testing.T) {
	p := newProviders(t)
	u, _ := p.unresolved(t)
	n := notification(order.MilestoneDelivered, order.ChannelSMS)
	p.crashAfterAccept(t, n.OrderID, func() error { return p.svc.Notify(context.Background(), n) })
	unknownSince(t, n.OrderID, notify.ReceiptWait-5*time.Minute) // its receipt may still come

	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusUnknown {
		t.Errorf("status %s, want still unknown", e.Status)
	}
}

func TestTwoChecksAtOnceResolveEachMessageOnce(t *testing.T) {
	p := newProviders(t)
	const count = 30
	var orders []string
	for range count {
		n := notification(order.MilestoneShipped, order.ChannelSMS)
		if err := p.svc.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		p.twilio.SetStatus(p.entry(t, n.OrderID).ProviderMessageID, "delivered", 0)
		unknownSince(t, n.OrderID, notify.ReceiptWait+time.Minute)
		orders = append(orders, n.OrderID)
	}
	// Two workers' checks, each with its own counter as each process has.
	u1, reg1 := p.unresolved(t)
	u2, reg2 := p.unresolved(t)
	var wg sync.WaitGroup
	var resolved [2]int
	for i, u := range []*notify.Unresolved{u1, u2} {
		wg.Go(func() {
			n, err := u.Check(context.Background())
			if err != nil {
				t.Error(err)
			}
			resolved[i] = n
		})
	}
	wg.Wait()
	if got := resolved[0] + resolved[1]; got != count {
		t.Errorf("the checks resolved %d and %d, want %d in all", resolved[0], resolved[1], count)
	}
	if got := p.twilio.Fetches.Load(); got != count {
		t.Errorf("%d fetches, want %d: one per message", got, count)
	}
	if got := counted(t, reg1, "sms", "provider") + counted(t, reg2, "sms", "provider"); got != count {
		t.Errorf("counted %v, want %d", got, count)
	}
	for _, id := range orders {
		if e := p.entry(t, id); e.Status != notify.StatusDelivered {
			t.Errorf("order %s: %s, want delivered", id, e.Status)
		}
	}
}

func TestUnknownMessageStaysUnknownWhileTwilioCannotBeAsked(t *testing.T) {
	p := newProviders(t)
	u, reg := p.unresolved(t)
	n := notification(order.MilestoneAttemptFailed, order.ChannelSMS)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	unknownSince(t, n.OrderID, notify.ReceiptWait+time.Minute)
	p.twilio.FailNext(1, http.StatusServiceUnavailable, 0)

	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusUnknown {
		t.Errorf("status %s, want unknown: Twilio's record may still say", e.Status)
	}
	if got := counted(t, reg, "sms", "lookup_failed"); got != 1 {
		t.Errorf("counter sms/lookup_failed = %v, want 1", got)
	}
	// The next check leaves it for another ReceiptWait rather than asking a failing Twilio
	// every minute.
	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := counted(t, reg, "sms", "lookup_failed"); got != 1 {
		t.Errorf("counter sms/lookup_failed = %v after a second check, want 1", got)
	}
}

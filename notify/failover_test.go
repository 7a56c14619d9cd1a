package notify_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/order"
)

const mailgunKey, mailgunDomain = "key-mailgun", "mg.shop.example"

// emailFailover is the notify service with email through SendGrid, then Mailgun, both
// stand-ins driven through the real clients.
type emailFailover struct {
	*providers
	mailgun *providertest.Mailgun
}

func newEmailFailover(t *testing.T) emailFailover {
	t.Helper()
	p := newProviders(t)
	mg := providertest.NewMailgun(t, mailgunKey, mailgunDomain, "signing-key")
	hc := &http.Client{Timeout: 5 * time.Second}
	p.svc.Senders[order.ChannelEmail] = notify.Failover{
		{Name: "sendgrid", Sender: sendgrid.New(sendgrid.Config{APIKey: apiKey, From: "Shop <shop@example.com>", APIURL: p.sendgrid.URL()}, hc)},
		{Name: "mailgun", Sender: mailgun.New(mailgun.Config{APIKey: mailgunKey, Domain: mailgunDomain, From: "Shop <shop@mg.shop.example>", APIURL: mg.URL()}, hc)},
	}
	return emailFailover{providers: p, mailgun: mg}
}

func TestFailoverSendsThroughTheNextProviderWhenTheFirstIsDown(t *testing.T) {
	p := newEmailFailover(t)
	p.sendgrid.Down(0)
	n := notification(order.MilestoneShipped, order.ChannelEmail)
	for range 2 { // the second is a retry: nothing goes twice, through either provider
		if err := p.svc.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	e := p.entry(t, n.OrderID)
	if e.Status != notify.StatusSent || e.Provider != "mailgun" || e.ProviderMessageID == "" {
		t.Errorf("logged %+v, want sent by mailgun", e)
	}
	if !strings.HasPrefix(e.Failover, "sendgrid: ") || !strings.Contains(e.Failover, "503") {
		t.Errorf("failover %q, want SendGrid's 503 named", e.Failover)
	}
	if got := len(p.mailgun.Messages()); got != 1 || len(p.sendgrid.Messages()) != 0 {
		t.Errorf("mailgun sent %d, sendgrid %d; want exactly one email, through mailgun", got, len(p.sendgrid.Messages()))
	}
}

func TestFailoverKeepsTheFirstProviderWhileItIsUp(t *testing.T) {
	p := newEmailFailover(t)
	n := notification(order.MilestoneShipped, order.ChannelEmail)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Provider != "sendgrid" || e.Failover != "" {
		t.Errorf("logged %+v, want sendgrid and no failover", e)
	}
	if len(p.mailgun.Messages()) != 0 {
		t.Error("mailgun was used while sendgrid was up")
	}
}

func TestFailoverRetriesWhenEveryProviderIsDown(t *testing.T) {
	p := newEmailFailover(t)
	p.sendgrid.Down(0)
	p.mailgun.Down(0)
	n := notification(order.MilestoneShipped, order.ChannelEmail)
	err := p.svc.Notify(context.Background(), n)
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "sendgrid") || !strings.Contains(err.Error(), "mailgun") {
		t.Fatalf("got %v, want a retryable error naming both providers", err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusQueued {
		t.Errorf("logged %+v, want queued for the retry", e)
	}
	p.sendgrid.Up()
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusSent || e.Provider != "sendgrid" || e.Attempts != 2 {
		t.Errorf("logged %+v, want sent by sendgrid on the second attempt", e)
	}
	if len(p.sendgrid.Messages())+len(p.mailgun.Messages()) != 1 {
		t.Error("want exactly one email")
	}
}

// A refusal for good moves on too: the next provider may not share its reason (here, the first
// provider's rejected credentials).
func TestFailoverPastARefusalAndPermanentWhenEveryProviderRefuses(t *testing.T) {
	p := newEmailFailover(t)
	p.sendgrid.FailNext(1, http.StatusUnauthorized, 0)
	n := notification(order.MilestoneShipped, order.ChannelEmail)
	if err := p.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if e := p.entry(t, n.OrderID); e.Provider != "mailgun" || !strings.Contains(e.Failover, "sendgrid") {
		t.Errorf("logged %+v, want mailgun after sendgrid's refusal", e)
	}

	p.sendgrid.FailNext(1, http.StatusBadRequest, 0)
	p.mailgun.FailNext(1, http.StatusBadRequest, 0)
	n = notification(order.MilestoneShipped, order.ChannelEmail)
	if err := p.svc.Notify(context.Background(), n); !notify.IsPermanent(err) {
		t.Fatalf("got %v, want permanent: every provider refused", err)
	}
	if e := p.entry(t, n.OrderID); e.Status != notify.StatusFailed {
		t.Errorf("logged %+v, want failed", e)
	}
}

// An opt-out at a provider is the customer's word: no other provider is asked.
func TestFailoverStopsAtAnOptOut(t *testing.T) {
	optedOut := &notify.PermanentError{Err: notify.ErrOptedOut}
	var second int
	f := notify.Failover{
		{Name: "a", Sender: senderFunc(func(context.Context, notify.Message) (notify.Sent, error) { return notify.Sent{}, optedOut })},
		{Name: "b", Sender: senderFunc(func(context.Context, notify.Message) (notify.Sent, error) { second++; return notify.Sent{}, nil })},
	}
	if _, err := f.Send(context.Background(), notify.Message{}); !errors.Is(err, notify.ErrOptedOut) || second != 0 {
		t.Errorf("got %v and %d sends through b, want the opt-out and none", err, second)
	}
}

// An attempt whose own context ended may have reached the provider: the next one would be a
// second message.
func TestFailoverStopsWhenTheAttemptIsOver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var second int
	f := notify.Failover{
		{Name: "a", Sender: senderFunc(func(context.Context, notify.Message) (notify.Sent, error) {
			cancel()
			return notify.Sent{}, context.Canceled
		})},
		{Name: "b", Sender: senderFunc(func(context.Context, notify.Message) (notify.Sent, error) { second++; return notify.Sent{}, nil })},
	}
	if _, err := f.Send(ctx, notify.Message{}); err == nil || second != 0 {
		t.Errorf("got %v and %d sends through b, want an error and none", err, second)
	}
}

type senderFunc func(context.Context, notify.Message) (notify.Sent, error)

func (f senderFunc) Send(ctx context.Context, m notify.Message) (notify.Sent, error) {
	return f(ctx, m)
}

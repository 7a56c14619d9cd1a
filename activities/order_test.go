package activities

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

type failing struct{ err error }

func (f failing) Notify(context.Context, notify.Request) error { return f.err }

// TestNotifyFailuresAtTheEdge checks that notify's refusals become non-retryable Temporal
// failures of the types workflows have always seen, and anything else stays retryable.
func TestNotifyFailuresAtTheEdge(t *testing.T) {
	transient := errors.New("503 from the provider")
	tests := []struct {
		name string
		err  error
		typ  string // "" for an error Temporal retries
	}{
		{"sent", nil, ""},
		{"transient", transient, ""},
		{"refused", &notify.PermanentError{Code: "21211", Err: errors.New("invalid number")}, "PermanentFailure"},
		{"template", &notify.PermanentError{Err: errors.Join(notify.ErrTemplate, errors.New("no such field"))}, "TemplateError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Activities{Notifier: failing{tt.err}}
			n := notify.Request{OrderID: "o1", Milestone: order.MilestoneShipped, Channels: []order.Channel{order.ChannelSMS}}
			for name, err := range map[string]error{
				"SendNotification": a.SendNotification(context.Background(), n),
				"Notify":           a.Notify(context.Background(), n),
			} {
				var app *temporal.ApplicationError
				switch {
				case tt.err == nil && err != nil:
					t.Errorf("%s: %v, want nil", name, err)
				case tt.typ == "" && errors.As(err, &app):
					t.Errorf("%s: %v became an application error", name, err)
				case tt.typ == "" && !errors.Is(err, tt.err):
					t.Errorf("%s: %v, want %v unchanged", name, err, tt.err)
				case tt.typ != "" && (!errors.As(err, &app) || !app.NonRetryable() || app.Type() != tt.typ):
					t.Errorf("%s: %v, want a non-retryable %s", name, err, tt.typ)
				}
			}
		})
	}
}

// byChannel answers each channel as set, and nil for the others.
type byChannel map[order.Channel]error

func (b byChannel) Notify(_ context.Context, n notify.Request) error { return b[n.Channel] }

// TestSendMilestoneSettlesEachChannel: refused channels are in the result, a channel failing
// for a passing reason makes the attempt fail retryably, naming the channels already sent.
func TestSendMilestoneSettlesEachChannel(t *testing.T) {
	all := []order.Channel{order.ChannelSMS, order.ChannelEmail, order.ChannelWhatsApp}
	n := notify.Request{OrderID: "o1", Milestone: order.MilestoneShipped, Channels: all}
	refused := &notify.PermanentError{Code: "21211", Err: errors.New("invalid number")}

	res, err := (&Activities{Notifier: byChannel{order.ChannelSMS: refused}}).SendMilestone(context.Background(), n)
	if err != nil || len(res.Refused) != 1 || res.Refused[order.ChannelSMS] != "invalid number" {
		t.Errorf("one refused: %+v, %v; want sms refused, the rest sent", res, err)
	}

	_, err = (&Activities{Notifier: byChannel{order.ChannelSMS: refused, order.ChannelEmail: errors.New("503")}}).SendMilestone(context.Background(), n)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.NonRetryable() || app.Type() != ChannelsPending {
		t.Fatalf("one failing for now: %v, want a retryable %s", err, ChannelsPending)
	}
	var sent []order.Channel
	if err := app.Details(&sent); err != nil || len(sent) != 1 || sent[0] != order.ChannelWhatsApp {
		t.Errorf("details %v (%v), want [whatsapp]: sms was refused, email is pending", sent, err)
	}
}

// calls records what it was asked to send, answering each channel as set.
type calls struct {
	byChannel
	mu   sync.Mutex
	sent []order.Channel
	off  []order.Channel
}

func (c *calls) Notify(ctx context.Context, n notify.Request) error {
	c.mu.Lock()
	c.sent = append(c.sent, n.Channel)
	c.mu.Unlock()
	return c.byChannel.Notify(ctx, n)
}

func (c *calls) Serves(ch order.Channel) bool { return !slices.Contains(c.off, ch) }

// TestSendMilestoneFallsBackToTheNextChannel: a channel refused for good hands the milestone to
// the customer's next channel, once, skipping channels that are off or refuse as well.
func TestSendMilestoneFallsBackToTheNextChannel(t *testing.T) {
	refused := &notify.PermanentError{Code: "21211", Err: errors.New("invalid number")}
	both := order.Customer{Phone: "+37060000000", Email: "ona@example.com"}
	n := notify.Request{OrderID: "o1", Milestone: order.MilestoneShipped, Customer: both, Channels: []order.Channel{order.ChannelSMS}}

	c := &calls{byChannel: byChannel{order.ChannelSMS: refused}}
	res, err := (&Activities{Notifier: c, ChannelFallback: true}).SendMilestone(context.Background(), n)
	if err != nil || res.FellBack[order.ChannelSMS] != order.ChannelEmail || res.Refused[order.ChannelSMS] == "" {
		t.Errorf("got %+v, %v; want sms refused and fallen back to email", res, err)
	}

	c = &calls{byChannel: byChannel{order.ChannelSMS: refused}, off: []order.Channel{order.ChannelEmail}}
	res, _ = (&Activities{Notifier: c, ChannelFallback: true}).SendMilestone(context.Background(), n)
	if res.FellBack[order.ChannelSMS] != order.ChannelWhatsApp || slices.Contains(c.sent, order.ChannelEmail) {
		t.Errorf("email off: %+v after %v, want whatsapp and email never tried", res, c.sent)
	}

	c = &calls{byChannel: byChannel{order.ChannelSMS: refused, order.ChannelEmail: refused, order.ChannelWhatsApp: refused}}
	res, _ = (&Activities{Notifier: c, ChannelFallback: true}).SendMilestone(context.Background(), n)
	if len(res.FellBack) != 0 || len(c.sent) != 3 {
		t.Errorf("every channel refuses: %+v after %v, want no fallback after trying each once", res, c.sent)
	}

	c = &calls{byChannel: byChannel{order.ChannelSMS: refused}}
	res, _ = (&Activities{Notifier: c}).SendMilestone(context.Background(), n)
	if len(res.FellBack) != 0 || len(c.sent) != 1 {
		t.Errorf("fallback off: %+v after %v, want none", res, c.sent)
	}

	// Two channels refused never fall back onto the same one; a chosen channel is not a fallback.
	n.Channels = []order.Channel{order.ChannelSMS, order.ChannelWhatsApp}
	c = &calls{byChannel: byChannel{order.ChannelSMS: refused, order.ChannelWhatsApp: refused}}
	res, _ = (&Activities{Notifier: c, ChannelFallback: true}).SendMilestone(context.Background(), n)
	emails := 0
	for _, ch := range c.sent {
		if ch == order.ChannelEmail {
			emails++
		}
	}
	if len(res.FellBack) != 1 || emails != 1 {
		t.Errorf("two refused: %+v after %v, want one fallback to email, sent once", res, c.sent)
	}
}

package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/tracklink"
)

// Project writes an order's snapshot to the read model. Snapshots carry a revision, so a retry
// that lands after a newer snapshot changes nothing. Once the read model knows the order and
// its tracking numbers, inbound deliveries that arrived too early are woken to be relayed.
func (a *Activities) Project(ctx context.Context, s db.Snapshot) error {
	s.TrackingToken = tracklink.Token(a.TrackingSecret, s.View.OrderID)
	if _, err := db.SaveOrder(ctx, a.DB, s); err != nil {
		return err
	}
	tracking := make([]string, 0, len(s.View.Shipments))
	for _, sh := range s.View.Shipments {
		tracking = append(tracking, sh.TrackingNumber)
	}
	_, err := inbox.WakeFor(ctx, a.DB, s.View.OrderID, tracking)
	return err
}

// Change is what one change of an order leaves in shipflow's own Postgres: the events it
// published for subscribers, oldest first, and the order's snapshot for the read model.
type Change struct {
	Events   []outbound.Event `json:"events,omitempty"`
	Snapshot db.Snapshot      `json:"snapshot"`
}

// Persist records c's events (each with a delivery per subscribed destination, first attempts
// woken) and then projects its snapshot: one local activity, one history marker, where an
// event and a projection cost one each. Both writes are idempotent (an event by its sequence
// number, a snapshot by its revision), so a retry changes nothing already written.
func (a *Activities) Persist(ctx context.Context, c Change) error {
	for _, e := range c.Events {
		if err := a.Outbox.Record(ctx, e); err != nil {
			return err
		}
	}
	return a.Project(ctx, c.Snapshot)
}

// Notifier tells a customer about a milestone on n.Channel. It must send at most once per
// (order, milestone, shipment, channel), because the activity calling it is retried, and
// must return a *notify.PermanentError when retrying cannot help.
type Notifier interface {
	Notify(ctx context.Context, n notify.Request) error
}

// SendNotification carries out a Notify effect on one channel.
func (a *Activities) SendNotification(ctx context.Context, n notify.Request) error {
	return notifyFailure(a.Notifier.Notify(ctx, n))
}

// MilestoneResult is what SendMilestone came to: the channels whose provider or template
// refused the message for good, with why. Every other channel was sent, or settled as the
// notification log says (skipped, suppressed, superseded).
type MilestoneResult struct {
	Refused map[order.Channel]string `json:"refused,omitempty"`
	// FellBack maps a refused channel to the channel that carried the milestone instead
	// (channel fallback, order.Customer.Fallback); a refused channel missing here reached
	// nobody.
	FellBack map[order.Channel]order.Channel `json:"fell_back,omitempty"`
}

// ChannelsPending is the error type of a SendMilestone attempt that left a channel failing
// for a passing reason. Its details are the channels sent so far ([]order.Channel), so a
// workflow whose retries ran out can tell whether any message went.
const ChannelsPending = "ChannelsPending"

// SendMilestone carries out a Notify effect on every one of n.Channels at once: one activity
// per milestone, not per channel, halves the history a two-channel customer costs. A retry
// is safe and costs only the channels still failing: the notifier sends at most once per
// channel and answers a channel it was refused on from its log, without the provider.
func (a *Activities) SendMilestone(ctx context.Context, n notify.Request) (MilestoneResult, error) {
	errs := make([]error, len(n.Channels))
	var wg sync.WaitGroup
	for i, ch := range n.Channels {
		one := n
		one.Channel, one.Channels = ch, nil
		wg.Go(func() { errs[i] = a.Notifier.Notify(ctx, one) })
	}
	wg.Wait()
	var (
		res     MilestoneResult
		sent    []order.Channel
		pending []string
	)
	for i, err := range errs {
		ch := n.Channels[i]
		switch {
		case err == nil:
			sent = append(sent, ch)
		case notify.IsPermanent(err):
			if res.Refused == nil {
				res.Refused = map[order.Channel]string{}
			}
			res.Refused[ch] = innermost(err).Error()
		default:
			pending = append(pending, fmt.Sprintf("%s: %v", ch, err))
		}
	}
	if a.ChannelFallback {
		for _, ch := range n.Channels {
			if _, refused := res.Refused[ch]; refused {
				if to, ok := a.fallBack(ctx, n, ch, &sent); ok {
					if res.FellBack == nil {
						res.FellBack = map[order.Channel]order.Channel{}
					}
					res.FellBack[ch] = to
				}
			}
		}
	}
	if len(pending) > 0 {
		return MilestoneResult{}, temporal.NewApplicationErrorWithOptions(strings.Join(pending, "; "), ChannelsPending,
			temporal.ApplicationErrorOptions{Details: []any{sent}})
	}
	return res, nil
}

// fallBack sends n, refused for good on channel refused, on the customer's next channel
// (order.Customer.Fallback), one after another until one takes it, and reports the channel
// that did. Channels in *used are not tried, and the one that takes it is added, so that two
// refused channels never fall back onto the same one. Like every send it is once per
// (order, milestone, shipment, channel): a retry of the activity finds the fallback logged.
func (a *Activities) fallBack(ctx context.Context, n notify.Request, refused order.Channel, used *[]order.Channel) (order.Channel, bool) {
	tried := slices.Concat(n.Channels, *used)
	for {
		ch, ok := n.Customer.Fallback(tried)
		if !ok {
			return "", false
		}
		tried = append(tried, ch)
		if s, ok := a.Notifier.(channelServer); ok && !s.Serves(ch) {
			continue
		}
		one := n
		one.Channel, one.Channels = ch, nil
		if err := a.Notifier.Notify(ctx, one); err != nil {
			slog.Default().Warn("channel fallback failed", "order_id", n.OrderID, "milestone", n.Milestone,
				"refused", refused, "fallback", ch, "err", err)
			continue
		}
		*used = append(*used, ch)
		return ch, true
	}
}

// channelServer is a Notifier that can say whether it sends on a channel at all: channel
// fallback skips one that is switched off rather than log a message there as skipped.
type channelServer interface {
	Serves(ch order.Channel) bool
}

// innermost is the error at the bottom of err's chain: the provider's own words for a refusal,
// as the timeline showed them when each channel failed in its own activity.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// Notify is the activity runs recorded before per-channel sends still schedule on replay: it
// sends on each of n.Channels in turn.
func (a *Activities) Notify(ctx context.Context, n notify.Request) error {
	for _, ch := range n.Channels {
		one := n
		one.Channel, one.Channels = ch, nil
		if err := a.Notifier.Notify(ctx, one); err != nil {
			return notifyFailure(err)
		}
	}
	return nil
}

// notifyFailure makes notify's refusals non-retryable for Temporal, so a message the provider
// refused or the template cannot render fails at once instead of retrying for hours. The
// types are what workflows and the Temporal UI have always shown for them.
func notifyFailure(err error) error {
	switch {
	case err == nil || !notify.IsPermanent(err):
		return err
	case errors.Is(err, notify.ErrTemplate):
		return temporal.NewNonRetryableApplicationError(err.Error(), "TemplateError", err)
	default:
		return temporal.NewNonRetryableApplicationError(err.Error(), "PermanentFailure", err)
	}
}

// ExceptionChange says an order's exception opened or closed.
type ExceptionChange struct {
	OrderID    string          `json:"order_id"`
	Open       bool            `json:"open"`
	Exception  order.Exception `json:"exception"`
	Resolution string          `json:"resolution,omitempty"`
}

// Escalator brings staff in when an exception opens and tells them when it closes. It must be
// idempotent per order and exception: the activity calling it is retried.
type Escalator interface {
	ExceptionChanged(ctx context.Context, c ExceptionChange) error
}

// ExceptionChanged carries out a RaiseException or ClearException effect.
func (a *Activities) ExceptionChanged(ctx context.Context, c ExceptionChange) error {
	return a.Escalator.ExceptionChanged(ctx, c)
}

// LogEscalator writes exception changes to the log, for deployments with no staff alert channel
// configured: the exception is still visible in the order view and the Temporal UI.
type LogEscalator struct{ Logger *slog.Logger }

// ExceptionChanged logs c.
func (l LogEscalator) ExceptionChanged(_ context.Context, c ExceptionChange) error {
	l.Logger.Warn("order exception changed (log channel)", "order_id", c.OrderID, "open", c.Open,
		"reason", c.Exception.Reason, "shipment_id", c.Exception.ShipmentID, "resolution", c.Resolution)
	return nil
}

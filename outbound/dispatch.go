package outbound

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/loop"
)

// The dispatcher makes the first attempt at every outbound webhook delivery straight from
// Postgres, and hands a delivery that needs more to its Temporal workflow.
//
// Most deliveries are answered 2xx at their first attempt. Made in a workflow each, they cost
// the engine a start and its workflow tasks: more than half of its work per order event on a
// 2-core machine (docs/BENCHMARKS.md). Made from the table they cost it nothing, and lose no
// durability: the delivery row is written in the same transaction as its event, a dispatcher
// works on it under a lease, and one that dies mid-attempt leaves it to the next pass, which
// attempts again with the same webhook-id (receivers deduplicate on it). A delivery whose first
// attempt asks for a later one, or disabled its endpoint, becomes a workflow
// (DeliveryWorkflow), which follows the documented retry schedule (docs/reference/outbound-webhooks.md) on durable timers.
//
// Every worker runs a dispatcher; they share the table through the leases, as the relays share
// the inbox.
//
// A lease is given back early only when nothing was sent (the endpoint had no free slot). A
// pass that failed otherwise, above all one that sent the request and could not record it,
// keeps its lease, which the attempt pushes out further each time and after a few passes
// fails the delivery (Outbox.Pass): released at once, such a delivery was
// claimed and sent again at once, 6,000 times in 15 seconds to one receiver.

// Workflows hands a delivery to its workflow, and says whether that workflow still runs
// (Deliveries).
type Workflows interface {
	StartDelivery(ctx context.Context, in DeliveryInput) error
	DeliveryRun(ctx context.Context, deliveryID string) (RunState, error)
}

const (
	batch = 64
	// maxInFlight bounds the attempts one dispatcher makes at once. Each endpoint's share is
	// capped lower (Sender.PerEndpoint), so a hanging endpoint holds only its own.
	maxInFlight = 256
	// lease outlasts an attempt (15 s at most) and its writes, so no other dispatcher takes a
	// delivery while its attempt may still be under way.
	lease = time.Minute
	// pollEvery bounds how late a dispatcher notices deliveries another worker recorded, or
	// a lease that ran out.
	pollEvery = time.Second
)

// Dispatcher claims deliveries no workflow owns yet and makes their first attempts.
type Dispatcher struct {
	db        db.Executor
	outbox    *Outbox
	workflows Workflows
	busy      func() []string // endpoints at their cap of attempts in flight
	log       *slog.Logger

	wake    chan struct{}
	running atomic.Int64
	wg      sync.WaitGroup
	// passes counts claimed deliveries by what became of them. Deliveries made here never
	// show in the Temporal UI, so this and the deliveries API are how operators see them.
	passes *prometheus.CounterVec
	// stranded counts what the stranded-delivery check found (stranded.go).
	stranded *prometheus.CounterVec

	checkMu   sync.Mutex
	checkFrom Owned // where the next check goes on
}

// Outcomes of a claimed delivery, the values of the passes counter's label.
const (
	outcomeDelivered    = "delivered"
	outcomeFailed       = "failed"        // for good at the first attempt: the endpoint refused it, or is disabled or gone
	outcomeHandedOff    = "handed_off"    // to its workflow, for a later attempt or a staff alert
	outcomeNotAttempted = "not_attempted" // no free slot, or Temporal did not take the hand-off; a later pass tries
	// deferred: the pass failed with no attempt on record, perhaps after the request was sent.
	// The delivery waits out a growing wait before the next pass, and is failed after a few.
	outcomeDeferred = "deferred"
	// unsubscribed: the receiver ended the subscription (a Zapier hook's 410), and the
	// destination was deleted (Result.Unsubscribed).
	outcomeUnsubscribed = "unsubscribed"
)

// NewDispatcher returns a dispatcher that makes first attempts with o, whose Sender must be
// set: endpoints with no free slot for an attempt (Sender.Busy) are left for a later pass.
func NewDispatcher(o *Outbox, w Workflows, log *slog.Logger) *Dispatcher {
	return &Dispatcher{db: o.DB, outbox: o, workflows: w, busy: o.Sender.Busy, log: log, wake: make(chan struct{}, 1),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_webhook_dispatched_total",
			Help: "Outbound webhook deliveries a dispatcher claimed, by what became of them.",
		}, []string{"outcome"}),
		stranded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_webhook_stranded_total",
			Help: "Pending outbound webhook deliveries found with no one to finish them, by what the check found and did.",
		}, []string{"outcome"}),
	}
}

// Register adds the dispatcher's metrics to reg.
func (d *Dispatcher) Register(reg prometheus.Registerer) error {
	if err := reg.Register(d.passes); err != nil {
		return err
	}
	return reg.Register(d.stranded)
}

// Wake tells the dispatcher there may be work, without blocking.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches, and checks for stranded deliveries every minute, until ctx ends, then waits
// for the attempts under way, which are not cut short: an attempt abandoned midway would only
// be made again when its lease runs out.
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.wg.Wait()
	d.wg.Go(func() { loop.Every(ctx, checkEvery, func(ctx context.Context) { d.check(ctx) }) })
	loop.Drain(ctx, pollEvery, d.wake, func(ctx context.Context) bool {
		n, err := d.Once(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("claim webhook deliveries", "err", err)
		}
		return n == batch
	})
}

// Once gathers the feeds' digests that are due (GatherDigests), then claims what it has room
// for and starts each claimed delivery's attempt. It returns how many it claimed.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	room := maxInFlight - int(d.running.Load())
	if room <= 0 {
		return 0, nil // a finishing attempt wakes the loop
	}
	// Feeds' digests that are due become leads, claimed below like any delivery.
	if _, err := GatherDigests(ctx, d.db, d.outbox.Sender.Feeds.window()); err != nil {
		d.log.Error("gather feed digests", "err", err)
	}
	claimed, err := ClaimDeliveries(ctx, d.db, min(batch, room), lease, d.busy())
	if err != nil {
		return 0, err
	}
	for _, c := range claimed {
		d.running.Add(1)
		d.wg.Go(func() {
			defer func() {
				d.running.Add(-1)
				d.Wake()
			}()
			d.passes.WithLabelValues(d.dispatch(context.WithoutCancel(ctx), c)).Inc()
		})
	}
	return len(claimed), nil
}

// dispatch makes a claimed delivery's first attempt, unless an earlier lease made it, and
// hands the delivery to its workflow when it needs more. It returns the outcome.
func (d *Dispatcher) dispatch(ctx context.Context, c Claimed) string {
	in := DeliveryInput{DeliveryID: c.ID, FirstAttempt: c.Attempts + 1}
	if c.Attempts == 0 {
		rep, outcome := d.attempt(ctx, c.ID)
		if outcome != "" {
			return outcome
		}
		// The workflow waits for the next attempt, or tells staff (and the log) of the notice.
		in.FirstAttempt, in.Wait, in.Notice, in.Channels = 2, rep.Wait, rep.Notice, rep.Channels
	} else if c.NextAttemptAt != nil {
		in.Wait = max(0, time.Until(*c.NextAttemptAt))
	}
	// Should this process die here, the attempt is recorded and the lease runs out: the next
	// pass finds attempts > 0 and only hands the delivery on. (The delivery of an endpoint this
	// attempt disabled is failed, so no pass hands it on again: its chat alert is lost, and the
	// endpoint's disabled reason remains.)
	if err := d.workflows.StartDelivery(ctx, in); err != nil {
		d.log.Warn("webhook delivery not handed to its workflow; a later pass will", "delivery", c.ID, "err", err)
		if in.Notice != nil {
			logDisabled(d.log, *in.Notice)
		}
		return outcomeNotAttempted
	}
	if err := HandOff(ctx, d.db, c.ID); err != nil {
		d.log.Warn("record webhook delivery handed on; a later pass will", "delivery", c.ID, "err", err)
	}
	return outcomeHandedOff
}

// attempt makes a delivery's first attempt. It returns an outcome when that is all there is to
// do, and none when the delivery goes on to its workflow.
func (d *Dispatcher) attempt(ctx context.Context, id string) (DeliveryReport, string) {
	rep, err := d.outbox.Pass(ctx, DeliveryAttempt{DeliveryID: id, Attempt: 1, Try: 1})
	var deferred *DeferredError
	switch {
	case errors.Is(err, ErrEndpointBusy):
		// Nothing was sent: the next pass may try as soon as a slot is free.
		if err := ReleaseDelivery(ctx, d.db, id); err != nil {
			d.log.Warn("release webhook delivery", "delivery", id, "err", err)
		}
		return rep, outcomeNotAttempted
	case errors.As(err, &deferred):
		// The request may have been sent. The delivery stays leased for the wait the attempt
		// noted: releasing it here is what once sent a receiver one webhook 6,000 times.
		d.log.Warn("webhook delivery pass failed; the delivery waits before the next", "delivery", id, "err", err)
		return rep, outcomeDeferred
	case err != nil:
		// Postgres failed, and noting so did too (or refused): the lease runs out before the
		// next pass.
		d.log.Warn("webhook delivery pass failed; the next waits for the lease to run out", "delivery", id, "err", err)
		return rep, outcomeDeferred
	case rep.GaveUp != "":
		d.log.Error("webhook delivery failed: its attempts cannot be recorded", "delivery", id, "err", rep.GaveUp)
		return rep, outcomeFailed
	}
	switch {
	case rep.Notice != nil && len(rep.Channels) > 0, !rep.Done:
		return rep, ""
	case rep.Notice != nil:
		logDisabled(d.log, *rep.Notice) // no chats: the log is all there is to tell
		return rep, outcomeFailed
	case rep.Outcome == outcomeDelivered:
		return rep, outcomeDelivered
	case rep.Outcome == outcomeUnsubscribed:
		d.log.Info("destination deleted: its receiver ended the subscription", "delivery", id)
		return rep, outcomeUnsubscribed
	}
	return rep, outcomeFailed
}

func logDisabled(log *slog.Logger, n EndpointNotice) {
	log.Warn("webhook endpoint disabled", "endpoint", n.EndpointID, "url", n.URL, "reason", n.Reason)
}

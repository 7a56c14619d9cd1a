// Package relay forwards the deliveries stored in the inbox to the order workflows: it starts
// an order on order.created, signals everything else to its order, parks what arrives before
// its order or shipment, and retries while Temporal is away. It runs in every serve replica.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/loop"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Relay forwards stored deliveries. Rows are claimed under a lease with FOR UPDATE SKIP
// LOCKED, so replicas share the work and one that dies mid-flight only delays its rows.
type Relay struct {
	Inbox     *inbox.Inbox
	DB        *pgxpool.Pool
	Temporal  client.Client
	TaskQueue string
	Settings  workflows.OrderSettings
	Logger    *slog.Logger

	metricsOnce sync.Once
	relayed     *prometheus.CounterVec
}

const (
	batchSize = 64
	parallel  = 16
	lease     = 30 * time.Second
	// pollEvery bounds how late a delivery accepted by another replica, or due for a retry,
	// is picked up.
	pollEvery = time.Second
	// sweepEvery bounds how long a waiting delivery can miss the wake of its order or
	// shipment appearing (the projection wakes it at once; this catches the races).
	sweepEvery = 10 * time.Second
	maxBackoff = 30 * time.Second
	// slowBackoff spaces the tries of a delivery that has failed for a while: Temporal away
	// for hours need not be asked every 30 s by every row.
	slowBackoff = 5 * time.Minute
	// giveUpAfter is how long a delivery is retried before it is rejected for staff to
	// look at and replay: long enough to outlast any outage worth riding out unattended.
	giveUpAfter = 72 * time.Hour
	// waitLimit is how long a delivery waits for its order or shipment to appear: far longer
	// than any platform takes between an order's events, short enough that the waiting list
	// does not fill with what will never apply.
	waitLimit = 30 * 24 * time.Hour
)

// Register adds the relay's metrics to reg.
func (r *Relay) Register(reg prometheus.Registerer) error {
	return reg.Register(r.outcomes())
}

// outcomes counts relayed deliveries by outcome, registered or not.
func (r *Relay) outcomes() *prometheus.CounterVec {
	r.metricsOnce.Do(func() {
		r.relayed = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_inbox_relayed_total", Help: "Inbound deliveries relayed, by outcome.",
		}, []string{"outcome"})
	})
	return r.relayed
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { r.listen(ctx) })
	wg.Go(func() { loop.Every(ctx, sweepEvery, r.sweep) })
	loop.Drain(ctx, pollEvery, r.Inbox.Woken(), func(ctx context.Context) bool {
		n, err := r.Once(ctx)
		if err != nil && ctx.Err() == nil {
			r.Logger.Error("relay inbox", "err", err)
		}
		return n == batchSize && err == nil
	})
}

// sweep wakes waiting deliveries whose order has since appeared, and rejects those that
// waited past waitLimit.
func (r *Relay) sweep(ctx context.Context) {
	if n, err := r.Inbox.Sweep(ctx); err != nil && ctx.Err() == nil {
		r.Logger.Error("sweep waiting deliveries", "err", err)
	} else if n > 0 {
		r.Logger.Info("woke waiting deliveries", "count", n)
	}
	if n, err := r.Inbox.ExpireWaiting(ctx, waitLimit); err != nil && ctx.Err() == nil {
		r.Logger.Error("expire waiting deliveries", "err", err)
	} else if n > 0 {
		r.outcomes().WithLabelValues("expired").Add(float64(n))
		r.Logger.Warn("rejected deliveries that waited too long", "count", n, "limit", waitLimit.String())
	}
}

func (r *Relay) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := r.Inbox.Listen(ctx)
		if ctx.Err() != nil {
			return
		}
		r.Logger.Warn("inbox listener stopped; polling meanwhile", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Once claims one batch of due deliveries and forwards it: deliveries about the same order
// in arrival order, different orders in parallel. It returns how many it claimed.
func (r *Relay) Once(ctx context.Context) (int, error) {
	claimed, err := r.Inbox.Claim(ctx, batchSize, lease)
	if err != nil {
		return 0, err
	}
	groups := map[string][]inbox.Claimed{}
	var keys []string
	for _, c := range claimed {
		k := c.Delivery.RouteKey()
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r.forwardGroup(ctx, groups[k])
		})
	}
	wg.Wait()
	return len(claimed), nil
}

// Limits on one signal. The engine refuses a payload over 2 MiB ("Blob data size exceeds
// limit", InvalidArgument) and would do so after the sender had its 200, so no signal may come
// near it. Most events encode to a few hundred bytes, but one with every field at its input
// limit is over 10 KB, and a delivery may carry order.MaxEventsPerDelivery of them; a count
// alone bounds nothing, so signals are cut by encoded size too, under the 512 KiB at which
// the engine starts warning.
const (
	maxBatch       = 64
	maxSignalBytes = 256 << 10
)

// batch is the events of consecutive deliveries bound for the same order, sent as one signal
// (workflows.EventsSignal): a burst costs the engine a signal per order, not per event.
type batch struct {
	signal
	from []inbox.Claimed
}

// takes reports whether s can join the batch: same order, and room for its events.
func (b *batch) takes(s signal) bool {
	return (len(b.from) == 0 || b.orderID == s.orderID) && len(b.events)+len(s.events) <= maxBatch
}

// forwardGroup forwards one order's (or one tracking number's) deliveries in arrival order.
func (r *Relay) forwardGroup(ctx context.Context, group []inbox.Claimed) {
	var b batch
	flush := func() {
		if len(b.from) > 0 {
			o := r.deliver(ctx, []signal{b.signal}, applied())
			for _, c := range b.from {
				r.settle(ctx, c, o)
			}
		}
		b = batch{}
	}
	defer flush()
	for _, c := range group {
		if ctx.Err() != nil {
			return // the lease runs out and a later pass takes it
		}
		if c.Undecodable != nil {
			r.settle(ctx, c, rejected(c.Undecodable))
			continue
		}
		// The webhooks check every delivery before storing it; a row stored before a rule
		// existed would fail on every try, so it is held to the same rule here.
		if err := c.Delivery.Check(); err != nil {
			r.settle(ctx, c, rejected(fmt.Errorf("invalid delivery: %w", err)))
			continue
		}
		if creates(c.Delivery) {
			flush() // what came before the order.created goes first
		}
		sigs, o := r.resolve(ctx, c.Delivery)
		if o.status != inbox.StatusApplied && o.status != inbox.StatusWaiting {
			r.settle(ctx, c, o) // failed before anything was sent
			continue
		}
		if len(sigs) == 1 && o.status == inbox.StatusApplied && b.takes(sigs[0]) {
			b.orderID = sigs[0].orderID
			b.events = append(b.events, sigs[0].events...)
			b.from = append(b.from, c)
			continue
		}
		flush()
		r.settle(ctx, c, r.deliver(ctx, sigs, o))
	}
}

func creates(d inbox.Delivery) bool {
	for _, e := range d.Commerce {
		if e.Type == order.EventCreated {
			return true
		}
	}
	return false
}

// outcome is what forwarding one delivery came to.
type outcome struct {
	status     inbox.Status
	waitingFor string // "order" or "shipment"
	err        error
}

func applied() outcome           { return outcome{status: inbox.StatusApplied} }
func rejected(err error) outcome { return outcome{status: inbox.StatusRejected, err: err} }

// retry is the outcome of a failed try: tried again later, unless the engine refused the
// request itself, which no retry changes.
func retry(err error) outcome {
	if refused(err) {
		return rejected(fmt.Errorf("the engine refuses it: %w", err))
	}
	return outcome{status: inbox.StatusPending, err: err}
}
func waiting(what, why string) outcome {
	return outcome{status: inbox.StatusWaiting, waitingFor: what, err: errors.New(why)}
}

// signal is events bound for one order.
type signal struct {
	orderID string
	events  []workflows.Inbound
}

// add appends e to the last signal if it is for orderID, else opens a new one.
func add(sigs []signal, orderID string, e workflows.Inbound) []signal {
	if n := len(sigs); n > 0 && sigs[n-1].orderID == orderID {
		sigs[n-1].events = append(sigs[n-1].events, e)
		return sigs
	}
	return append(sigs, signal{orderID, []workflows.Inbound{e}})
}

// deliver sends the signals in order, each cut to the limits on one signal, and comes to then
// once all went. A delivery cut short by a failure is sent whole again on its retry; the
// workflow ignores the events it has seen.
func (r *Relay) deliver(ctx context.Context, sigs []signal, then outcome) outcome {
	for _, s := range sigs {
		for _, part := range split(s) {
			err := workflows.SignalEvents(ctx, r.Temporal, part.orderID, part.events)
			if errors.Is(err, workflows.ErrOrderNotRunning) {
				return r.notRunning(ctx, part.orderID)
			}
			if err != nil {
				return retry(err)
			}
		}
	}
	return then
}

// split cuts s into signals of at most maxBatch events and maxSignalBytes of encoded events
// each, in order. An event larger than maxSignalBytes on its own goes alone; input limits
// keep every event far below that.
func split(s signal) []signal {
	var parts []signal
	part, size := signal{orderID: s.orderID}, 2 // the list's brackets
	for _, e := range s.events {
		n := encodedSize(e) + 1 // and a comma
		if len(part.events) > 0 && (len(part.events) == maxBatch || size+n > maxSignalBytes) {
			parts = append(parts, part)
			part, size = signal{orderID: s.orderID}, 2
		}
		part.events = append(part.events, e)
		size += n
	}
	if len(part.events) > 0 {
		parts = append(parts, part)
	}
	return parts
}

// encodedSize is e's size in the signal's payload, which the engine's default converter
// writes as JSON (sealing adds a few dozen bytes per payload, not per event).
func encodedSize(e workflows.Inbound) int {
	b, err := json.Marshal(e)
	if err != nil {
		return 0 // the signal itself fails to encode and is retried, then given up on
	}
	return len(b)
}

// resolve turns d into the signals that deliver its events (commerce events first, in order,
// then the tracking events), and the outcome once they are sent: applied, or waiting when
// some tracking number has no order yet. An order.created starts its order here, before
// anything is signalled to it. Redoing a delivery after a partial failure is safe: a second
// order.created finds the order there, and the workflow ignores event ids it has seen. Any
// other outcome means nothing is to be sent.
func (r *Relay) resolve(ctx context.Context, d inbox.Delivery) ([]signal, outcome) {
	var sigs []signal
	for _, e := range d.Commerce {
		if e.Type == order.EventCreated {
			_, err := workflows.StartOrder(ctx, r.Temporal, r.TaskQueue, e, r.Settings)
			if err != nil && !errors.Is(err, workflows.ErrOrderExists) {
				return nil, retry(err)
			}
			if err == nil {
				// Deliveries that came before their order.created can go now.
				if _, err := r.Inbox.WakeOrder(ctx, e.OrderID); err != nil {
					r.Logger.Warn("wake deliveries waiting for order", "order_id", e.OrderID, "err", err)
				}
			}
			continue
		}
		sigs = add(sigs, e.OrderID, workflows.Inbound{Commerce: &e})
	}
	if len(d.Tracking) == 0 {
		return sigs, applied()
	}
	return r.resolveTracking(ctx, d, sigs)
}

// resolveTracking adds d's tracking events to sigs, bound for the order owning their
// tracking number.
func (r *Relay) resolveTracking(ctx context.Context, d inbox.Delivery, sigs []signal) ([]signal, outcome) {
	events := d.Tracking
	if d.ShipmentID != "" && d.OrderID != "" {
		tn, carrier, err := db.ShipmentTracking(ctx, r.DB, d.OrderID, d.ShipmentID)
		if errors.Is(err, db.ErrNotFound) {
			return nil, waiting("shipment", fmt.Sprintf("shipment %s of order %s is not known yet", d.ShipmentID, d.OrderID))
		}
		if err != nil {
			return nil, retry(err)
		}
		events = make([]order.TrackingEvent, len(d.Tracking))
		for i, e := range d.Tracking {
			if e.TrackingNumber == "" {
				e.TrackingNumber = tn
			}
			if e.Carrier == "" {
				e.Carrier = carrier
			}
			events[i] = e
		}
	}
	byKey := map[string][]order.TrackingEvent{}
	var keys []string
	for _, e := range events {
		k := order.TrackingKey(e.TrackingNumber)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], e)
	}
	var unknown []string
	for _, k := range keys {
		es := byKey[k]
		orderID := d.OrderID
		if orderID == "" {
			// Carriers and merchants spell carriers differently ("dpd-lt", "DPD"), so the
			// tracking number alone finds the order.
			id, err := db.OrderForTracking(ctx, r.DB, es[0].TrackingNumber, "")
			if errors.Is(err, db.ErrNotFound) {
				unknown = append(unknown, es[0].TrackingNumber)
				continue
			}
			if err != nil {
				return nil, retry(err)
			}
			orderID = id
		}
		for _, e := range es {
			sigs = add(sigs, orderID, workflows.Inbound{Tracking: &e})
		}
	}
	if len(unknown) > 0 {
		return sigs, waiting("shipment", fmt.Sprintf("no order has tracking number %v yet", unknown))
	}
	return sigs, applied()
}

// notRunning tells an order not created yet (wait for it) from one that finished (the
// delivery can never apply: reject it, visibly, for staff).
func (r *Relay) notRunning(ctx context.Context, orderID string) outcome {
	exists, running, err := workflows.Running(ctx, r.Temporal, orderID)
	switch {
	case err != nil:
		return retry(err)
	case !exists:
		return waiting("order", fmt.Sprintf("order %s does not exist yet", orderID))
	case !running:
		return rejected(fmt.Errorf("order %s is finished", orderID))
	default: // it started between the signal and the check
		return retry(fmt.Errorf("order %s was not running a moment ago", orderID))
	}
}

// settle records the outcome of one delivery. If recording fails, the lease runs out and the
// delivery is relayed again; the workflows dedupe it.
func (r *Relay) settle(ctx context.Context, c inbox.Claimed, o outcome) {
	r.outcomes().WithLabelValues(string(o.status)).Inc()
	why := ""
	if o.err != nil {
		why = o.err.Error()
	}
	var err error
	switch o.status {
	case inbox.StatusApplied:
		err = r.Inbox.Applied(ctx, c)
	case inbox.StatusWaiting:
		err = r.Inbox.Waiting(ctx, c, o.waitingFor, why)
	case inbox.StatusRejected:
		r.Logger.Warn("inbound delivery rejected", "id", c.ID, "source", c.Delivery.Source, "event_id", c.Delivery.EventID, "reason", why)
		err = r.Inbox.Rejected(ctx, c, why)
	case inbox.StatusPending:
		if age := time.Since(c.ReceivedAt); age > giveUpAfter {
			o.status = inbox.StatusRejected
			why = fmt.Sprintf("gave up after %d tries over %s: %s", c.Attempts, age.Round(time.Minute), why)
			r.outcomes().WithLabelValues("gave_up").Inc()
			r.Logger.Error("inbound delivery rejected", "id", c.ID, "source", c.Delivery.Source, "event_id", c.Delivery.EventID, "reason", why)
			err = r.Inbox.Rejected(ctx, c, why)
			break
		}
		wait := backoff(c.Attempts)
		r.Logger.Warn("inbound delivery not relayed; will retry", "id", c.ID, "attempt", c.Attempts, "retry_in", wait.String(), "err", why)
		err = r.Inbox.Retry(ctx, c, wait, why)
	}
	switch {
	case errors.Is(err, inbox.ErrLeaseLost):
		r.Logger.Warn("relay outcome not recorded: the lease ran out and another relay has the delivery", "id", c.ID, "outcome", string(o.status))
	case err != nil && ctx.Err() == nil:
		r.Logger.Error("record relay outcome", "id", c.ID, "err", err)
	}
}

// backoff grows from half a second to maxBackoff, with jitter so that deliveries failing
// together (Temporal down) do not all come back in the same instant.
// After 20 tries (about eight minutes) it slows to slowBackoff.
func backoff(attempt int) time.Duration {
	d := maxBackoff
	switch {
	case attempt < 7:
		d = min(maxBackoff, 500*time.Millisecond<<attempt)
	case attempt > 20:
		d = slowBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// refused reports an error the engine answers for the request itself, not for its state at
// the moment: an invalid argument (an id or payload it cannot take) is refused again on every
// try. Unavailability, timeouts and anything unknown are worth another try.
func refused(err error) bool {
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return true
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.InvalidArgument {
		return true
	}
	return false
}

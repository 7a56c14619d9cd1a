package outbound

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shipflow/shipflow/db"
)

// DeliveryAttempt asks for one attempt at a delivery.
type DeliveryAttempt struct {
	DeliveryID string `json:"delivery_id"`
	// Attempt is the attempt's number over the delivery's life, manual retries included: what
	// the receiver sees in metadata.attempt and the attempt log is keyed on.
	Attempt int `json:"attempt"`
	// Try is the attempt's place in this run's schedule, 1 for the first.
	Try int `json:"try"`
	// Manual is a person's retry: one attempt, no schedule after it.
	Manual bool `json:"manual,omitempty"`
}

// DeliveryReport is what an attempt decided.
type DeliveryReport struct {
	// Done: delivered, failed for good, or nothing left to deliver. Otherwise wait Wait and try
	// again.
	Done    bool          `json:"done"`
	Wait    time.Duration `json:"wait,omitempty"`
	Outcome string        `json:"outcome"`
	// Notice is set when this attempt disabled the endpoint, and Channels are the staff chats
	// to tell (none: the log was told).
	Notice   *EndpointNotice `json:"notice,omitempty"`
	Channels []string        `json:"channels,omitempty"`
	// GaveUp says why the delivery was failed without an attempt on record (see Pass), for the
	// log; staff see it as the delivery's last_error.
	GaveUp string `json:"gave_up,omitempty"`
}

// Errors of a pass that decided nothing about the delivery.
var (
	// ErrEndpointBusy asks for the pass again a little later: the worker already has as many
	// attempts in flight to this endpoint as it allows. Nothing was sent, so it costs the
	// delivery nothing from its schedule.
	ErrEndpointBusy = errors.New("too many attempts in flight to the endpoint")
	// ErrNoSender: this worker delivers nothing (no Sender configured).
	ErrNoSender = errors.New("no webhook client configured on this worker")
	// ErrNotRecorded: Postgres refused the attempt's record and the failure could not be noted
	// either; another pass would send the webhook again to no avail.
	ErrNotRecorded = errors.New("attempt not recorded")
)

// DeferredError is a failed pass that was noted with the delivery: the next waits Wait, which a
// dispatcher's lease already holds.
type DeferredError struct {
	DeliveryID string
	N          int // failed passes in a row, this one included
	Wait       time.Duration
	Err        error
}

func (e *DeferredError) Error() string {
	return fmt.Sprintf("pass %d at delivery %s failed, next in %s", e.N, e.DeliveryID, e.Wait)
}

func (e *DeferredError) Unwrap() error { return e.Err }

// Pass makes one attempt at a delivery and records it with what follows: delivered, a wait
// before the next attempt (the schedule's, with jitter and Retry-After; drawn here so a
// workflow replays the value from history), or failed. The jitter's randomness is why this
// decision is in the pass: its result is recorded, so replay sees the same wait.
//
// Passing again after a crash sends again with the same webhook-id and attempt number and
// overwrites the attempt's record; receivers deduplicate on webhook-id.
//
// A pass that ends without an attempt on record (Postgres failed or refused, before the request
// or after it) is noted with the delivery: the next pass waits, longer each time, and after
// MaxFailedPasses, or at once when Postgres refused the write for what it holds, the delivery
// is failed with the reason. The error is then a *DeferredError with that wait, and the report
// of a delivery failed so is Done: neither a dispatcher nor a workflow sends the webhook again
// and again because its attempt could not be written down.
func (o *Outbox) Pass(ctx context.Context, r DeliveryAttempt) (DeliveryReport, error) {
	rep, err := o.pass(ctx, r)
	if err == nil || errors.Is(err, ErrEndpointBusy) || errors.Is(err, ErrNoSender) {
		return rep, err
	}
	return o.failedPass(ctx, r, err)
}

// failedPass notes a pass at a delivery that ended in err with no attempt recorded, and says
// what follows: a wait, or the end of the delivery.
func (o *Outbox) failedPass(ctx context.Context, r DeliveryAttempt, err error) (DeliveryReport, error) {
	refused := db.Refused(err)
	p, nerr := NoteFailedPass(ctx, o.DB, r.DeliveryID, err.Error(), refused)
	switch {
	case errors.Is(nerr, db.ErrNotFound):
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // delivered, failed or deleted meanwhile
	case nerr != nil && refused:
		return DeliveryReport{}, fmt.Errorf("%w: %v; and noting it failed: %v", ErrNotRecorded, err, nerr)
	case nerr != nil:
		return DeliveryReport{}, err // Postgres is away: a dispatcher's lease runs out, a workflow's retry policy backs off
	case p.Failed:
		return DeliveryReport{Done: true, Outcome: string(DeliveryFailed), GaveUp: err.Error()}, nil
	}
	return DeliveryReport{}, &DeferredError{DeliveryID: r.DeliveryID, N: p.N, Wait: p.Wait, Err: err}
}

// pass is one pass: the attempt and its record.
func (o *Outbox) pass(ctx context.Context, r DeliveryAttempt) (DeliveryReport, error) {
	out, err := LoadOutgoing(ctx, o.DB, r.DeliveryID)
	if errors.Is(err, db.ErrNotFound) {
		return DeliveryReport{Done: true, Outcome: "deleted"}, nil // its endpoint was deleted
	}
	if err != nil {
		return DeliveryReport{}, err
	}
	// Starting a delivery's run is safe to repeat (a recover asked again after a cut, a
	// stranded delivery handed on again), because a run whose work is done sends nothing.
	switch {
	case r.Manual && out.Delivery.Attempts >= r.Attempt:
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // this retry's attempt is on record
	case !r.Manual && out.Delivery.Status != DeliveryPending:
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // delivered or failed meanwhile
	}
	if !out.Endpoint.Enabled && !out.Event.Test { // a person may test a disabled endpoint before turning it back on
		reason := "endpoint disabled"
		if out.Endpoint.Disabled != "" {
			reason += ": " + out.Endpoint.Disabled
		}
		return DeliveryReport{Done: true, Outcome: "skipped"}, FailDelivery(ctx, o.DB, r.DeliveryID, reason)
	}
	if o.Sender == nil {
		return DeliveryReport{}, ErrNoSender
	}
	release, ok := o.Sender.take(ctx, out.Endpoint.ID)
	if !ok {
		return DeliveryReport{}, fmt.Errorf("%w %s", ErrEndpointBusy, out.Endpoint.ID)
	}
	res, at := o.Sender.send(ctx, out, r.Attempt)
	release()
	if res.Unsubscribed {
		return o.unsubscribe(ctx, out.Endpoint)
	}

	rec := AttemptRecord{
		DeliveryID: r.DeliveryID, Attempt: r.Attempt, At: at, StatusCode: res.Status,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000, Body: res.Body, Error: res.Err,
		Outcome: res.Outcome.String(), Gone: res.Outcome == Gone, Members: out.Members,
	}
	rep := DeliveryReport{Done: true, Outcome: rec.Outcome}
	switch res.Outcome {
	case Retry:
		wait, ok := NextDelay(r.Try, res.RetryAfter, rand.Float64)
		if r.Manual || !ok {
			rec.Final = true
			break
		}
		rep.Done, rep.Wait, rec.NextAttempt = false, wait, at.Add(wait)
	case Failed:
		rec.Final = true
	}
	rep.Notice, err = recordAttempt(ctx, o.DB, rec)
	if err != nil {
		return DeliveryReport{}, err
	}
	if rep.Notice != nil {
		rep.Done, rep.Wait = true, 0
		rep.Channels = o.Channels
	}
	return rep, nil
}

// unsubscribe deletes a destination whose receiver ended the subscription (Result.Unsubscribed),
// with its deliveries and their attempt logs: nothing is sent there again, and nobody is
// alerted. Failing to delete it fails the pass, so the attempt is made again later and meets
// the same answer.
func (o *Outbox) unsubscribe(ctx context.Context, e Endpoint) (DeliveryReport, error) {
	if err := DeleteEndpoint(ctx, o.DB, e.ID); err != nil && !errors.Is(err, db.ErrNotFound) {
		return DeliveryReport{}, err
	}
	return DeliveryReport{Done: true, Outcome: outcomeUnsubscribed}, nil
}

// recordAttempt records an attempt that was made, trying again a moment later when Postgres
// failed rather than refused: every pass given up here sends the webhook again.
func recordAttempt(ctx context.Context, ex db.Executor, rec AttemptRecord) (*EndpointNotice, error) {
	var err error
	for _, wait := range recordWaits {
		var n *EndpointNotice
		if n, err = RecordAttempt(ctx, ex, rec, DisableAfter); err == nil || db.Refused(err) {
			return n, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
	return RecordAttempt(ctx, ex, rec, DisableAfter)
}

// recordWaits are the pauses before recordAttempt's second and third tries: long enough for a
// dropped connection to be replaced, short enough to stay well within the pass's lease.
var recordWaits = []time.Duration{200 * time.Millisecond, time.Second}

// Record stores an event the lifecycle published with a delivery for each subscribed endpoint
// (RecordEvent), and wakes this worker's dispatcher to make their first attempts.
func (o *Outbox) Record(ctx context.Context, e Event) error {
	ids, err := RecordEvent(ctx, o.DB, e)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		o.Wake()
	}
	return nil
}

// Wake wakes this worker's dispatcher, if it runs one, to make the first attempts of
// deliveries just recorded (RecordEvent's answer).
func (o *Outbox) Wake() {
	if o.Sender != nil && o.Sender.Wake != nil {
		o.Sender.Wake()
	}
}

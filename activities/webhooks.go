package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/outbound"
)

// Webhooks is what outbound deliveries need besides the database.
type Webhooks struct {
	// Policy says which destinations may be reached (SHIPFLOW_WEBHOOK_ALLOWED_CIDRS, plain
	// http in dev). It is checked again at every attempt, not only when a URL is saved, and
	// the client enforces it while dialling.
	Policy egress.Policy
	// Timeout bounds one attempt; zero is SPEC section 4's 15 s, which is also the most.
	Timeout time.Duration
	// PerEndpoint caps the attempts one worker makes to one endpoint at a time; zero is 32.
	// A hanging endpoint then holds at most that many attempts (and, for a second each, the
	// attempts waiting for one of them), and every other endpoint's deliveries go on at full
	// speed. A healthy endpoint answering in 20 ms still gets 1,600 attempts a second.
	PerEndpoint int
	// Wake tells this worker's dispatcher that new deliveries wait for their first attempt;
	// nil leaves them to the dispatchers' polling.
	Wake func()

	once   sync.Once
	client *http.Client // from egress.NewClient(Policy): outbound.Attempt relies on its guard

	mu    sync.Mutex
	slots map[string]chan struct{} // per endpoint; a token in the channel is an attempt in flight
}

// RecordEvent stores an outbound event the lifecycle published with a delivery for each
// subscribed endpoint, and wakes this worker's dispatcher to make their first attempts. The
// order's workflow does not wait for them: the deliveries are safe in Postgres from here on.
func (a *Activities) RecordEvent(ctx context.Context, e db.Event) error {
	ids, err := db.RecordEvent(ctx, a.DB, e)
	if err != nil {
		return err
	}
	if len(ids) > 0 && a.Webhooks != nil && a.Webhooks.Wake != nil {
		a.Webhooks.Wake()
	}
	return nil
}

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
	Notice   *db.EndpointNotice `json:"notice,omitempty"`
	Channels []string           `json:"channels,omitempty"`
	// GaveUp says why the delivery was failed without an attempt on record (see
	// AttemptDelivery), for the log; staff see it as the delivery's last_error.
	GaveUp string `json:"gave_up,omitempty"`
}

// EndpointBusy is the type of the error that asks for the attempt again a little later: the
// worker already has as many attempts in flight to this endpoint as it allows. It is not an
// attempt, so it costs the delivery nothing from its schedule.
const EndpointBusy = "EndpointBusy"

// AttemptDelivery makes one attempt at a delivery and records it with what follows: delivered,
// a wait before the next attempt (the schedule's, with jitter and Retry-After; drawn here so
// the workflow replays the value from history), or failed. The jitter's randomness is why this
// decision is in the activity: its result is recorded, so replay sees the same wait.
//
// A retry of this activity after a crash sends again with the same webhook-id and attempt
// number and overwrites the attempt's record; receivers deduplicate on webhook-id. Dispatchers
// call it too, outside any workflow, for a delivery's first attempt.
//
// A pass that ends without an attempt on record (Postgres failed or refused, before the request
// or after it) is noted with the delivery: the next pass waits, longer each time, and after
// db.MaxFailedPasses, or at once when Postgres refused the write for what it holds, the delivery
// is failed with the reason. The error then asks for that wait (DeliveryDeferred), and the
// report of a delivery failed so is Done: neither a dispatcher nor a workflow sends the webhook
// again and again because its attempt could not be written down.
func (a *Activities) AttemptDelivery(ctx context.Context, r DeliveryAttempt) (DeliveryReport, error) {
	rep, err := a.attemptDelivery(ctx, r)
	if err == nil || isApplicationError(err, EndpointBusy, misconfigured) {
		return rep, err
	}
	return a.failedPass(ctx, r, err)
}

// Types of the errors AttemptDelivery returns besides EndpointBusy.
const (
	// DeliveryDeferred: the pass failed and was noted; the error's NextRetryDelay is the wait
	// before the next, which a dispatcher's lease already holds.
	DeliveryDeferred = "DeliveryDeferred"
	// DeliveryNotRecorded: Postgres refused the attempt's record and the failure could not be
	// noted either; retrying would send the webhook again to no avail.
	DeliveryNotRecorded = "DeliveryNotRecorded"
	misconfigured       = "Misconfigured"
)

// failedPass notes a pass at a delivery that ended in err with no attempt recorded, and says
// what follows: a wait, or the end of the delivery.
func (a *Activities) failedPass(ctx context.Context, r DeliveryAttempt, err error) (DeliveryReport, error) {
	refused := db.Refused(err)
	p, nerr := db.NoteFailedPass(ctx, a.DB, r.DeliveryID, err.Error(), refused)
	switch {
	case errors.Is(nerr, db.ErrNotFound):
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // delivered, failed or deleted meanwhile
	case nerr != nil && refused:
		return DeliveryReport{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%v; and noting it failed: %v", err, nerr), DeliveryNotRecorded, err)
	case nerr != nil:
		return DeliveryReport{}, err // Postgres is away: a dispatcher's lease runs out, a workflow's retry policy backs off
	case p.Failed:
		return DeliveryReport{Done: true, Outcome: string(db.DeliveryFailed), GaveUp: err.Error()}, nil
	}
	return DeliveryReport{}, temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("pass %d at delivery %s failed, next in %s", p.N, r.DeliveryID, p.Wait),
		DeliveryDeferred, temporal.ApplicationErrorOptions{NextRetryDelay: p.Wait, Cause: err})
}

func isApplicationError(err error, types ...string) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && slices.Contains(types, ae.Type())
}

// attemptDelivery is one pass: the attempt and its record.
func (a *Activities) attemptDelivery(ctx context.Context, r DeliveryAttempt) (DeliveryReport, error) {
	o, err := db.LoadOutgoing(ctx, a.DB, r.DeliveryID)
	if errors.Is(err, db.ErrNotFound) {
		return DeliveryReport{Done: true, Outcome: "deleted"}, nil // its endpoint was deleted
	}
	if err != nil {
		return DeliveryReport{}, err
	}
	// Starting a delivery's run is safe to repeat (a recover asked again after a cut, a
	// stranded delivery handed on again), because a run whose work is done sends nothing.
	switch {
	case r.Manual && o.Delivery.Attempts >= r.Attempt:
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // this retry's attempt is on record
	case !r.Manual && o.Delivery.Status != db.DeliveryPending:
		return DeliveryReport{Done: true, Outcome: "skipped"}, nil // delivered or failed meanwhile
	}
	if !o.Endpoint.Enabled {
		reason := "endpoint disabled"
		if o.Endpoint.Disabled != "" {
			reason += ": " + o.Endpoint.Disabled
		}
		return DeliveryReport{Done: true, Outcome: "skipped"}, db.FailDelivery(ctx, a.DB, r.DeliveryID, reason)
	}
	if a.Webhooks == nil {
		return DeliveryReport{}, temporal.NewNonRetryableApplicationError("no webhook client configured on this worker", misconfigured, nil)
	}
	release, ok := a.Webhooks.take(ctx, o.Endpoint.ID)
	if !ok {
		return DeliveryReport{}, temporal.NewApplicationErrorWithOptions("too many attempts in flight to endpoint "+o.Endpoint.ID,
			EndpointBusy, temporal.ApplicationErrorOptions{NextRetryDelay: time.Second + rand.N(2*time.Second)})
	}
	res, at := a.Webhooks.send(ctx, o, r.Attempt)
	release()

	rec := db.Attempt{
		DeliveryID: r.DeliveryID, Attempt: r.Attempt, At: at, StatusCode: res.Status,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000, Body: res.Body, Error: res.Err,
		Outcome: res.Outcome.String(), Gone: res.Outcome == outbound.Gone,
	}
	rep := DeliveryReport{Done: true, Outcome: rec.Outcome}
	switch res.Outcome {
	case outbound.Retry:
		wait, ok := outbound.NextDelay(r.Try, res.RetryAfter, rand.Float64)
		if r.Manual || !ok {
			rec.Final = true
			break
		}
		rep.Done, rep.Wait, rec.NextAttempt = false, wait, at.Add(wait)
	case outbound.Failed:
		rec.Final = true
	}
	rep.Notice, err = recordAttempt(ctx, a.DB, rec)
	if err != nil {
		return DeliveryReport{}, err
	}
	if rep.Notice != nil {
		rep.Done, rep.Wait = true, 0
		for name := range a.Alerters {
			rep.Channels = append(rep.Channels, name)
		}
		slices.Sort(rep.Channels)
	}
	return rep, nil
}

// recordAttempt records an attempt that was made, trying again a moment later when Postgres
// failed rather than refused: every pass given up here sends the webhook again.
func recordAttempt(ctx context.Context, pool *pgxpool.Pool, rec db.Attempt) (*db.EndpointNotice, error) {
	var err error
	for _, wait := range recordWaits {
		var n *db.EndpointNotice
		if n, err = db.RecordAttempt(ctx, pool, rec, outbound.DisableAfter); err == nil || db.Refused(err) {
			return n, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
	return db.RecordAttempt(ctx, pool, rec, outbound.DisableAfter)
}

// recordWaits are the pauses before recordAttempt's second and third tries: long enough for a
// dropped connection to be replaced, short enough to stay well within the pass's lease.
var recordWaits = []time.Duration{200 * time.Millisecond, time.Second}

// send makes the attempt: the body for this attempt number, signed with every secret the
// endpoint has at this moment.
func (w *Webhooks) send(ctx context.Context, o db.Outgoing, attempt int) (outbound.Result, time.Time) {
	body, err := json.Marshal(outbound.NewBody(o.Event, attempt))
	now := time.Now()
	if err != nil {
		return outbound.Result{Outcome: outbound.Failed, Err: "encoding body: " + err.Error()}, now
	}
	if err := egress.CheckURL(o.Endpoint.URL, w.Policy); err != nil {
		return outbound.Result{Outcome: outbound.Failed, Err: err.Error()}, now
	}
	timeout := w.Timeout
	if timeout <= 0 || timeout > outbound.Timeout {
		timeout = outbound.Timeout
	}
	w.once.Do(func() {
		p := w.Policy
		p.Timeout = timeout
		w.client = egress.NewClient(p)
	})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return outbound.Attempt(ctx, w.client, o.Endpoint.URL, o.Endpoint.Secrets(now), o.Event.ID, body, now), now
}

// slotWait is how long an attempt waits for one of its endpoint's slots before it gives its
// activity slot back and asks Temporal to retry it a little later.
const slotWait = time.Second

// take reserves one of an endpoint's in-flight slots on this worker, waiting up to slotWait.
func (w *Webhooks) take(ctx context.Context, endpointID string) (release func(), ok bool) {
	w.mu.Lock()
	if w.slots == nil {
		w.slots = map[string]chan struct{}{}
	}
	ch := w.slots[endpointID]
	if ch == nil {
		limit := w.PerEndpoint
		if limit <= 0 {
			limit = 32
		}
		ch = make(chan struct{}, limit)
		w.slots[endpointID] = ch
	}
	w.mu.Unlock()
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// Busy lists the endpoints whose in-flight attempts on this worker are at their cap, for a
// dispatcher to leave alone until one finishes.
func (w *Webhooks) Busy() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var busy []string
	for id, ch := range w.slots {
		if len(ch) == cap(ch) {
			busy = append(busy, id)
		}
	}
	return busy
}

// EndpointAlert is the staff alert for an endpoint an attempt disabled.
func EndpointAlert(n db.EndpointNotice) escalate.Alert {
	return escalate.Alert{
		About:   "Webhook endpoint " + n.EndpointID,
		Reason:  "webhook_endpoint_disabled",
		Message: fmt.Sprintf("Deliveries to %s stopped: %s. Fix the receiver, re-enable the endpoint and recover its failed deliveries.", n.URL, n.Reason),
	}
}

package outbound

import (
	"context"
	"time"
)

// The stranded-delivery check. A pending delivery is someone's to finish: a dispatcher's (no
// workflow owns it) or its workflow's. Code that marks a row owned by a workflow it then fails
// to start, a workflow that fails or is terminated with the delivery unfinished, or
// dispatchers that stop taking rows leave a delivery nobody will ever send, and nothing else
// would notice. Every dispatcher looks for such rows once a minute, counts them
// (shipflow_webhook_stranded_total) and logs them, and sets them going again.
const (
	// checkEvery is how often a dispatcher looks.
	checkEvery = time.Minute
	// strandedAfter is how long past due a workflow's delivery, or how long unclaimed a
	// dispatcher's, must be to be looked at: well past a dispatcher's lease and the first
	// waits of a failed pass, so a row in the normal course of things is rarely asked about.
	strandedAfter = 5 * time.Minute
	// checkPage bounds the workflows asked about per check. The check goes on from where the
	// last one stopped, so a backlog of overdue but running workflows (a worker outage) does
	// not hide a stranded delivery behind it for ever.
	checkPage = 100
)

// Outcomes of the check, the values of the stranded counter's label.
const (
	strandedMissing   = "workflow_missing" // owned by a workflow never started (or long gone): returned to the dispatchers
	strandedClosed    = "workflow_closed"  // its workflow closed with it unfinished: returned to the dispatchers
	strandedFailed    = "failed"           // returned too often without an attempt on record: failed, for staff
	strandedUnclaimed = "unclaimed"        // no dispatcher took it for strandedAfter: the dispatcher is woken
)

// check looks once for stranded deliveries and sets them going again: a delivery whose
// workflow does not exist or has closed goes back to the dispatchers, whose next pass makes its
// first attempt or starts its workflow again for the rest of its schedule. It returns how many
// it returned to the dispatchers.
func (d *Dispatcher) check(ctx context.Context) int {
	cutoff := time.Now().Add(-strandedAfter)
	// Unclaimed first: a delivery this check returns to the dispatchers is theirs from now on,
	// not one they left.
	n, err := Unclaimed(ctx, d.db, cutoff, d.busy(), checkPage)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			d.log.Error("look for unclaimed webhook deliveries", "err", err)
		}
	case n > 0:
		d.stranded.WithLabelValues(strandedUnclaimed).Add(float64(n))
		d.log.Warn("webhook deliveries waiting for a dispatcher longer than they should", "count", n, "after", strandedAfter)
		d.Wake()
	}
	returned := d.checkOwned(ctx, cutoff)
	if returned > 0 {
		d.Wake()
	}
	return returned
}

// checkOwned asks Temporal about a page of overdue deliveries owned by a workflow, and returns
// those whose workflow is gone to the dispatchers.
func (d *Dispatcher) checkOwned(ctx context.Context, cutoff time.Time) int {
	d.checkMu.Lock()
	defer d.checkMu.Unlock()
	owned, err := OverdueOwned(ctx, d.db, cutoff, d.checkFrom, checkPage)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("look for stranded webhook deliveries", "err", err)
		}
		return 0
	}
	d.checkFrom = Owned{} // the end of the rows: start again next time
	if len(owned) == checkPage {
		d.checkFrom = owned[len(owned)-1]
	}
	returned := 0
	for _, o := range owned {
		state, err := d.workflows.DeliveryRun(ctx, o.ID)
		if err != nil {
			d.log.Warn("ask about a webhook delivery's workflow; the next check will", "delivery", o.ID, "err", err)
			continue
		}
		outcome := strandedMissing
		switch state {
		case RunRunning:
			continue // late, not lost: its workflow is on it
		case RunClosed:
			outcome = strandedClosed
		}
		ok, failed, err := ReturnToDispatchers(ctx, d.db, o, "its workflow "+string(state)+" with the delivery pending")
		switch {
		case err != nil:
			d.log.Warn("return a stranded webhook delivery to the dispatchers; the next check will", "delivery", o.ID, "err", err)
			continue
		case !ok:
			continue // changed since it was read: someone is on it
		case failed:
			outcome = strandedFailed
			d.log.Error("stranded webhook delivery failed: its workflows keep ending without an attempt on record",
				"delivery", o.ID, "workflow", string(state))
		default:
			returned++
			d.log.Warn("stranded webhook delivery returned to the dispatchers", "delivery", o.ID, "workflow", string(state),
				"due", o.Due)
		}
		d.stranded.WithLabelValues(outcome).Inc()
	}
	return returned
}

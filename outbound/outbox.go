package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
)

// Outbox is the outbound side of a worker: its store and its sender. A pass at a delivery
// (Pass) is a plain method here, made by a dispatcher straight from Postgres for a first
// attempt and by the AttemptDelivery activity for the ones after.
type Outbox struct {
	DB db.Executor
	// Sender makes the attempts; nil on workers that do not deliver.
	Sender *Sender
	// Channels are the staff chats told when an attempt disables an endpoint, sorted; none
	// leaves it to the log.
	Channels []string
}

// Claimed is a delivery a dispatcher leased: no workflow owns it yet. Attempts is zero when its
// first attempt is still to be made; otherwise an earlier lease made it and could not hand the
// delivery to its workflow, which is then all there is left to do.
type Claimed struct {
	ID            string
	Attempts      int
	NextAttemptAt *time.Time
}

// ClaimDeliveries leases up to n pending deliveries no workflow owns, oldest first, for lease.
// Rows another dispatcher holds are skipped, not waited for, and so are the endpoints in busy,
// whose in-flight attempts are at their cap: a dead endpoint's backlog never crowds out the
// others' deliveries.
func ClaimDeliveries(ctx context.Context, ex db.Executor, n int, lease time.Duration, busy []string) ([]Claimed, error) {
	if busy == nil {
		busy = []string{}
	}
	rows, err := ex.Query(ctx, `
		UPDATE webhook_deliveries SET lease_until = now() + $2::interval
		WHERE id IN (
			SELECT id FROM webhook_deliveries
			WHERE status = 'pending' AND NOT workflow AND (lease_until IS NULL OR lease_until < now())
				AND endpoint_id <> ALL ($3::text[]) AND (digest IS NULL OR digest = id)
			ORDER BY created_at
			LIMIT $1
			FOR UPDATE SKIP LOCKED)
		RETURNING id, attempts, next_attempt_at`, n, lease, busy)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Claimed])
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return cs, nil
}

// ReleaseDelivery gives a leased delivery back for the next pass, for when nothing was sent
// (its endpoint had no free slot). A pass that may have sent the request keeps its lease
// (NoteFailedPass).
func ReleaseDelivery(ctx context.Context, ex db.Executor, id string) error {
	if _, err := ex.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("release webhook delivery %s: %w", id, err)
	}
	return nil
}

// HandOff records that a workflow owns the delivery from now on: no dispatcher claims it again.
func HandOff(ctx context.Context, ex db.Executor, id string) error {
	if _, err := ex.Exec(ctx, `UPDATE webhook_deliveries SET workflow = true, lease_until = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("hand webhook delivery %s to its workflow: %w", id, err)
	}
	return nil
}

// Failed passes. A pass at a delivery that ends with no attempt on record (Postgres failed or
// refused, perhaps after the request was sent) must not be followed by another at once: that
// loop once sent one receiver the same webhook 6,000 times in 15 seconds. Each failed pass
// waits longer before the next, and the last fails the delivery.
const (
	// MaxFailedPasses is how many passes in a row may fail before the delivery is failed:
	// enough to ride out a database restart, few enough that a receiver hears at most this many
	// copies of a webhook nobody could record.
	MaxFailedPasses = 5
	// failedPassWait is the wait after the first failed pass, doubled after each further one
	// (1, 2, 4, 8 minutes). It is at least a dispatcher's lease, so a pass cut short never
	// comes back sooner than one that died.
	failedPassWait = time.Minute
)

// FailedPass is what NoteFailedPass decided.
type FailedPass struct {
	N      int           // failed passes in a row, this one included
	Wait   time.Duration // before the next pass; zero when Failed
	Failed bool          // the delivery is failed, with the reason as its last_error
}

// NoteFailedPass records that a pass at a pending delivery failed for reason, and holds the
// delivery back: a dispatcher's lease is pushed out by the wait, which a workflow follows too.
// With final, or at MaxFailedPasses, the delivery is failed instead, for staff to see with its
// reason and retry by hand. db.ErrNotFound: no such pending delivery (delivered, failed or gone
// meanwhile), so there is nothing to hold back.
func NoteFailedPass(ctx context.Context, ex db.Executor, id, reason string, final bool) (FailedPass, error) {
	var p FailedPass
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE webhook_deliveries SET failed_passes = failed_passes + 1
			WHERE id = $1 AND status = 'pending' RETURNING failed_passes`, id).Scan(&p.N)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		p.Failed = final || p.N >= MaxFailedPasses
		if p.Failed {
			prefix := "not attempted again: "
			if !final {
				prefix = fmt.Sprintf("not attempted again after %d failed passes: ", p.N)
			}
			reason = prefix + reason
			_, err = tx.Exec(ctx, `
				UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL,
					last_error = $2, updated_at = now()
				WHERE id = $1 OR digest = $1`, id, db.SafeText(reason, db.MaxErrorText))
			return err
		}
		p.Wait = failedPassWait << (p.N - 1)
		reason = fmt.Sprintf("pass %d of at most %d failed, next in %s: %s", p.N, MaxFailedPasses, p.Wait, reason)
		_, err = tx.Exec(ctx, `
			UPDATE webhook_deliveries SET lease_until = now() + $2::interval, last_error = $3, updated_at = now()
			WHERE id = $1`, id, p.Wait, db.SafeText(reason, db.MaxErrorText))
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		return p, err
	}
	if err != nil {
		return p, fmt.Errorf("note failed pass at webhook delivery %s: %w", id, err)
	}
	return p, nil
}

// Owned is a pending delivery a workflow is supposed to own, as the stranded-delivery check
// reads it. Due is when its next attempt was due (its last change when it has no due time):
// a delivery whose workflow is alive is attempted then, so one long overdue is worth asking
// Temporal about.
type Owned struct {
	ID        string
	Due       time.Time
	UpdatedAt time.Time
}

// OverdueOwned returns up to n pending deliveries owned by a workflow whose next attempt was due
// before cutoff, in order of (Due, ID) after the key after (the zero Owned for the start). The
// partial index of migration 00012 holds only such rows, so the query costs nothing when all is
// well, whatever the size of the table.
func OverdueOwned(ctx context.Context, ex db.Executor, cutoff time.Time, after Owned, n int) ([]Owned, error) {
	from := after.Due
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	rows, err := ex.Query(ctx, `
		SELECT id, COALESCE(next_attempt_at, updated_at), updated_at FROM webhook_deliveries
		WHERE status = 'pending' AND workflow AND COALESCE(next_attempt_at, updated_at) < $1
			AND (COALESCE(next_attempt_at, updated_at), id) > ($2, $3)
		ORDER BY COALESCE(next_attempt_at, updated_at), id
		LIMIT $4`, cutoff, from, after.ID, n)
	if err != nil {
		return nil, fmt.Errorf("overdue webhook deliveries: %w", err)
	}
	owned, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Owned])
	if err != nil {
		return nil, fmt.Errorf("overdue webhook deliveries: %w", err)
	}
	return owned, nil
}

// ReturnToDispatchers gives a pending delivery whose workflow is gone (never started, or closed
// with the delivery unfinished) back to the dispatchers, whose next pass makes its first attempt
// or starts its workflow again for the rest of the schedule. It changes the row only if it is as
// the check read it (o.UpdatedAt), so a retry or attempt since wins. Each return counts as a
// failed pass: a delivery whose workflows keep ending without recording an attempt is failed,
// with reason, at MaxFailedPasses rather than sent again for ever. It reports whether the row
// was returned, and whether it was failed instead.
func ReturnToDispatchers(ctx context.Context, ex db.Executor, o Owned, reason string) (returned, failed bool, err error) {
	var status DeliveryStatus
	err = ex.QueryRow(ctx, `
		UPDATE webhook_deliveries SET workflow = false, lease_until = NULL, failed_passes = failed_passes + 1,
			status = CASE WHEN failed_passes + 1 >= $3 THEN 'failed' ELSE status END,
			next_attempt_at = CASE WHEN failed_passes + 1 >= $3 THEN NULL ELSE next_attempt_at END,
			last_error = CASE WHEN failed_passes + 1 >= $3 THEN $4 ELSE last_error END,
			updated_at = now()
		WHERE id = $1 AND status = 'pending' AND workflow AND updated_at = $2
		RETURNING status`, o.ID, o.UpdatedAt, MaxFailedPasses,
		db.SafeText(fmt.Sprintf("not attempted again after %d failed passes: %s", MaxFailedPasses, reason), db.MaxErrorText)).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("return webhook delivery %s to the dispatchers: %w", o.ID, err)
	}
	if status == DeliveryFailed {
		// A digest's deliveries end with their lead.
		_, err = ex.Exec(ctx, `
			UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = $2, updated_at = now()
			WHERE digest = $1 AND id <> $1`, o.ID, db.SafeText(fmt.Sprintf("not attempted again after %d failed passes: %s", MaxFailedPasses, reason), db.MaxErrorText))
		if err != nil {
			return true, true, fmt.Errorf("fail the digest of webhook delivery %s: %w", o.ID, err)
		}
	}
	return true, status == DeliveryFailed, nil
}

// Unclaimed counts, up to n, the pending deliveries no workflow owns that no dispatcher has
// held since before cutoff and that were created before it, leaving out the endpoints in busy
// (at their cap of attempts in flight, so waiting by design): deliveries the dispatchers should
// have taken and did not.
func Unclaimed(ctx context.Context, ex db.Executor, cutoff time.Time, busy []string, n int) (int, error) {
	if busy == nil {
		busy = []string{}
	}
	var count int
	err := ex.QueryRow(ctx, `
		SELECT count(*) FROM (
			SELECT 1 FROM webhook_deliveries
			WHERE status = 'pending' AND NOT workflow AND created_at < $1 AND (lease_until IS NULL OR lease_until < $1)
				AND endpoint_id <> ALL ($2::text[]) AND (digest IS NULL OR digest = id)
			LIMIT $3) AS u`, cutoff, busy, n).Scan(&count)
	if err != nil {
		return 0, fmt.Errorf("count unclaimed webhook deliveries: %w", err)
	}
	return count, nil
}

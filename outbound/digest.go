package outbound

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
)

// Digests. A staff milestone feed (a Kind.Feed kind) must not post once per event in a busy
// hour, so its deliveries are not attempted one by one. Recorded with their event like any
// other delivery, they wait (digest ''); a dispatcher's pass gathers, per feed, everything
// that waits once the oldest has waited the digest window or DigestFull wait, and makes the
// oldest the lead of the set (digest = the lead's id on each). From then on the lead is an
// ordinary delivery: claimed, attempted, handed to its workflow for the retry schedule,
// disabled, retried and recovered as any is, and each attempt at it carries every event of the
// set in one message and is recorded with every delivery of the set. A retried digest re-sends
// the same set.
//
// Several workers gather at once without a second post: the rows of a feed are locked as they
// are gathered and skipped by the others, and a set is gathered only if it is due as locked.

// waitingForDigest is the digest column of a feed's delivery that waits for its digest.
const waitingForDigest = ""

const (
	// DigestFull is how many waiting events make a feed's digest due before its window ends,
	// and the most one digest carries: the rest wait for the next.
	DigestFull = 100
	// DefaultDigestWindow is how long a feed's first waiting event waits for others when the
	// worker is told nothing else (SHIPFLOW_FEED_DIGEST_WINDOW).
	DefaultDigestWindow = 5 * time.Minute
)

// GatherDigests gathers every feed's digest that is due: the feed's oldest waiting delivery
// has waited window (zero: at once) or DigestFull deliveries wait. It returns how many digests
// it gathered; each lead is then for the dispatchers to claim.
func GatherDigests(ctx context.Context, ex db.Executor, window time.Duration) (int, error) {
	rows, err := ex.Query(ctx, `
		SELECT endpoint_id FROM webhook_deliveries
		WHERE status = 'pending' AND digest = ''
		GROUP BY endpoint_id
		HAVING min(created_at) <= now() - $1::interval OR count(*) >= $2`, window, DigestFull)
	if err != nil {
		return 0, fmt.Errorf("find due digests: %w", err)
	}
	feeds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("find due digests: %w", err)
	}
	n := 0
	for _, ep := range feeds {
		ok, err := gather(ctx, ex, ep, window)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// gather gathers one feed's digest if it is still due once its rows are locked.
func gather(ctx context.Context, ex db.Executor, endpointID string, window time.Duration) (bool, error) {
	gathered := false
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, created_at <= now() - $3::interval FROM webhook_deliveries
			WHERE endpoint_id = $1 AND status = 'pending' AND digest = ''
			ORDER BY created_at, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED`, endpointID, DigestFull, window)
		if err != nil {
			return err
		}
		type waiting struct {
			ID     string
			Waited bool
		}
		ws, err := pgx.CollectRows(rows, pgx.RowToStructByPos[waiting])
		if err != nil || len(ws) == 0 {
			return err
		}
		// Another worker may have gathered the due rows a moment ago and left only new ones.
		if !ws[0].Waited && len(ws) < DigestFull {
			return nil
		}
		ids := make([]string, len(ws))
		for i, w := range ws {
			ids[i] = w.ID
		}
		_, err = tx.Exec(ctx, `
			UPDATE webhook_deliveries SET digest = $1, lease_until = NULL, updated_at = now()
			WHERE id = ANY ($2::text[])`, ids[0], ids)
		gathered = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("gather the digest of feed %s: %w", endpointID, err)
	}
	return gathered, nil
}

// loadDigest reads the events of the digest lead leads, oldest first, and its deliveries
// besides the lead.
func loadDigest(ctx context.Context, ex db.Executor, lead string) ([]Event, []string, error) {
	rows, err := ex.Query(ctx, `
		SELECT d.id, e.id, e.order_id, e.seq, e.type, e.shipment_id, e.data, e.created_at
		FROM webhook_deliveries d JOIN order_events e ON e.id = d.event_id
		WHERE d.digest = $1
		ORDER BY e.created_at, e.order_id, e.seq`, lead)
	if err != nil {
		return nil, nil, fmt.Errorf("load the digest of delivery %s: %w", lead, err)
	}
	defer rows.Close()
	var (
		events  []Event
		members []string
	)
	for rows.Next() {
		var (
			id string
			e  Event
		)
		if err := rows.Scan(&id, &e.ID, &e.OrderID, &e.Seq, &e.Type, &e.ShipmentID, &e.Data, &e.CreatedAt); err != nil {
			return nil, nil, fmt.Errorf("load the digest of delivery %s: %w", lead, err)
		}
		events = append(events, e)
		if id != lead {
			members = append(members, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load the digest of delivery %s: %w", lead, err)
	}
	return events, members, nil
}

// recordMembers records a digest's attempt with the deliveries it carried besides the lead, as
// it is recorded with the lead: the same attempt row each, the same state after it.
func recordMembers(ctx context.Context, tx pgx.Tx, a AttemptRecord, status DeliveryStatus, next *time.Time) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, latency_ms, response_body, error, outcome)
		SELECT m, $2, $3, $4, $5, $6, $7, $8 FROM unnest($1::text[]) AS m
		ON CONFLICT (delivery_id, attempt) DO UPDATE SET attempted_at = $3, status_code = $4, latency_ms = $5,
			response_body = $6, error = $7, outcome = $8`,
		a.Members, a.Attempt, a.At, a.StatusCode, a.LatencyMS, a.Body, a.Error, a.Outcome)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE webhook_deliveries SET status = $2, attempts = GREATEST(attempts, $3), next_attempt_at = $4,
			last_error = $5, failed_passes = 0, updated_at = now()
		WHERE id = ANY ($1::text[])`, a.Members, status, a.Attempt, next, lastError(a))
	return err
}

package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

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
func ClaimDeliveries(ctx context.Context, pool *pgxpool.Pool, n int, lease time.Duration, busy []string) ([]Claimed, error) {
	if busy == nil {
		busy = []string{}
	}
	rows, err := pool.Query(ctx, `
		UPDATE webhook_deliveries SET lease_until = now() + $2::interval
		WHERE id IN (
			SELECT id FROM webhook_deliveries
			WHERE status = 'pending' AND NOT workflow AND (lease_until IS NULL OR lease_until < now())
				AND endpoint_id <> ALL ($3::text[])
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

// ReleaseDelivery gives a leased delivery back for the next pass, as when its endpoint had no
// free slot.
func ReleaseDelivery(ctx context.Context, pool *pgxpool.Pool, id string) error {
	if _, err := pool.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("release webhook delivery %s: %w", id, err)
	}
	return nil
}

// HandOff records that a workflow owns the delivery from now on: no dispatcher claims it again.
func HandOff(ctx context.Context, pool *pgxpool.Pool, id string) error {
	if _, err := pool.Exec(ctx, `UPDATE webhook_deliveries SET workflow = true, lease_until = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("hand webhook delivery %s to its workflow: %w", id, err)
	}
	return nil
}

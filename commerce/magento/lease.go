package magento

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// ErrLeaseLost: the poll's lease ran out and another replica holds it; the pass stops and
// its cursor is not written over the other's.
var ErrLeaseLost = errors.New("poll lease lost: another replica polls now")

// lease is one replica's hold on the source's poll, with the cursors it read when it took it.
// until is the fencing token: every write is conditional on it, and renews it.
type lease struct {
	until     time.Time
	orders    Key
	shipments Key
}

// feed columns of commerce_polls, by resource.
var cursorColumns = map[string][2]string{
	ResourceOrders:    {"orders_at", "orders_id"},
	ResourceShipments: {"shipments_at", "shipments_id"},
}

// claim takes the poll of source for owner when it is due and no replica holds it. ok is false
// when it is not this replica's turn. A cursor never written starts at start.
func claim(ctx context.Context, ex db.Executor, source, owner string, hold time.Duration, start time.Time) (l lease, ok bool, err error) {
	if _, err := ex.Exec(ctx, `INSERT INTO commerce_polls (source) VALUES ($1) ON CONFLICT DO NOTHING`, source); err != nil {
		return lease{}, false, fmt.Errorf("claim %s poll: %w", source, err)
	}
	var ordersAt, shipmentsAt *time.Time
	err = ex.QueryRow(ctx, `
		UPDATE commerce_polls SET leased_by = $2, leased_until = now() + $3 * interval '1 millisecond'
		WHERE source = $1 AND next_poll_at <= now() AND (leased_until IS NULL OR leased_until < now())
		RETURNING leased_until, orders_at, orders_id, shipments_at, shipments_id`,
		source, order.CleanText(owner, order.MaxIDLen), hold.Milliseconds()).
		Scan(&l.until, &ordersAt, &l.orders.ID, &shipmentsAt, &l.shipments.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return lease{}, false, nil
	}
	if err != nil {
		return lease{}, false, fmt.Errorf("claim %s poll: %w", source, err)
	}
	l.orders.UpdatedAt, l.shipments.UpdatedAt = startAt(ordersAt, start), startAt(shipmentsAt, start)
	return l, true, nil
}

func startAt(at *time.Time, start time.Time) time.Time {
	if at == nil {
		return start.UTC().Truncate(time.Second)
	}
	return at.UTC()
}

// save writes the feed's cursor and renews the lease, if the lease is still l's.
func (l *lease) save(ctx context.Context, ex db.Executor, source, resource string, k Key, hold time.Duration) error {
	cols := cursorColumns[resource]
	err := ex.QueryRow(ctx, `
		UPDATE commerce_polls SET `+cols[0]+` = $3, `+cols[1]+` = $4, leased_until = now() + $5 * interval '1 millisecond'
		WHERE source = $1 AND leased_until = $2
		RETURNING leased_until`, source, l.until, k.UpdatedAt, k.ID, hold.Milliseconds()).Scan(&l.until)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("save %s %s cursor: %w", source, resource, ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("save %s %s cursor: %w", source, resource, err)
	}
	return nil
}

// release ends the pass: the lease is given up and the next pass is due after every.
func (l *lease) release(ctx context.Context, ex db.Executor, source string, every time.Duration, why string) error {
	tag, err := ex.Exec(ctx, `
		UPDATE commerce_polls SET leased_until = NULL, leased_by = '', polled_at = now(), last_error = $3,
		       next_poll_at = now() + $4 * interval '1 millisecond'
		WHERE source = $1 AND leased_until = $2`, source, l.until, order.CleanText(why, order.MaxTextLen), every.Milliseconds())
	if err != nil {
		return fmt.Errorf("release %s poll: %w", source, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("release %s poll: %w", source, ErrLeaseLost)
	}
	return nil
}

// source is the inbox source, the commerce_polls row of this package.
const source = inbox.SourceMagento

package inbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Status of a stored delivery.
type Status string

// Statuses of a stored delivery.
const (
	StatusPending  Status = "pending"
	StatusApplied  Status = "applied"
	StatusWaiting  Status = "waiting"
	StatusRejected Status = "rejected"
)

// ParseStatus checks a status a client asked to filter by.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPending, StatusApplied, StatusWaiting, StatusRejected:
		return st, nil
	}
	return "", fmt.Errorf("unknown status %q (pending, applied, waiting, rejected)", s)
}

// Inbox stores accepted deliveries and wakes the relay. Several serve replicas share one inbox
// table; each wakes its own relay, and the others find the work by polling.
//
// Its queries run on a db.Executor, so that a caller can put them in a transaction of its own
// (On). It stays a struct rather than functions taking the executor, as db's are, because it
// carries the process's wake, which every copy over a transaction must share; and the relay
// and the API, which call it throughout, need not thread an executor through each call for the
// few callers that want a transaction.
type Inbox struct {
	db   db.Executor
	pool *pgxpool.Pool // Listen holds a connection of its own
	wake chan struct{}
}

// New returns the inbox over pool.
func New(pool *pgxpool.Pool) *Inbox {
	return &Inbox{db: pool, pool: pool, wake: make(chan struct{}, 1)}
}

// On returns the inbox with its queries on ex, typically a caller's transaction, waking the
// same relay as in. What Accept and Replay write through a transaction is committed with it,
// not when they return, and the relay they wake finds it only at its next poll: a caller that
// wants it relayed at once calls Wake after committing.
func (in *Inbox) On(ex db.Executor) *Inbox {
	return &Inbox{db: ex, pool: in.pool, wake: in.wake}
}

// Accepted is what Accept did with a delivery.
type Accepted struct {
	ID        int64 // the stored row; 0 for a duplicate
	Duplicate bool
}

// Accept stores d unless its source already delivered its event id. It returns once the row is
// committed (unless the inbox is On a transaction), so the caller may answer 2xx: from then on
// the delivery cannot be lost.
func (in *Inbox) Accept(ctx context.Context, d Delivery) (Accepted, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return Accepted{}, fmt.Errorf("encode delivery %s/%s: %w", d.Source, d.EventID, err)
	}
	var id int64
	err = in.db.QueryRow(ctx, `
		INSERT INTO inbound_events (source, event_id, delivery, order_id, shipment_id, tracking_keys)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (source, event_id) DO NOTHING
		RETURNING id`,
		d.Source, d.EventID, body, d.routeOrder(), d.ShipmentID, d.trackingKeys()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Accepted{Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, fmt.Errorf("store delivery %s/%s: %w", d.Source, d.EventID, err)
	}
	in.Wake()
	return Accepted{ID: id}, nil
}

// Wake tells the relay there is work, without blocking.
func (in *Inbox) Wake() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// routeOrder is the order a delivery concerns when it names one.
func (d Delivery) routeOrder() string {
	if d.OrderID != "" {
		return d.OrderID
	}
	for _, e := range d.Commerce {
		return e.OrderID
	}
	return ""
}

func (d Delivery) trackingKeys() []string {
	keys := []string{}
	for _, e := range d.Tracking {
		if k := order.TrackingKey(e.TrackingNumber); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// WakeFor moves deliveries waiting for this order or these tracking numbers back to pending.
// The projection calls it when an order or shipment becomes known; a periodic sweep catches
// any it raced with.
func WakeFor(ctx context.Context, ex db.Executor, orderID string, trackingNumbers []string) (int64, error) {
	keys := make([]string, 0, len(trackingNumbers))
	for _, tn := range trackingNumbers {
		keys = append(keys, order.TrackingKey(tn))
	}
	tag, err := ex.Exec(ctx, `
		UPDATE inbound_events SET status = 'pending', waiting_for = '', next_attempt_at = now()
		WHERE status = 'waiting' AND (order_id = $1 OR tracking_keys && $2::text[])`, orderID, keys)
	if err != nil {
		return 0, fmt.Errorf("wake deliveries for order %s: %w", orderID, err)
	}
	if tag.RowsAffected() > 0 {
		if _, err := ex.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel); err != nil {
			return tag.RowsAffected(), fmt.Errorf("notify relays: %w", err)
		}
	}
	return tag.RowsAffected(), nil
}

// ErrNoAcceptedOrder: no accepted, not rejected order.created delivery names the order.
var ErrNoAcceptedOrder = errors.New("no accepted order.created for the order")

// AcceptedOrder returns the order.created event of the first accepted, not rejected delivery
// that creates orderID, or ErrNoAcceptedOrder. Such a delivery was stored before the sender
// heard 2xx, so shipflow has acknowledged the order even while the relay has not brought it to
// its workflow yet: the voice line answers from it rather than say "not found". The query is
// one probe of inbound_events_created_order_idx (migration 00011), whose predicate it repeats
// word for word so that the planner can use the partial index.
func AcceptedOrder(ctx context.Context, ex db.Executor, orderID string) (order.CommerceEvent, error) {
	var raw []byte
	err := ex.QueryRow(ctx, `
		SELECT delivery FROM inbound_events
		WHERE order_id = $1 AND delivery -> 'commerce' @> '[{"type": "order.created"}]' AND status <> 'rejected'
		ORDER BY id LIMIT 1`, orderID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return order.CommerceEvent{}, ErrNoAcceptedOrder
	}
	if err != nil {
		return order.CommerceEvent{}, fmt.Errorf("accepted order.created of %s: %w", orderID, err)
	}
	var d Delivery
	if err := json.Unmarshal(raw, &d); err != nil {
		return order.CommerceEvent{}, fmt.Errorf("accepted order.created of %s does not decode: %w", orderID, err)
	}
	for _, e := range d.Commerce {
		if e.Type == order.EventCreated && e.OrderID == orderID && e.Customer != nil {
			return e, nil
		}
	}
	return order.CommerceEvent{}, ErrNoAcceptedOrder
}

// notifyChannel is the Postgres channel relays LISTEN on, so a wake from a worker's projection
// reaches the relays in the serve replicas at once.
const notifyChannel = "shipflow_inbox"

// Event is a stored delivery as the admin API shows it.
type Event struct {
	ID          int64      `json:"id"`
	Source      string     `json:"source"`
	EventID     string     `json:"event_id"`
	Status      Status     `json:"status"`
	OrderID     string     `json:"order_id,omitempty"`
	WaitingFor  string     `json:"waiting_for,omitempty"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	ReceivedAt  time.Time  `json:"received_at"`
	NextAttempt *time.Time `json:"next_attempt_at,omitempty"`
	AppliedAt   *time.Time `json:"applied_at,omitempty"`
	Delivery    Delivery   `json:"delivery"`
}

// Page is one page of stored deliveries, newest first.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next_cursor,omitempty"`
}

// Errors of List and Replay.
var (
	// ErrNotFound: no stored delivery has that id.
	ErrNotFound = errors.New("inbound event not found")
	// ErrBadCursor: a cursor that no page handed out.
	ErrBadCursor = errors.New("invalid cursor")
)

// List returns stored deliveries newest first, optionally of one status.
func (in *Inbox) List(ctx context.Context, st Status, limit int, cursor string) (Page, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return Page{}, ErrBadCursor
		}
		before = n
	}
	rows, err := in.db.Query(ctx, `SELECT `+eventColumns+` FROM inbound_events
		WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR id < $2)
		ORDER BY id DESC LIMIT $3`, string(st), before, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list inbound events: %w", err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return Page{}, fmt.Errorf("list inbound events: %w", err)
	}
	p := Page{Events: events}
	if len(events) > limit {
		p.Events = events[:limit]
		p.Next = strconv.FormatInt(events[limit-1].ID, 10)
	}
	return p, nil
}

// ForOrder returns the stored deliveries about one order, newest first and at most limit of
// them: those naming the order, and those carrying one of its tracking numbers (a carrier's
// deliveries name no order) received since since. Carriers recycle numbers; since, the order's
// creation less a margin, keeps out an earlier parcel's deliveries under the same number. Both
// are read from indexes of their own (migration 00024).
func (in *Inbox) ForOrder(ctx context.Context, orderID string, trackingNumbers []string, since time.Time, limit int) ([]Event, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	keys := []string{}
	for _, tn := range trackingNumbers {
		if k := order.TrackingKey(tn); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	rows, err := in.db.Query(ctx, `SELECT `+eventColumns+` FROM inbound_events
		WHERE (order_id <> '' AND order_id = $1)
		   OR (tracking_keys <> '{}' AND tracking_keys && $2::text[] AND received_at >= $3)
		ORDER BY id DESC LIMIT $4`, orderID, keys, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list inbound events of order %s: %w", orderID, err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list inbound events of order %s: %w", orderID, err)
	}
	return events, nil
}

// CountCap bounds Count: past it a backlog is "more than CountCap", not counted to its end.
const CountCap = 10000

// Count counts the stored deliveries of status st, up to CountCap, along the status index.
func (in *Inbox) Count(ctx context.Context, st Status) (int, error) {
	var n int
	err := in.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM inbound_events WHERE status = $1 LIMIT $2) c`,
		string(st), CountCap+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s inbound events: %w", st, err)
	}
	return n, nil
}

// eventColumns are what scanEvent reads.
const eventColumns = `id, source, event_id, status, order_id, waiting_for, attempts, last_error, received_at,
	CASE WHEN status = 'pending' THEN next_attempt_at END, applied_at, delivery`

// scanEvent reads one row of eventColumns. A delivery that no longer decodes (stored by an
// older version, or damaged by hand) is shown without its events rather than hiding the page.
func scanEvent(r pgx.CollectableRow) (Event, error) {
	var e Event
	var raw []byte
	if err := r.Scan(&e.ID, &e.Source, &e.EventID, &e.Status, &e.OrderID, &e.WaitingFor, &e.Attempts,
		&e.LastError, &e.ReceivedAt, &e.NextAttempt, &e.AppliedAt, &raw); err != nil {
		return e, err
	}
	_ = json.Unmarshal(raw, &e.Delivery)
	return e, nil
}

// Get returns one stored delivery.
func (in *Inbox) Get(ctx context.Context, id int64) (Event, error) {
	rows, err := in.db.Query(ctx, `SELECT `+eventColumns+` FROM inbound_events WHERE id = $1`, id)
	if err != nil {
		return Event{}, fmt.Errorf("get inbound event %d: %w", id, err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanEvent)
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, ErrNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("get inbound event %d: %w", id, err)
	}
	return e, nil
}

// Replay sends a stored delivery through the relay again, whatever its status: staff use it to
// re-drive a rejected or stuck delivery. The workflows dedupe by event id, so replaying an
// applied delivery is harmless. The replay is in the audit trail, attributed to the actor ctx
// carries, written in the same transaction (a savepoint when the inbox is On one).
func (in *Inbox) Replay(ctx context.Context, id int64) error {
	err := audit.Within(ctx, in.db, func(tx pgx.Tx) (audit.Entry, error) {
		var source, orderID string
		err := tx.QueryRow(ctx, `
			UPDATE inbound_events SET status = 'pending', waiting_for = '', attempts = 0, last_error = '',
			       next_attempt_at = now(), locked_until = NULL
			WHERE id = $1 RETURNING source, order_id`, id).Scan(&source, &orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return audit.Entry{}, ErrNotFound
		}
		if err != nil {
			return audit.Entry{}, fmt.Errorf("replay inbound event %d: %w", id, err)
		}
		return audit.Entry{Action: audit.ActionReplayEvent, Subject: strconv.FormatInt(id, 10), OrderID: orderID,
			Detail: map[string]any{"source": source}}, nil
	})
	if err != nil {
		return err
	}
	in.Wake()
	return nil
}

// Claimed is a delivery a relay holds under lease.
type Claimed struct {
	ID         int64
	Attempts   int
	Lease      time.Time // when the claim runs out; it fences the outcome (see Applied)
	ReceivedAt time.Time
	Delivery   Delivery
	// Undecodable says why the stored delivery could not be read back; such a row can never
	// apply, and the relay rejects it rather than fail the whole batch on it for ever.
	Undecodable error
}

// Claim leases up to n due deliveries to the caller, oldest first. Rows leased by another
// relay are skipped, not waited for.
//
// A delivery is not claimed while an earlier one about the same order or tracking number is
// still pending but cannot go in this batch: waiting for its retry, or leased by another relay.
// Otherwise the later one would overtake it, and the workflow, which keeps each shipment's
// newest scan, would drop the older one as stale: a delivered scan overtaking out-for-delivery
// cost the customer that message (the fault suite found it). Due, unleased deliveries are
// taken in id order, so an earlier one is always in the batch when a later one of its order is,
// and the relay forwards each order's deliveries in that order.
func (in *Inbox) Claim(ctx context.Context, n int, lease time.Duration) ([]Claimed, error) {
	rows, err := in.db.Query(ctx, `
		UPDATE inbound_events SET locked_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1
		WHERE id IN (
			SELECT c.id FROM inbound_events c
			WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND (c.locked_until IS NULL OR c.locked_until < now())
			  AND NOT EXISTS (
				SELECT 1 FROM inbound_events e
				WHERE e.status = 'pending' AND e.id < c.id
				  AND (e.next_attempt_at > now() OR e.locked_until >= now())
				  AND ((c.order_id <> '' AND e.order_id = c.order_id)
				    OR (c.tracking_keys <> '{}' AND e.tracking_keys && c.tracking_keys)))
			ORDER BY c.id LIMIT $1
			FOR UPDATE OF c SKIP LOCKED)
		RETURNING id, attempts, locked_until, received_at, delivery`, n, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	claimed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Claimed, error) {
		var c Claimed
		var raw []byte
		if err := r.Scan(&c.ID, &c.Attempts, &c.Lease, &c.ReceivedAt, &raw); err != nil {
			return c, err
		}
		if err := json.Unmarshal(raw, &c.Delivery); err != nil {
			c.Undecodable = fmt.Errorf("stored delivery does not decode: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	slices.SortFunc(claimed, func(a, b Claimed) int { return cmp.Compare(a.ID, b.ID) })
	return claimed, nil
}

// The outcome of a claimed delivery is written only while the claim's lease is the row's: the
// lease's expiry is its fencing token. A relay that stalled past its lease (a long GC pause, a
// lost connection) finds another relay holding the row, and its late outcome, which may be
// older news, is not written over the newer one; it gets ErrLeaseLost.

// ErrLeaseLost: the delivery's lease ran out and another relay claimed it since.
var ErrLeaseLost = errors.New("lease lost: another relay holds the delivery")

// Applied marks a delivery as delivered to its workflow.
func (in *Inbox) Applied(ctx context.Context, c Claimed) error {
	return in.settle(ctx, c, "mark applied", `status = 'applied', applied_at = now(), last_error = '', waiting_for = ''`)
}

// Waiting parks a delivery until its order ("order") or shipment ("shipment") appears.
func (in *Inbox) Waiting(ctx context.Context, c Claimed, what, why string) error {
	return in.settle(ctx, c, "mark waiting", `status = 'waiting', waiting_for = $3, last_error = $4`, what, reason(why))
}

// Rejected marks a delivery that can never apply; it stays visible and replayable.
func (in *Inbox) Rejected(ctx context.Context, c Claimed, why string) error {
	return in.settle(ctx, c, "mark rejected", `status = 'rejected', last_error = $3`, reason(why))
}

// Retry releases a delivery to be tried again after wait.
func (in *Inbox) Retry(ctx context.Context, c Claimed, wait time.Duration, why string) error {
	return in.settle(ctx, c, "schedule retry", `next_attempt_at = now() + $3 * interval '1 millisecond', last_error = $4`,
		wait.Milliseconds(), reason(why))
}

// settle writes set (whose parameters start at $3) to the claimed row and releases its lease,
// if the lease is still c's.
func (in *Inbox) settle(ctx context.Context, c Claimed, what, set string, args ...any) error {
	tag, err := in.db.Exec(ctx, `UPDATE inbound_events SET `+set+`, locked_until = NULL WHERE id = $1 AND locked_until = $2`,
		append([]any{c.ID, c.Lease}, args...)...)
	if err != nil {
		return wrap(err, what, c.ID)
	}
	if tag.RowsAffected() == 0 {
		return wrap(ErrLeaseLost, what, c.ID)
	}
	return nil
}

// reason is an error text made fit to store: an error may quote what a remote sent, and a
// reason Postgres refuses would leave the row to be claimed again and again.
func reason(why string) string { return order.CleanText(why, order.MaxTextLen) }

func wrap(err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s inbound event %d: %w", what, id, err)
	}
	return nil
}

// WakeOrder makes deliveries waiting for orderID due now.
func (in *Inbox) WakeOrder(ctx context.Context, orderID string) (int64, error) {
	tag, err := in.db.Exec(ctx, `
		UPDATE inbound_events SET status = 'pending', waiting_for = '', next_attempt_at = now()
		WHERE status = 'waiting' AND order_id = $1`, orderID)
	if err != nil {
		return 0, fmt.Errorf("wake deliveries for order %s: %w", orderID, err)
	}
	return tag.RowsAffected(), nil
}

// Sweep wakes waiting deliveries whose order or shipment exists by now: the backstop for a
// wake that raced with the delivery being parked.
func (in *Inbox) Sweep(ctx context.Context) (int64, error) {
	tag, err := in.db.Exec(ctx, `
		UPDATE inbound_events e SET status = 'pending', waiting_for = '', next_attempt_at = now()
		WHERE e.status = 'waiting' AND (
			(e.waiting_for = 'order' AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = e.order_id))
			OR (e.waiting_for = 'shipment' AND EXISTS (
				SELECT 1 FROM shipments s
				WHERE s.tracking_key = ANY (e.tracking_keys)
				   OR (e.shipment_id <> '' AND s.order_id = e.order_id AND s.shipment_id = e.shipment_id))))`)
	if err != nil {
		return 0, fmt.Errorf("sweep waiting deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ExpireWaiting rejects deliveries that have waited longer than limit for an order or
// shipment that never appeared (a test order deleted on the platform, a carrier scan for a
// parcel another system shipped), so the waiting list holds only what may still apply. They
// stay visible and replayable.
func (in *Inbox) ExpireWaiting(ctx context.Context, limit time.Duration) (int64, error) {
	tag, err := in.db.Exec(ctx, `
		UPDATE inbound_events SET status = 'rejected', locked_until = NULL,
		       last_error = 'gave up waiting for its ' || waiting_for || ' after ' || $1::text || ': ' || last_error
		WHERE status = 'waiting' AND received_at < now() - $2 * interval '1 millisecond'`,
		limit.String(), limit.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("expire waiting deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Woken receives a value when there may be new work: a delivery accepted by this process, or
// (with Listen running) a wake from any process.
func (in *Inbox) Woken() <-chan struct{} { return in.wake }

// Listen forwards wakes published by other processes (a worker's projection waking deliveries)
// to Woken, until ctx ends. Its connection is held for as long as it runs.
func (in *Inbox) Listen(ctx context.Context) error {
	conn, err := in.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("inbox listener: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("inbox listener: %w", err)
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return fmt.Errorf("inbox listener: %w", err)
		}
		in.Wake()
	}
}

// RouteKey groups deliveries that concern the same order or tracking number, so a relay can
// forward those in arrival order while forwarding different orders in parallel.
func (d Delivery) RouteKey() string {
	if o := d.routeOrder(); o != "" {
		return "o/" + o
	}
	if keys := d.trackingKeys(); len(keys) > 0 {
		return "t/" + keys[0]
	}
	return ""
}

// CountApplied counts the stored deliveries whose event id starts with prefix, applied and
// not: the webhook benchmark polls it until every delivery it sent is applied.
func CountApplied(ctx context.Context, ex db.Executor, prefix string) (applied, notApplied int, err error) {
	err = ex.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status = 'applied'), count(*) FILTER (WHERE status <> 'applied')
		FROM inbound_events WHERE event_id LIKE $1 || '%'`, prefix).Scan(&applied, &notApplied)
	if err != nil {
		return 0, 0, fmt.Errorf("count deliveries %s*: %w", prefix, err)
	}
	return applied, notApplied, nil
}

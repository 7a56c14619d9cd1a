package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/order"
)

// ErrNotFound means no row matched.
var ErrNotFound = errors.New("not found")

// Snapshot is one revision of an order for the read model. It carries the view without its
// timeline and only the timeline entries not stored yet, so that projecting after every change
// costs the workflow's history a few kilobytes, not the whole journey each time.
type Snapshot struct {
	Revision int64         `json:"revision"`
	View     order.View    `json:"view"`
	Entries  []order.Entry `json:"entries,omitempty"`
	// TrackingToken is the order's tracking-page token; the projecting activity sets it,
	// since it holds the secret and the workflow does not.
	TrackingToken string `json:"-"`
}

// SaveOrder writes a snapshot. A snapshot older than the stored one (a retried activity whose
// first attempt did commit, after a newer one) changes nothing and returns false; timeline
// entries are kept either way, as they never change once written.
func SaveOrder(ctx context.Context, ex Executor, s Snapshot) (bool, error) {
	v := s.View
	v.Timeline = nil
	view, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("encode view of order %s: %w", v.OrderID, err)
	}
	customer, err := json.Marshal(v.Customer)
	if err != nil {
		return false, fmt.Errorf("encode customer of order %s: %w", v.OrderID, err)
	}
	var fresh bool
	err = pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO orders (order_id, status, customer, view, has_open_exception, estimated_delivery, revision, created_at, updated_at, tracking_token)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''))
			ON CONFLICT (order_id) DO UPDATE SET
				status = excluded.status, customer = excluded.customer, view = excluded.view,
				has_open_exception = excluded.has_open_exception, estimated_delivery = excluded.estimated_delivery,
				revision = excluded.revision, updated_at = excluded.updated_at,
				tracking_token = COALESCE(excluded.tracking_token, orders.tracking_token)
			WHERE orders.revision < excluded.revision`,
			v.OrderID, v.Status, customer, view, v.Exception != nil, v.ETA(), s.Revision, v.CreatedAt, v.UpdatedAt, s.TrackingToken)
		if err != nil {
			return fmt.Errorf("upsert order: %w", err)
		}
		fresh = tag.RowsAffected() == 1
		b := &pgx.Batch{}
		if fresh {
			b.Queue(`DELETE FROM shipments WHERE order_id = $1`, v.OrderID)
			for _, sh := range v.Shipments {
				b.Queue(`INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, tracking_key, status, substatus, last_location, estimated_delivery, last_event_at,
						delivered_at, due_at, is_return)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
					v.OrderID, sh.ShipmentID, sh.Carrier, sh.TrackingNumber, order.TrackingKey(sh.TrackingNumber),
					sh.Status, sh.Substatus, sh.LastLocation, sh.EstimatedDelivery, sh.LastEventAt,
					sh.DeliveredAt, v.DueBy(sh), sh.Return)
			}
			queueExceptions(b, s)
		}
		for _, e := range s.Entries {
			b.Queue(`INSERT INTO tracking_events (order_id, seq, occurred_at, kind, type, shipment_id, tracking_number, substatus, description, location, ignored, note, event_id, source, actor, proof)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT (order_id, seq) DO NOTHING`,
				v.OrderID, e.Seq, e.At, e.Kind, e.Type, e.ShipmentID, e.TrackingNumber, e.Substatus, e.Description,
				e.Location, e.Ignored, e.Note, e.EventID, e.Source, e.Actor, e.Proof)
		}
		if fresh {
			// Tell every serve replica (live tracking pages, SSE streams) that the order changed.
			b.Queue(`SELECT pg_notify($1, $2)`, OrderChanges, v.OrderID)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return false, fmt.Errorf("save order %s revision %d: %w", v.OrderID, s.Revision, err)
	}
	return fresh, nil
}

// OrderChanges is the Postgres notification channel a fresh projection of an order is announced
// on, with the order id as payload.
const OrderChanges = "shipflow_order_changes"

// OrderByToken returns the order whose tracking-page token is token.
func OrderByToken(ctx context.Context, ex Executor, token string) (order.View, error) {
	var id string
	err := ex.QueryRow(ctx, `SELECT order_id FROM orders WHERE tracking_token = $1`, token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return order.View{}, ErrNotFound
	}
	if err != nil {
		return order.View{}, fmt.Errorf("find order by tracking token: %w", err)
	}
	v, _, err := GetOrder(ctx, ex, id)
	return v, err
}

// OrderKnown reports whether the read model holds the order: its workflow has projected it.
func OrderKnown(ctx context.Context, ex Executor, orderID string) (bool, error) {
	var known bool
	err := ex.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE order_id = $1)`, orderID).Scan(&known)
	if err != nil {
		return false, fmt.Errorf("look order %s up: %w", orderID, err)
	}
	return known, nil
}

// maxTimeline bounds the entries a read returns, matching what the workflow keeps.
const maxTimeline = 500

// GetOrder returns an order's view as last projected, with its timeline newest first, and the
// revision it is at.
func GetOrder(ctx context.Context, ex Executor, orderID string) (order.View, int64, error) {
	var v order.View
	var rev int64
	err := ex.QueryRow(ctx, `SELECT view, revision FROM orders WHERE order_id = $1`, orderID).Scan(&v, &rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, 0, ErrNotFound
	}
	if err != nil {
		return v, 0, fmt.Errorf("load order %s: %w", orderID, err)
	}
	rows, err := ex.Query(ctx, `
		SELECT seq, occurred_at, kind, type, shipment_id, tracking_number, substatus, description, location, ignored, note, event_id, source, actor, proof
		FROM tracking_events WHERE order_id = $1 ORDER BY occurred_at DESC, seq DESC LIMIT $2`, orderID, maxTimeline)
	if err != nil {
		return v, 0, fmt.Errorf("load timeline of order %s: %w", orderID, err)
	}
	v.Timeline, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Entry, error) {
		var e order.Entry
		err := r.Scan(&e.Seq, &e.At, &e.Kind, &e.Type, &e.ShipmentID, &e.TrackingNumber, &e.Substatus, &e.Description,
			&e.Location, &e.Ignored, &e.Note, &e.EventID, &e.Source, &e.Actor, &e.Proof)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return v, 0, fmt.Errorf("load timeline of order %s: %w", orderID, err)
	}
	return v, rev, nil
}

// OrderForTracking returns the order a tracking number belongs to. Carriers recycle numbers, so
// when several orders have it the newest wins; carrier, when given, narrows the match.
func OrderForTracking(ctx context.Context, ex Executor, trackingNumber, carrier string) (string, error) {
	var id string
	err := ex.QueryRow(ctx, `
		SELECT s.order_id FROM shipments s JOIN orders o USING (order_id)
		WHERE s.tracking_key = $1 AND ($2 = '' OR lower(s.carrier) = lower($2))
		ORDER BY o.created_at DESC, o.order_id DESC LIMIT 1`, order.TrackingKey(trackingNumber), carrier).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("find order of tracking number %s: %w", trackingNumber, err)
	}
	return id, nil
}

// ListParams filters and pages a list of orders. Zero values do not filter.
type ListParams struct {
	Status         order.Status
	Carrier        string
	TrackingNumber string
	// Email and Phone find a customer's orders (Email case-blind, Phone in E.164).
	Email string
	Phone string
	// OrderID finds one order; a list of one or none, for a search box that does not know
	// what it was given.
	OrderID string
	// Exception keeps only orders with an open exception.
	Exception bool
	// CreatedFrom and CreatedTo keep orders created in [CreatedFrom, CreatedTo).
	CreatedFrom, CreatedTo time.Time
	Limit                  int
	Cursor                 string // from the previous page's Next
}

// OrderPage is one page of orders, newest first. Next is empty on the last page.
type OrderPage struct {
	Orders []order.View `json:"orders"`
	Next   string       `json:"next_cursor,omitempty"`
}

// ListOrders returns orders newest first. Pages are keyed on (created_at, order_id), so orders
// created while a client pages never shift what it sees. Views come without timelines.
//
// A filter that names orders (tracking number, email, phone, order id) is answered from its own
// index (shipments_tracking_key_idx, orders_email_idx, orders_phone_idx, the primary key), so a
// search stays a handful of index reads at any table size; without one the list walks
// orders_created_idx (or orders_status_created_idx) newest first.
func ListOrders(ctx context.Context, ex Executor, p ListParams) (OrderPage, error) {
	if p.Limit <= 0 || p.Limit > 200 {
		p.Limit = 50
	}
	afterAt, afterID, err := DecodeCursor(p.Cursor)
	if err != nil {
		return OrderPage{}, err
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if p.Status != "" {
		where = append(where, "o.status = "+arg(string(p.Status)))
	}
	if p.Carrier != "" {
		where = append(where, "EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id AND lower(s.carrier) = lower("+arg(p.Carrier)+"))")
	}
	if p.TrackingNumber != "" {
		where = append(where, "o.order_id IN (SELECT s.order_id FROM shipments s WHERE s.tracking_key = "+arg(order.TrackingKey(p.TrackingNumber))+")")
	}
	if p.Email != "" {
		where = append(where, "lower(o.customer ->> 'email') = lower("+arg(p.Email)+")")
	}
	if p.Phone != "" {
		where = append(where, "o.customer ->> 'phone' = "+arg(p.Phone))
	}
	if p.OrderID != "" {
		where = append(where, "o.order_id = "+arg(p.OrderID))
	}
	if p.Exception {
		where = append(where, "o.has_open_exception")
	}
	if !p.CreatedFrom.IsZero() {
		where = append(where, "o.created_at >= "+arg(p.CreatedFrom))
	}
	if !p.CreatedTo.IsZero() {
		where = append(where, "o.created_at < "+arg(p.CreatedTo))
	}
	if afterAt != nil {
		where = append(where, "(o.created_at, o.order_id) < ("+arg(*afterAt)+", "+arg(afterID)+")")
	}
	q := "SELECT o.view, o.created_at FROM orders o"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// Only the filters given are in the statement, so each shape of search gets a plan of its
	// own, on its own index; a statement with every filter optional would be planned once,
	// generically, for the case of none.
	rows, err := ex.Query(ctx, q+" ORDER BY o.created_at DESC, o.order_id DESC LIMIT "+arg(p.Limit+1), args...)
	if err != nil {
		return OrderPage{}, fmt.Errorf("list orders: %w", err)
	}
	type row struct {
		view order.View
		at   time.Time
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.view, &x.at)
		return x, err
	})
	if err != nil {
		return OrderPage{}, fmt.Errorf("list orders: %w", err)
	}
	page := OrderPage{Orders: make([]order.View, 0, len(list))}
	for i, x := range list {
		if i == p.Limit {
			last := list[i-1]
			page.Next = EncodeCursor(last.at, last.view.OrderID)
			break
		}
		x.view.Timeline = []order.Entry{}
		page.Orders = append(page.Orders, x.view)
	}
	return page, nil
}

// ShipmentTracking returns the tracking number and carrier of one shipment, for events that
// name the shipment instead (Shopify's fulfillment events).
func ShipmentTracking(ctx context.Context, ex Executor, orderID, shipmentID string) (trackingNumber, carrier string, err error) {
	err = ex.QueryRow(ctx, `SELECT tracking_number, carrier FROM shipments WHERE order_id = $1 AND shipment_id = $2`,
		orderID, shipmentID).Scan(&trackingNumber, &carrier)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("find shipment %s of order %s: %w", shipmentID, orderID, err)
	}
	return trackingNumber, carrier, nil
}

// CountOrders counts the read model's orders whose id starts with prefix, of status st unless
// st is empty. The benchmarks poll it until every order they started is projected.
func CountOrders(ctx context.Context, ex Executor, prefix string, st order.Status) (int, error) {
	var n int
	err := ex.QueryRow(ctx, `SELECT count(*) FROM orders WHERE order_id LIKE $1 || '%' AND ($2 = '' OR status = $2)`,
		prefix, string(st)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count orders %s*: %w", prefix, err)
	}
	return n, nil
}

// DeleteOrders deletes the read model's orders whose id starts with prefix, with their
// shipments, timeline and published events: a benchmark's clean-up after its orders.
func DeleteOrders(ctx context.Context, ex Executor, prefix string) error {
	var errs []error
	for _, table := range []string{"orders", "order_events"} {
		if _, err := ex.Exec(ctx, `DELETE FROM `+table+` WHERE order_id LIKE $1 || '%'`, prefix); err != nil {
			errs = append(errs, fmt.Errorf("delete %s of orders %s*: %w", table, prefix, err))
		}
	}
	return errors.Join(errs...)
}

// Contacts are what the tracking page's lookup form compares a customer's answer with: the
// email and the shipping address's postal code and country on the order, and the order's
// tracking-page token.
type Contacts struct {
	Token, Email, PostalCode, Country string
}

// OrderContacts returns the contacts of orderID, reading only those fields of the view.
func OrderContacts(ctx context.Context, ex Executor, orderID string) (Contacts, error) {
	var c Contacts
	err := ex.QueryRow(ctx, `
		SELECT coalesce(tracking_token, ''), coalesce(view->'customer'->>'email', ''),
			coalesce(view->'shipping_address'->>'postal_code', ''), coalesce(view->'shipping_address'->>'country', '')
		FROM orders WHERE order_id = $1`, orderID).Scan(&c.Token, &c.Email, &c.PostalCode, &c.Country)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("load contacts of order %s: %w", orderID, err)
	}
	return c, nil
}

// OrderCustomer returns the customer of orderID as last projected (name, email, locale), read
// from its own column so a caller that needs only whom to address reads no view or timeline.
func OrderCustomer(ctx context.Context, ex Executor, orderID string) (order.Customer, error) {
	var c order.Customer
	err := ex.QueryRow(ctx, `SELECT customer FROM orders WHERE order_id = $1`, orderID).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("load customer of order %s: %w", orderID, err)
	}
	return c, nil
}

// AppendEntry adds e to the timeline of an order its workflow no longer keeps (it finished),
// numbered after the order's last entry, and returns the order's view as last projected,
// without its timeline. An entry of the same type and event id already there (a retry, or the
// same request taken while the workflow ran) is kept as it is: added is false. The order's
// row is locked until tx ends, so entries appended at once are numbered one after the other.
func AppendEntry(ctx context.Context, tx pgx.Tx, orderID string, e order.Entry) (v order.View, added bool, err error) {
	err = tx.QueryRow(ctx, `SELECT view FROM orders WHERE order_id = $1 FOR UPDATE`, orderID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, ErrNotFound
	}
	if err != nil {
		return v, false, fmt.Errorf("lock order %s: %w", orderID, err)
	}
	if seen, err := HasEntry(ctx, tx, orderID, e.Type, e.EventID); err != nil || seen {
		return v, false, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO tracking_events (order_id, seq, occurred_at, kind, type, shipment_id, tracking_number, substatus, description, location, ignored, note, event_id, source, actor, proof)
		SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
		FROM tracking_events WHERE order_id = $1`,
		orderID, e.At, e.Kind, e.Type, e.ShipmentID, e.TrackingNumber, e.Substatus, e.Description,
		e.Location, e.Ignored, e.Note, e.EventID, e.Source, e.Actor, e.Proof)
	if err != nil {
		return v, false, fmt.Errorf("append entry %s to order %s: %w", e.EventID, orderID, err)
	}
	// Live pages and streams read the timeline again, as after a projection.
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, OrderChanges, orderID); err != nil {
		return v, false, fmt.Errorf("announce order %s: %w", orderID, err)
	}
	return v, true, nil
}

// HasEntry reports whether the order's timeline holds an entry of type typ for eventID.
func HasEntry(ctx context.Context, ex Executor, orderID, typ, eventID string) (bool, error) {
	var seen bool
	err := ex.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tracking_events WHERE order_id = $1 AND type = $2 AND event_id = $3)`,
		orderID, typ, eventID).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("find entry %s of order %s: %w", eventID, orderID, err)
	}
	return seen, nil
}

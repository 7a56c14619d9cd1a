package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Scope is what one request covers: a customer, orders named outright (Shopify's
// orders_to_redact), and with Origin every order from that platform (Shopify's shop/redact).
type Scope struct {
	Subject  Subject      `json:"subject"`
	OrderIDs []string     `json:"order_ids,omitempty"`
	Origin   order.Origin `json:"origin,omitempty"`
}

// Terms are the scope's customer's forms for free-text matching (Subject.Terms).
func (sc Scope) Terms() []string { return sc.Subject.Terms() }

// Target is one order a request covers, with the customer's details as the read model held
// them when it was found: erasure redacts free text by them after the order itself has
// forgotten them.
type Target struct {
	OrderID  string         `json:"order_id"`
	Customer order.Customer `json:"customer"`
	Address  *order.Address `json:"address,omitempty"`
}

// Personal is what identifies t's customer in free text.
func (t Target) Personal(s Subject) order.Personal {
	return order.PersonalOf(t.Customer, t.Address, s.Terms()...)
}

// Find returns the orders sc covers: those whose customer has its email or phone, those a
// message to it was logged for, those named, and with Origin those from that platform.
func Find(ctx context.Context, ex db.Executor, sc Scope) ([]Target, error) {
	ids := sc.OrderIDs
	if ids == nil {
		ids = []string{}
	}
	rows, err := ex.Query(ctx, `
		SELECT o.order_id, o.customer, o.view -> 'shipping_address' FROM orders o
		WHERE ($1 <> '' AND lower(o.customer ->> 'email') = $1) OR ($2 <> '' AND o.customer ->> 'phone' = $2)
		   OR o.order_id = ANY($3) OR ($4 <> '' AND o.view ->> 'origin' = $4)
		   OR o.order_id IN (SELECT n.order_id FROM notifications n
		                     WHERE ($1 <> '' AND lower(n."to") = $1) OR ($2 <> '' AND n."to" = $2))
		ORDER BY o.created_at, o.order_id`,
		sc.Subject.Email, sc.Subject.Phone, ids, string(sc.Origin))
	if err != nil {
		return nil, fmt.Errorf("find orders: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Target, error) {
		var t Target
		err := r.Scan(&t.OrderID, &t.Customer, &t.Address)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("find orders: %w", err)
	}
	// Orders named but never created have no row; their inbound events are still covered.
	for _, id := range sc.OrderIDs {
		if !slices.ContainsFunc(ts, func(t Target) bool { return t.OrderID == id }) {
			ts = append(ts, Target{OrderID: id})
		}
	}
	return ts, nil
}

func orderIDs(ts []Target) []string {
	ids := make([]string, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.OrderID)
	}
	return ids
}

// rowsJSON runs a query whose one column is a row as JSON (to_jsonb).
func rowsJSON(ctx context.Context, ex db.Executor, what, sql string, args ...any) ([]json.RawMessage, error) {
	rows, err := ex.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (json.RawMessage, error) {
		var b []byte
		err := r.Scan(&b)
		return json.RawMessage(b), err
	})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", what, err)
	}
	if out == nil {
		out = []json.RawMessage{}
	}
	return out, nil
}

// matchesAny is the SQL test "column's text holds one of $n's terms", ignoring case.
func matchesAny(column string, param int) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM unnest($%d::text[]) t WHERE t <> '' AND position(lower(t) in lower(%s)) > 0)`, param, column)
}

package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// Step is one table's part of an erasure; each runs in one transaction, and running it again
// changes nothing more.
type Step string

// The steps, in the order an erasure runs them. StepSweep comes last: it looks through every
// text and jsonb column of every table for what the steps before left (a table added since,
// a provider's answer quoting an address) and redacts it.
const (
	StepOrders        Step = "orders"
	StepTimeline      Step = "tracking_events"
	StepEvents        Step = "order_events"
	StepNotifications Step = "notifications"
	StepInbox         Step = "inbound_events"
	StepOptOuts       Step = "opt_outs"
	StepTexts         Step = "inbound_texts"
	StepVoice         Step = "voice_answers"
	StepAudit         Step = "audit_log"
	StepExports       Step = "privacy_requests"
	StepSweep         Step = "sweep"
)

// Steps are every step, in order.
var Steps = []Step{StepOrders, StepTimeline, StepEvents, StepNotifications, StepInbox, StepOptOuts, StepTexts,
	StepVoice, StepAudit, StepExports, StepSweep}

// Redact runs one step of the erasure of sc's customer from targets (Find's, taken before
// the live orders forgot their customer), in one transaction. It returns the rows changed.
func Redact(ctx context.Context, ex db.Executor, step Step, sc Scope, targets []Target) (int64, error) {
	tx, err := ex.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("erase %s: %w", step, err)
	}
	defer tx.Rollback(ctx)
	n, err := redact(ctx, tx, step, sc, targets)
	if err != nil {
		return 0, fmt.Errorf("erase %s: %w", step, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("erase %s: %w", step, err)
	}
	return n, nil
}

func redact(ctx context.Context, tx pgx.Tx, step Step, sc Scope, ts []Target) (int64, error) {
	ids := orderIDs(ts)
	all := allTerms(sc, ts)
	switch step {
	case StepOrders:
		return eachTarget(ts, sc, func(t Target, p order.Personal) (int64, error) { return redactOrder(ctx, tx, t.OrderID, p) })
	case StepTimeline:
		return eachTarget(ts, sc, func(t Target, p order.Personal) (int64, error) { return redactTimeline(ctx, tx, t.OrderID, p) })
	case StepEvents:
		return eachTarget(ts, sc, func(t Target, p order.Personal) (int64, error) {
			n, err := redactJSONRows(ctx, tx, `SELECT ctid::text, data FROM order_events WHERE order_id = $1 FOR UPDATE`, `UPDATE order_events SET data = $1 WHERE ctid = $2::tid`, p, t.OrderID)
			if err != nil {
				return n, err
			}
			m, err := redactJSONRows(ctx, tx, `SELECT ctid::text, data FROM webhook_test_events WHERE order_id = $1 FOR UPDATE`, `UPDATE webhook_test_events SET data = $1 WHERE ctid = $2::tid`, p, t.OrderID)
			return n + m, err
		})
	case StepNotifications:
		// The log keeps that a message was sent, when and how it went; not to whom or what.
		tag, err := tx.Exec(ctx, `UPDATE notifications SET "to" = '', body = '', updated_at = now()
			WHERE (order_id = ANY($1) OR lower("to") = ANY($2)) AND ("to" <> '' OR body <> '')`, ids, all)
		return tag.RowsAffected(), err
	case StepInbox:
		return redactInbox(ctx, tx, sc, ts)
	case StepOptOuts:
		// The customer is forgotten, their consent record with them: a later order brings its
		// own consent (docs/PRIVACY.md).
		tag, err := tx.Exec(ctx, `DELETE FROM opt_outs WHERE lower(address) = ANY($1)`, all)
		return tag.RowsAffected(), err
	case StepTexts:
		tag, err := tx.Exec(ctx, `DELETE FROM inbound_texts WHERE lower(address) = ANY($1)`, all)
		return tag.RowsAffected(), err
	case StepVoice:
		tag, err := tx.Exec(ctx, `DELETE FROM voice_answers WHERE `+matchesAny("answer::text", 1)+` OR `+matchesAny("answer::text", 2), all, quoted(ids))
		return tag.RowsAffected(), err
	case StepAudit:
		// Entries stay (who saw what, when); a subject that was the customer's address goes.
		tag, err := tx.Exec(ctx, `UPDATE audit_log SET subject = $2 WHERE lower(subject) = ANY($1)`, all, order.Erased)
		return tag.RowsAffected(), err
	case StepExports:
		tag, err := tx.Exec(ctx, `UPDATE privacy_requests SET document = NULL, updated_at = now()
			WHERE kind = 'export' AND document IS NOT NULL AND (order_ids && $1 OR `+matchesAny("document", 2)+`)`, ids, all)
		return tag.RowsAffected(), err
	case StepSweep:
		return sweep(ctx, tx, order.PersonalOf(order.Customer{}, nil, all...), all)
	}
	return 0, fmt.Errorf("unknown step %q", step)
}

// allTerms are the customer's email and phone forms: the request's and those each order had.
func allTerms(sc Scope, ts []Target) []string {
	out := sc.Terms()
	for _, t := range ts {
		out = append(out, Subject{Email: order.NormalEmail(t.Customer.Email), Phone: order.E164(t.Customer.Phone)}.Terms()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func eachTarget(ts []Target, sc Scope, f func(Target, order.Personal) (int64, error)) (int64, error) {
	var n int64
	for _, t := range ts {
		m, err := f(t, t.Personal(sc.Subject))
		n += m
		if err != nil {
			return n, fmt.Errorf("order %s: %w", t.OrderID, err)
		}
	}
	return n, nil
}

func redactOrder(ctx context.Context, tx pgx.Tx, id string, p order.Personal) (int64, error) {
	var v order.View
	err := tx.QueryRow(ctx, `SELECT view FROM orders WHERE order_id = $1 FOR UPDATE`, id).Scan(&v)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	v.EraseCustomer(p)
	tag, err := tx.Exec(ctx, `UPDATE orders SET customer = '{}', view = $2 WHERE order_id = $1`, id, v)
	return tag.RowsAffected(), err
}

func redactTimeline(ctx context.Context, tx pgx.Tx, id string, p order.Personal) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT seq, type, description, note, proof FROM tracking_events WHERE order_id = $1 FOR UPDATE`, id)
	if err != nil {
		return 0, err
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (order.Entry, error) {
		var e order.Entry
		err := r.Scan(&e.Seq, &e.Type, &e.Description, &e.Note, &e.Proof)
		return e, err
	})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range es {
		before := e
		e.Erase(p)
		if e.Description == before.Description && e.Note == before.Note && e.Proof == nil && before.Proof == nil {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE tracking_events SET description = $3, note = $4, proof = NULL WHERE order_id = $1 AND seq = $2`,
			id, e.Seq, e.Description, e.Note); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// redactInbox erases the customer from the inbox's deliveries of their orders and from any
// delivery naming them (one whose order never came).
func redactInbox(ctx context.Context, tx pgx.Tx, sc Scope, ts []Target) (int64, error) {
	ids := orderIDs(ts)
	all := allTerms(sc, ts)
	origin := ""
	if sc.Origin == order.OriginShopify {
		origin = inbox.SourceShopify
	}
	rows, err := tx.Query(ctx, `SELECT id, delivery, order_id FROM inbound_events
		WHERE order_id = ANY($1) OR ($3 <> '' AND source = $3) OR `+matchesAny("delivery::text", 2)+` FOR UPDATE`, ids, all, origin)
	if err != nil {
		return 0, err
	}
	type row struct {
		id      int64
		d       inbox.Delivery
		orderID string
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.d, &x.orderID)
		return x, err
	})
	if err != nil {
		return 0, err
	}
	byOrder := map[string]order.Personal{}
	for _, t := range ts {
		byOrder[t.OrderID] = t.Personal(sc.Subject)
	}
	plain := order.PersonalOf(order.Customer{}, nil, all...)
	var n int64
	for _, x := range rs {
		for i := range x.d.Commerce {
			e := &x.d.Commerce[i]
			p, ok := byOrder[e.OrderID]
			if !ok {
				p = order.PersonalOf(custOf(e), e.ShippingAddress, all...)
			}
			e.EraseCustomer(p)
		}
		p, ok := byOrder[x.orderID]
		if !ok {
			p = plain
		}
		for i := range x.d.Tracking {
			x.d.Tracking[i].EraseCustomer(p)
		}
		if _, err := tx.Exec(ctx, `UPDATE inbound_events SET delivery = $2 WHERE id = $1`, x.id, x.d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func custOf(e *order.CommerceEvent) order.Customer {
	if e.Customer == nil {
		return order.Customer{}
	}
	return *e.Customer
}

// redactJSONRows rewrites the jsonb of each row sel finds (ctid as text, the value) with
// scrubJSON, through upd ($1 the value, $2 the ctid).
func redactJSONRows(ctx context.Context, tx pgx.Tx, sel, upd string, p order.Personal, args ...any) (int64, error) {
	rows, err := tx.Query(ctx, sel, args...)
	if err != nil {
		return 0, err
	}
	type row struct {
		ctid string
		v    []byte
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.ctid, &x.v)
		return x, err
	})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, x := range rs {
		out, changed, err := scrubJSON(x.v, p)
		if err != nil || !changed {
			continue // not JSON we can read: the sweep still looks at its text
		}
		if _, err := tx.Exec(ctx, upd, out, x.ctid); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// personalKeys are JSON members that hold a person's details wherever they appear (an order
// view's customer and shipping address, a proof of delivery): scrubJSON empties them.
var personalKeys = map[string]any{
	"customer":          map[string]any{},
	"shipping_address":  nil,
	"billing_address":   nil,
	"proof_of_delivery": nil,
	"proof":             nil,
}

// scrubJSON empties personalKeys and redacts every string by p; it reports whether anything
// changed.
func scrubJSON(b []byte, p order.Personal) ([]byte, bool, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, false, err
	}
	changed := false
	v = scrub(v, p, &changed)
	if !changed {
		return b, false, nil
	}
	out, err := json.Marshal(v)
	return out, true, err
}

func scrub(v any, p order.Personal, changed *bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if empty, ok := personalKeys[k]; ok {
				if e != nil && !isEmptyObject(e) {
					x[k] = empty
					*changed = true
				}
				continue
			}
			x[k] = scrub(e, p, changed)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = scrub(e, p, changed)
		}
		return x
	case string:
		if r := p.Redact(x); r != x {
			*changed = true
			return r
		}
	}
	return v
}

func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

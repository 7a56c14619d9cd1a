package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Document is an export: every place a customer appears, each row as Postgres holds it
// (to_jsonb of the row), and each live order's workflow's own answer.
type Document struct {
	Subject     Subject     `json:"subject"`
	GeneratedAt time.Time   `json:"generated_at"`
	Orders      []OrderData `json:"orders"`
	// Notifications are the messages sent or tried, with their bodies (the notification log).
	Notifications []json.RawMessage `json:"notifications"`
	// InboundEvents are the webhook deliveries stored in the inbox about the customer's
	// orders or naming them, as stored.
	InboundEvents []json.RawMessage `json:"inbound_events"`
	// VoiceAnswers are the voice line's remembered answers that name the customer or their
	// orders (kept a day, for a platform's retry).
	VoiceAnswers []json.RawMessage `json:"voice_answers"`
	// TwoWayTexts are the customer's own texts and the replies given (kept a day).
	TwoWayTexts []json.RawMessage `json:"two_way_texts"`
	OptOuts     []json.RawMessage `json:"opt_outs"`
	// Audit are the audit trail's entries about the customer's orders or naming them.
	Audit []json.RawMessage `json:"audit"`
}

// OrderData is one order: its read model (the order row, shipments, the whole timeline,
// exceptions, the events published to subscribers) and, while the order's workflow runs,
// its status query's answer.
type OrderData struct {
	OrderID    string            `json:"order_id"`
	Order      json.RawMessage   `json:"order,omitempty"`
	Shipments  []json.RawMessage `json:"shipments"`
	Timeline   []json.RawMessage `json:"timeline"`
	Exceptions []json.RawMessage `json:"exceptions"`
	Events     []json.RawMessage `json:"events"`
	// Live is the running workflow's view; absent once the order's workflow has finished.
	Live *order.View `json:"live,omitempty"`
}

// Export gathers everything held about sc's customer. c may be nil: live workflows are not
// asked then.
func Export(ctx context.Context, ex db.Executor, c client.Client, sc Scope, now time.Time) (Document, error) {
	ts, err := Find(ctx, ex, sc)
	if err != nil {
		return Document{}, err
	}
	// The customer's orders may know them by another form too (the phone of an export asked
	// by email): every form any of them has is looked for.
	ids, terms := orderIDs(ts), allTerms(sc, ts)
	d := Document{Subject: sc.Subject, GeneratedAt: now.UTC(), Orders: []OrderData{}}
	for _, t := range ts {
		od, err := exportOrder(ctx, ex, c, t.OrderID)
		if err != nil {
			return Document{}, err
		}
		d.Orders = append(d.Orders, od)
	}
	sections := []struct {
		dst  *[]json.RawMessage
		what string
		sql  string
		args []any
	}{
		{&d.Notifications, "notifications", `SELECT to_jsonb(n) FROM notifications n WHERE n.order_id = ANY($1) OR ` + matchesAny(`n."to"`, 2) + ` ORDER BY n.id`, []any{ids, terms}},
		{&d.InboundEvents, "inbound events", `SELECT to_jsonb(e) FROM inbound_events e WHERE e.order_id = ANY($1) OR ` + matchesAny(`e.delivery::text`, 2) + ` ORDER BY e.id`, []any{ids, terms}},
		{&d.VoiceAnswers, "voice answers", `SELECT to_jsonb(v) FROM voice_answers v WHERE ` + matchesAny(`v.answer::text`, 1) + ` OR ` + matchesAny(`v.answer::text`, 2) + ` ORDER BY v.key`, []any{terms, quoted(ids)}},
		{&d.TwoWayTexts, "two-way texts", `SELECT to_jsonb(x) FROM inbound_texts x WHERE lower(x.address) = ANY($1) ORDER BY x.at`, []any{terms}},
		{&d.OptOuts, "opt-outs", `SELECT to_jsonb(o) FROM opt_outs o WHERE lower(o.address) = ANY($1) ORDER BY o.opted_out_at`, []any{terms}},
		{&d.Audit, "audit entries", `SELECT to_jsonb(a) FROM audit_log a WHERE a.order_id = ANY($1) OR lower(a.subject) = ANY($2) ORDER BY a.id`, []any{ids, terms}},
	}
	for _, s := range sections {
		if *s.dst, err = rowsJSON(ctx, ex, s.what, s.sql, s.args...); err != nil {
			return Document{}, err
		}
	}
	return d, nil
}

// quoted are order ids as JSON strings: an answer names an order as "1001", and a bare id
// would match any number.
func quoted(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		b, _ := json.Marshal(id)
		out[i] = string(b)
	}
	return out
}

func exportOrder(ctx context.Context, ex db.Executor, c client.Client, id string) (OrderData, error) {
	od := OrderData{OrderID: id}
	err := ex.QueryRow(ctx, `SELECT to_jsonb(o) FROM orders o WHERE o.order_id = $1`, id).Scan(&od.Order)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return od, fmt.Errorf("export order %s: %w", id, err)
	}
	for _, s := range []struct {
		dst *[]json.RawMessage
		sql string
	}{
		{&od.Shipments, `SELECT to_jsonb(s) FROM shipments s WHERE s.order_id = $1 ORDER BY s.shipment_id`},
		{&od.Timeline, `SELECT to_jsonb(t) FROM tracking_events t WHERE t.order_id = $1 ORDER BY t.seq`},
		{&od.Exceptions, `SELECT to_jsonb(x) FROM order_exceptions x WHERE x.order_id = $1 ORDER BY x.raised_at`},
		{&od.Events, `SELECT to_jsonb(e) FROM order_events e WHERE e.order_id = $1 ORDER BY e.seq`},
	} {
		if *s.dst, err = rowsJSON(ctx, ex, "order "+id, s.sql, id); err != nil {
			return od, err
		}
	}
	if c == nil {
		return od, nil
	}
	_, running, err := workflows.Running(ctx, c, id)
	if err != nil {
		return od, err
	}
	if running {
		v, err := workflows.QueryOrder(ctx, c, id)
		if err != nil {
			return od, err
		}
		od.Live = &v
	}
	return od, nil
}

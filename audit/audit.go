// Package audit is the audit trail: who read or changed which customer's data, when, and how
// they came. Entries are appended in the same request or activity that does the reading or
// changing, and never updated; retention removes them once they are older than the audit
// retention (docs/PRIVACY.md).
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Action is what an actor did to customer data.
type Action string

// The actions. A read is recorded as well as a change: the question the trail answers is "who
// has seen this customer's details".
const (
	ActionReadOrder        Action = "order.read"      // an order, its timeline, messages or events
	ActionListOrders       Action = "orders.list"     // a search or list of orders
	ActionResolveException Action = "order.resolve"   // an exception resolved
	ActionResend           Action = "order.resend"    // a message sent again
	ActionSetChannels      Action = "order.channels"  // the customer's channels changed
	ActionReplayEvent      Action = "inbound.replay"  // an inbound event replayed
	ActionReadInbound      Action = "inbound.read"    // inbound events listed
	ActionVoiceLookup      Action = "voice.lookup"    // a voice lookup; detail says whether the caller was verified
	ActionExport           Action = "customer.export" // everything held about a customer exported
	ActionErase            Action = "customer.erase"  // a customer erased
	ActionEndpointChange   Action = "endpoint.change" // a webhook endpoint or connector created, changed or deleted
	ActionTokenCreate      Action = "token.create"    // a named token created
	ActionTokenRevoke      Action = "token.revoke"    // a named token revoked
	ActionReadAudit        Action = "audit.read"      // the audit trail read
	ActionPrune            Action = "retention.prune"
	ActionReadDeliveries   Action = "deliveries.read" // a subscriber delivery or an endpoint's deliveries, which carry events' bodies
	ActionDecodePayloads   Action = "payloads.decode" // Temporal payloads opened by the codec server for the Temporal UI or CLI // data past its retention removed
)

// Entry is one line of the trail.
type Entry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Via     access.Via     `json:"via"`
	Action  Action         `json:"action"`
	Subject string         `json:"subject"`            // what was read or changed: an order id, an email, an endpoint id
	OrderID string         `json:"order_id,omitempty"` // set when the subject belongs to one order
	Detail  map[string]any `json:"detail"`
}

// Append writes e, attributed to the actor ctx carries unless e names one. It is called in the
// transaction of the change it records where there is one, so a change and its entry are
// written together or not at all.
func Append(ctx context.Context, ex db.Executor, e Entry) error {
	args, err := insertArgs(ctx, e)
	if err != nil {
		return err
	}
	if _, err := ex.Exec(ctx, insertSQL, args...); err != nil {
		return fmt.Errorf("audit %s of %q: %w", e.Action, e.Subject, err)
	}
	return nil
}

// Queue adds the INSERT of e to b, attributed as Append attributes it, for a caller that
// sends its own writes in the same round trip (the voice line's lookup count).
func Queue(ctx context.Context, b *pgx.Batch, e Entry) error {
	args, err := insertArgs(ctx, e)
	if err != nil {
		return err
	}
	b.Queue(insertSQL, args...)
	return nil
}

// Within runs change in a transaction on ex and appends the entry it returns in the same
// transaction, so a change and its entry are committed together or not at all. A change made
// outside Postgres (an order's workflow update) is made while the transaction is open: the
// entry is committed only if it succeeded, and a Postgres that cannot take the entry has
// refused the transaction before the change is asked for. A change that turned out to change
// nothing returns an entry of no action, and is committed without one.
func Within(ctx context.Context, ex db.Executor, change func(tx pgx.Tx) (Entry, error)) error {
	tx, err := ex.Begin(ctx)
	if err != nil {
		return fmt.Errorf("audit: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	e, err := change(tx)
	if err != nil {
		return err
	}
	if e.Action == "" {
		return tx.Commit(ctx)
	}
	if err := Append(ctx, tx, e); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("audit %s of %q: commit: %w", e.Action, e.Subject, err)
	}
	return nil
}

const insertSQL = `INSERT INTO audit_log (actor, via, action, subject, order_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`

// insertArgs are insertSQL's arguments for e, its actor the context's unless it names one.
func insertArgs(ctx context.Context, e Entry) ([]any, error) {
	if e.Actor == "" {
		a, ok := access.ActorFrom(ctx)
		if !ok {
			return nil, fmt.Errorf("audit %s: no actor", e.Action)
		}
		e.Actor, e.Via = a.Name, a.Via
	}
	detail, err := json.Marshal(e.Detail)
	if err != nil || e.Detail == nil {
		detail = []byte("{}")
	}
	var orderID *string
	if e.OrderID != "" {
		orderID = &e.OrderID
	}
	return []any{order.Clip(e.Actor, MaxActorLen), string(e.Via), string(e.Action), order.Clip(e.Subject, MaxSubjectLen), orderID, detail}, nil
}

// Lengths of what an entry holds: an actor is a token's or platform's name, a subject what a
// person typed into a search at most, so longer ones are cut rather than refused (an access
// is recorded whatever was asked).
const (
	MaxActorLen   = 100
	MaxSubjectLen = 500
)

// Filter selects entries: by order, by actor, or both; Cursor continues a previous page.
type Filter struct {
	OrderID string
	Actor   string
	Cursor  string
	Limit   int
}

// Check holds a filter that came from outside to the rules of what it filters on: an order id
// as orders take it, an actor as printable ASCII, a cursor of bounded length. The error names
// the field.
func (f Filter) Check() error {
	if f.OrderID != "" {
		if err := order.CheckKey("order_id", f.OrderID, order.MaxOrderIDLen); err != nil {
			return err
		}
	}
	if f.Actor != "" {
		if err := order.CheckKey("actor", f.Actor, MaxActorLen); err != nil {
			return err
		}
	}
	if f.Cursor != "" {
		if err := order.CheckKey("cursor", f.Cursor, maxCursorLen); err != nil {
			return err
		}
	}
	return nil
}

// ReadEntry is the entry of a read of the trail through f that saw n entries: its subject the
// order or actor asked about.
func ReadEntry(f Filter, n int) Entry {
	e := Entry{Action: ActionReadAudit, Subject: f.Actor, OrderID: f.OrderID, Detail: map[string]any{"entries": n}}
	if f.OrderID != "" {
		e.Subject = f.OrderID
		if f.Actor != "" {
			e.Detail["actor"] = f.Actor
		}
	}
	if f.Cursor != "" {
		e.Detail["page"] = "next"
	}
	return e
}

// maxCursorLen is longer than any cursor List gives (a timestamp and an id, in base64).
const maxCursorLen = 200

// MaxLimit is the most entries one page holds.
const MaxLimit = 200

// List is a page of entries, newest first, and the cursor of the next page ("" at the end).
func List(ctx context.Context, ex db.Executor, f Filter) ([]Entry, string, error) {
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = MaxLimit
	}
	after, afterID, err := db.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var id int64
	if after != nil {
		if id, err = strconv.ParseInt(afterID, 10, 64); err != nil {
			return nil, "", db.ErrBadCursor
		}
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.OrderID != "" {
		where = append(where, "order_id = "+arg(f.OrderID))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if after != nil {
		where = append(where, "(at, id) < ("+arg(*after)+", "+arg(id)+")")
	}
	q := `SELECT id, at, actor, via, action, subject, COALESCE(order_id, ''), detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// Only the filters given are in the statement, as db.ListOrders does it, so a list by order
	// is planned on audit_log_order_idx (partial: order_id IS NOT NULL) and one by actor on
	// audit_log_actor_idx, each its own plan rather than one generic plan for every filter.
	rows, err := ex.Query(ctx, q+" ORDER BY at DESC, id DESC LIMIT "+arg(f.Limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var via, action string
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &via, &action, &e.Subject, &e.OrderID, &e.Detail); err != nil {
			return nil, "", fmt.Errorf("list audit entries: %w", err)
		}
		e.Via, e.Action = access.Via(via), Action(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list audit entries: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = db.EncodeCursor(last.At, strconv.FormatInt(last.ID, 10))
	}
	return out, next, nil
}

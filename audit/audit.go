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
	"time"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/db"
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
	ActionPrune            Action = "retention.prune" // data past its retention removed
)

// Entry is one line of the trail.
type Entry struct {
	ID      int64
	At      time.Time
	Actor   string
	Via     access.Via
	Action  Action
	Subject string // what was read or changed: an order id, an email, an endpoint id
	OrderID string // set when the subject belongs to one order
	Detail  map[string]any
}

// Append writes e, attributed to the actor ctx carries unless e names one. It is called in the
// transaction of the change it records where there is one, so a change and its entry are
// written together or not at all.
func Append(ctx context.Context, ex db.Executor, e Entry) error {
	if e.Actor == "" {
		a, ok := access.ActorFrom(ctx)
		if !ok {
			return fmt.Errorf("audit %s: no actor", e.Action)
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
	if _, err := ex.Exec(ctx, `INSERT INTO audit_log (actor, via, action, subject, order_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.Actor, string(e.Via), string(e.Action), e.Subject, orderID, detail); err != nil {
		return fmt.Errorf("audit %s of %q: %w", e.Action, e.Subject, err)
	}
	return nil
}

// Filter selects entries: by order, by actor, or both; Cursor continues a previous page.
type Filter struct {
	OrderID string
	Actor   string
	Cursor  string
	Limit   int
}

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
	rows, err := ex.Query(ctx, `
		SELECT id, at, actor, via, action, subject, COALESCE(order_id, ''), detail FROM audit_log
		WHERE ($1 = '' OR order_id = $1) AND ($2 = '' OR actor = $2)
		  AND ($3::timestamptz IS NULL OR (at, id) < ($3, $4))
		ORDER BY at DESC, id DESC LIMIT $5`, f.OrderID, f.Actor, after, id, f.Limit+1)
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

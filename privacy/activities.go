package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/workflows"
)

// Activities are the privacy workflows' I/O.
type Activities struct {
	DB       db.Executor
	Temporal client.Client
	// Secrets seal kept exports (SHIPFLOW_SECRET_KEYS); nil keeps them as plain JSON.
	Secrets *payload.Codec
}

// documentLabel is the sealing label of a kept export (payload.Codec.SealText).
const documentLabel = "privacy_requests.document"

// PrivacyFind finds the orders a request covers.
func (a *Activities) PrivacyFind(ctx context.Context, sc Scope) ([]Target, error) {
	return Find(ctx, a.DB, sc)
}

// PrivacyEraseOrder erases the customer from a running order through its workflow; a
// finished order is redacted in Postgres only (the steps after).
func (a *Activities) PrivacyEraseOrder(ctx context.Context, in Input, orderID string) error {
	_, err := workflows.EraseCustomer(ctx, a.Temporal, orderID, in.ID+"/"+orderID,
		workflows.EraseRequest{By: in.By, Terms: in.Scope.Terms()})
	if errors.Is(err, workflows.ErrOrderNotRunning) {
		return nil
	}
	return err
}

// PrivacyRedact runs one step of an erasure.
func (a *Activities) PrivacyRedact(ctx context.Context, in Input, s Step, ts []Target) (int64, error) {
	return Redact(ctx, a.DB, s, in.Scope, ts)
}

// PrivacyFinish records how a request ended, and for an erasure an audit entry per order.
func (a *Activities) PrivacyFinish(ctx context.Context, in Input, k Kind, st Status, ids []string, errText string) error {
	tx, err := a.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := Finish(ctx, tx, in.ID, st, ids, errText, nil); err != nil {
		return err
	}
	if k == KindErasure && st == StatusDone {
		if err := a.auditOrders(ctx, tx, in, audit.ActionErase, ids); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// auditOrders appends one entry per order, subject the request's id, once: a retried activity
// finds its entries.
func (a *Activities) auditOrders(ctx context.Context, ex db.Executor, in Input, act audit.Action, ids []string) error {
	for _, id := range ids {
		var n int
		if err := ex.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND subject = $2 AND order_id = $3`,
			string(act), in.ID, id).Scan(&n); err != nil {
			return fmt.Errorf("audit %s: %w", act, err)
		}
		if n > 0 {
			continue
		}
		e := audit.Entry{Actor: in.By, Via: in.Via, Action: act, Subject: in.ID, OrderID: id}
		if err := audit.Append(ctx, ex, e); err != nil {
			return err
		}
	}
	return nil
}

// PrivacyKeepExport builds an export and keeps it, sealed when keys are set.
func (a *Activities) PrivacyKeepExport(ctx context.Context, in Input) error {
	d, err := Export(ctx, a.DB, a.Temporal, in.Scope, time.Now())
	if err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode export %s: %w", in.ID, err)
	}
	doc := string(b)
	if a.Secrets != nil {
		if doc, err = a.Secrets.SealText(b, documentLabel); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(d.Orders))
	for _, o := range d.Orders {
		ids = append(ids, o.OrderID)
	}
	tx, err := a.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := Finish(ctx, tx, in.ID, StatusDone, ids, "", &doc); err != nil {
		return err
	}
	if err := a.auditOrders(ctx, tx, in, audit.ActionExport, ids); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// OpenDocument is a kept export's JSON.
func OpenDocument(c *payload.Codec, r Record) (json.RawMessage, error) {
	if r.Document == "" {
		return nil, ErrNotFound
	}
	if json.Valid([]byte(r.Document)) {
		return json.RawMessage(r.Document), nil
	}
	b, err := c.OpenText(r.Document, documentLabel)
	if err != nil {
		return nil, fmt.Errorf("open export %s: %w", r.ID, err)
	}
	return b, nil
}

package retention

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// Batch is one bounded delete of one pass: at most Limit rows older than Cutoff.
type Batch struct {
	Pass   pass      `json:"pass"`
	Cutoff time.Time `json:"cutoff"`
	Limit  int       `json:"limit"`
	// Notifications and Inbox say whether a finished order takes its notification log rows
	// and its finished inbound deliveries with it: only while those kinds are pruned at all,
	// so that a kind kept for ever is kept for ever.
	Notifications bool `json:"notifications,omitempty"`
	Inbox         bool `json:"inbox,omitempty"`
}

// sqlList is a SQL list of string literals, for the status sets the partial indexes of
// migrations 00029 and 00033 name in the same words: a parameter would not match their predicates.
// The values are the packages' constants, never input.
func sqlList[S ~string](vals ...S) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + strings.ReplaceAll(string(v), "'", "''") + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// Statuses of a privacy request that is over (privacy.StatusDone, privacy.StatusFailed):
// package privacy sits a floor above and cannot be imported here; a test holds them equal.
const (
	privacyDone   = "done"
	privacyFailed = "failed"
)

// Statements of the passes but orders: $1 the cutoff, $2 the batch size. Each picks its
// rows oldest first and locked (SKIP LOCKED: a row a relay, a dispatcher or another run holds
// is left for the next batch) and deletes them by key, so a batch is bounded and a retried
// batch only deletes rows still past the cutoff.
var statements = map[pass]string{
	passVoiceAnswers: `DELETE FROM voice_answers WHERE key IN (
		SELECT key FROM voice_answers WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passVoiceAttempts: `DELETE FROM voice_attempts WHERE id IN (
		SELECT id FROM voice_attempts WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passInboundTexts: `DELETE FROM inbound_texts WHERE (provider, message_id) IN (
		SELECT provider, message_id FROM inbound_texts WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passConsoleSessions: `DELETE FROM console_sessions WHERE id_hash IN (
		SELECT id_hash FROM console_sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passInbox: `DELETE FROM inbound_events WHERE id IN (
		SELECT id FROM inbound_events WHERE status IN ` + sqlList(inbox.StatusApplied, inbox.StatusRejected) + `
		AND received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passNotificationBodies: `UPDATE notifications SET body = '' WHERE id IN (
		SELECT id FROM notifications WHERE body <> '' AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	passNotifications: `DELETE FROM notifications WHERE id IN (
		SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	// A digest's lead goes only when no delivery of its set still waits on it.
	passDeliveries: `DELETE FROM webhook_deliveries WHERE id IN (
		SELECT d.id FROM webhook_deliveries d
		WHERE d.status IN ` + sqlList(outbound.DeliveryDelivered, outbound.DeliveryFailed) + ` AND d.updated_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries m WHERE m.digest = d.id AND m.status = '` + string(outbound.DeliveryPending) + `')
		ORDER BY d.updated_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED)`,
	passTestEvents: `DELETE FROM webhook_test_events WHERE id IN (
		SELECT t.id FROM webhook_test_events t
		WHERE t.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = t.id)
		ORDER BY t.created_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED)`,
	passAudit: `DELETE FROM audit_log WHERE id IN (
		SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	// A pending request's workflow still runs and writes the row when it ends; asked again,
	// a request becomes pending again and leaves the index.
	passPrivacyRequests: `DELETE FROM privacy_requests WHERE id IN (
		SELECT id FROM privacy_requests WHERE status IN ` + sqlList(privacyDone, privacyFailed) + `
		AND finished_at < $1 ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
}

// finishedOrders picks a batch of finished orders; the locks hold them until the
// transaction that deletes everything of theirs ends.
var finishedOrders = `SELECT order_id FROM orders WHERE status IN ` + sqlList(order.FinalStatuses()...) + `
	AND updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED`

// Prune runs one batch and returns how many rows it deleted (or, for notification bodies,
// blanked).
func Prune(ctx context.Context, ex db.Executor, b Batch) (int64, error) {
	if b.Limit <= 0 {
		return 0, fmt.Errorf("prune %s: batch size %d", b.Pass, b.Limit)
	}
	if b.Pass == passOrders {
		return pruneOrders(ctx, ex, b)
	}
	stmt, ok := statements[b.Pass]
	if !ok {
		return 0, fmt.Errorf("prune: unknown pass %q", b.Pass)
	}
	tag, err := ex.Exec(ctx, stmt, b.Cutoff, b.Limit)
	if err != nil {
		return 0, fmt.Errorf("prune %s before %s: %w", b.Pass, b.Cutoff.Format(time.RFC3339), err)
	}
	return tag.RowsAffected(), nil
}

// pruneOrders deletes a batch of finished orders with everything of theirs, in one
// transaction: an order is gone whole or not at all. The count is of orders.
func pruneOrders(ctx context.Context, ex db.Executor, b Batch) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, finishedOrders, b.Cutoff, b.Limit)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(ids) == 0 {
			return err
		}
		// Shipments, the timeline and exceptions go by ON DELETE CASCADE, attempts with
		// their deliveries.
		stmts := []string{
			`DELETE FROM webhook_deliveries WHERE order_id = ANY ($1)`,
			`DELETE FROM order_events WHERE order_id = ANY ($1)`,
		}
		if b.Notifications {
			stmts = append(stmts, `DELETE FROM notifications WHERE order_id = ANY ($1)`)
		}
		if b.Inbox {
			stmts = append(stmts, `DELETE FROM inbound_events WHERE order_id = ANY ($1) AND status IN `+sqlList(inbox.StatusApplied, inbox.StatusRejected))
		}
		stmts = append(stmts, `DELETE FROM orders WHERE order_id = ANY ($1)`)
		for _, s := range stmts {
			tag, err := tx.Exec(ctx, s, ids)
			if err != nil {
				return err
			}
			n = tag.RowsAffected() // the last: the orders
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune finished orders before %s: %w", b.Cutoff.Format(time.RFC3339), err)
	}
	return n, nil
}

// Run is one kind's outcome in one run of the workflow, as retention_runs keeps it.
type Run struct {
	Kind Kind `json:"kind"`
	// ID names the run, so that a retried write adds its count once.
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Pruned int64     `json:"pruned"`
}

// auditActor is who the audit trail names for what retention removed.
const auditActor = "retention"

// Record writes r into retention_runs: the kind's last run and its running total. A run that
// removed anything is an entry of the audit trail too (retention.prune, the kind as subject),
// in the same transaction, so that the trail says when data went as well as who saw it; a
// retried write of the same run adds neither twice.
func Record(ctx context.Context, ex db.Executor, r Run) error {
	tx, err := ex.Begin(ctx)
	if err != nil {
		return fmt.Errorf("record the retention run of %s: %w", r.Kind, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	tag, err := tx.Exec(ctx, `
		INSERT INTO retention_runs (kind, last_run_at, last_pruned, total_pruned, last_run) VALUES ($1, $2, $3, $3, $4)
		ON CONFLICT (kind) DO UPDATE SET last_run_at = $2, last_pruned = $3,
			total_pruned = retention_runs.total_pruned + $3, last_run = $4
		WHERE retention_runs.last_run <> $4`, r.Kind, r.At, r.Pruned, r.ID)
	if err != nil {
		return fmt.Errorf("record the retention run of %s: %w", r.Kind, err)
	}
	if tag.RowsAffected() == 1 && r.Pruned > 0 {
		sys := access.System(auditActor)
		e := audit.Entry{Actor: sys.Name, Via: sys.Via, Action: audit.ActionPrune, Subject: string(r.Kind),
			Detail: map[string]any{"rows": r.Pruned, "run": r.ID}}
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("record the retention run of %s: %w", r.Kind, err)
	}
	return nil
}

// Totals are a kind's runs so far.
type Totals struct {
	Kind       Kind
	LastRunAt  time.Time
	LastPruned int64
	Total      int64
}

// ListTotals reads every kind's runs so far.
func ListTotals(ctx context.Context, ex db.Executor) ([]Totals, error) {
	rows, err := ex.Query(ctx, `SELECT kind, last_run_at, last_pruned, total_pruned FROM retention_runs ORDER BY kind`)
	if err != nil {
		return nil, fmt.Errorf("read retention runs: %w", err)
	}
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Totals])
	if err != nil {
		return nil, fmt.Errorf("read retention runs: %w", err)
	}
	return ts, nil
}

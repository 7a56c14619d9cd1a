package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
)

// Kind is what a request does.
type Kind string

// Kinds of request.
const (
	KindErasure Kind = "erasure"
	KindExport  Kind = "export"
)

// Status is how far a request got.
type Status string

// Statuses of a request.
const (
	StatusPending Status = "pending"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Record is a privacy request as GET /v1/privacy/erasures/:id shows it. It never holds the
// customer's email or phone.
type Record struct {
	ID         string     `json:"id"`
	Kind       Kind       `json:"kind"`
	Status     Status     `json:"status"`
	Source     string     `json:"source"`
	Topic      string     `json:"topic,omitempty"`
	OrderIDs   []string   `json:"order_ids"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Document is a kept export (sealed when keys are set); not in the JSON of the record.
	Document string `json:"-"`
}

// ErrNotFound: no request with that id.
var ErrNotFound = errors.New("privacy request not found")

// Begin records a request as pending and reports whether it is new. A request already
// recorded is pending again when again is set (an erasure asked once more after new orders
// came), its error cleared; otherwise (a platform's retried delivery) it stays as it is.
func Begin(ctx context.Context, ex db.Executor, id string, k Kind, source, topic string, again bool) (bool, error) {
	tag, err := ex.Exec(ctx, `INSERT INTO privacy_requests (id, kind, source, topic) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
		id, string(k), source, topic)
	if err != nil {
		return false, fmt.Errorf("record privacy request %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 || !again {
		return tag.RowsAffected() == 1, nil
	}
	if _, err := ex.Exec(ctx, `UPDATE privacy_requests SET status = 'pending', error = '', finished_at = NULL, updated_at = now()
		WHERE id = $1 AND status <> 'pending'`, id); err != nil {
		return false, fmt.Errorf("record privacy request %s: %w", id, err)
	}
	return true, nil
}

// Finish records how a request ended, with the orders it covered and, for a kept export, its
// document.
func Finish(ctx context.Context, ex db.Executor, id string, st Status, orderIDs []string, errText string, document *string) error {
	if orderIDs == nil {
		orderIDs = []string{}
	}
	_, err := ex.Exec(ctx, `
		UPDATE privacy_requests SET status = $2, order_ids = $3, error = $4, document = COALESCE($5, document),
		       updated_at = now(), finished_at = now()
		WHERE id = $1`, id, string(st), orderIDs, errText, document)
	if err != nil {
		return fmt.Errorf("finish privacy request %s: %w", id, err)
	}
	return nil
}

// Get returns a request of kind k.
func Get(ctx context.Context, ex db.Executor, k Kind, id string) (Record, error) {
	var r Record
	var doc *string
	err := ex.QueryRow(ctx, `
		SELECT id, kind, status, source, topic, order_ids, error, created_at, updated_at, finished_at, document
		FROM privacy_requests WHERE id = $1 AND kind = $2`, id, string(k)).
		Scan(&r.ID, &r.Kind, &r.Status, &r.Source, &r.Topic, &r.OrderIDs, &r.Error, &r.CreatedAt, &r.UpdatedAt, &r.FinishedAt, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("load privacy request %s: %w", id, err)
	}
	if doc != nil {
		r.Document = *doc
	}
	return r, nil
}

package outbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
)

// Event is one outbound event the lifecycle published.
type Event struct {
	ID         string          `json:"id,omitempty"` // set when stored: EventID
	OrderID    string          `json:"order_id"`
	Seq        int64           `json:"seq"`
	Type       string          `json:"type"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Data       json.RawMessage `json:"data"`
	CreatedAt  time.Time       `json:"created_at"`
	// Test: an example sent on demand to one endpoint (test.go), stored apart from the orders'
	// events.
	Test bool `json:"test,omitempty"`
}

// EventID is the id subscribers know an event by (webhook-id): stable, so every attempt and
// every endpoint carries the same one, and opaque, so it reveals nothing an order id does not.
// Migration 00006 computes the same for events stored before it.
func EventID(orderID string, seq int64) string {
	return "evt_" + hash(orderID+"/"+strconv.FormatInt(seq, 10))
}

// deliveryID is derived, not random, so that writing an event's deliveries again (a retried
// activity) finds the same rows.
func deliveryID(endpointID, eventID string) string {
	return "dlv_" + hash(endpointID+"/"+eventID)
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// NextSeq is the sequence number of an event published for orderID outside its workflow
// (which numbers its own and has finished): after the order's last. Call it in the
// transaction that records the event, holding a lock that keeps others from numbering the
// order's events meanwhile (db.AppendEntry's).
func NextSeq(ctx context.Context, ex db.Executor, orderID string) (int64, error) {
	var seq int64
	err := ex.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM order_events WHERE order_id = $1`, orderID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("number the next event of order %s: %w", orderID, err)
	}
	return seq, nil
}

// RecordEvent stores an outbound event the lifecycle published and, in the same transaction,
// one delivery for every enabled endpoint subscribed to its type, so an event is never stored
// without its deliveries. (order, seq) is unique: a retried activity finds its event and
// deliveries already there. It returns the deliveries not tried yet, for a dispatcher to try.
func RecordEvent(ctx context.Context, ex db.Executor, e Event) ([]string, error) {
	e.ID = EventID(e.OrderID, e.Seq)
	var ids []string
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO order_events (id, order_id, seq, type, shipment_id, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id, seq) DO NOTHING`,
			e.ID, e.OrderID, e.Seq, e.Type, e.ShipmentID, e.Data, e.CreatedAt)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id, kind FROM webhook_endpoints
			WHERE enabled AND (event_types = '{}' OR $1 = ANY (event_types))`, e.Type)
		if err != nil {
			return err
		}
		type subscriber struct {
			ID   string
			Kind Kind
		}
		endpoints, err := pgx.CollectRows(rows, pgx.RowToStructByPos[subscriber])
		if err != nil {
			return err
		}
		for _, ep := range endpoints {
			var digest *string // NULL: attempted on its own
			if ep.Kind.Feed() {
				w := waitingForDigest
				digest = &w
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, digest)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
				deliveryID(ep.ID, e.ID), ep.ID, e.ID, e.OrderID, e.Seq, e.Type, digest)
			if err != nil {
				return err
			}
		}
		rows, err = tx.Query(ctx, `
			SELECT id FROM webhook_deliveries WHERE event_id = $1 AND status = 'pending' AND attempts = 0 ORDER BY id`, e.ID)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record event %d of order %s: %w", e.Seq, e.OrderID, err)
	}
	return ids, nil
}

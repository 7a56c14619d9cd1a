package outbound

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Test events: POST /v1/webhook-endpoints/{id}/test sends the catalogue's example of a type
// (Catalogue) to one endpoint now, whatever types it subscribes to and whether or not it is
// enabled, so a subscriber can check a receiver before turning it on. The body is the
// example's, with a fresh event id and metadata.test set. It is recorded as a delivery with its
// attempt like any other, and attempted once: a failure is not retried on the schedule, but
// can be retried by hand.

// DefaultTestType is what a test sends when the request names no type.
const DefaultTestType = order.PublishOrderShipped

// testEventPrefix starts the id of every test event, and only theirs: it is how a delivery
// finds its event among the test events rather than the orders' (LoadOutgoing).
const testEventPrefix = "evt_test_"

func isTestEvent(id string) bool { return strings.HasPrefix(id, testEventPrefix) }

// TestEvent reports whether d carries a test event: its order is the catalogue's example, not
// one of the shop's.
func (d Delivery) TestEvent() bool { return isTestEvent(d.EventID) }

// Test events are capped per endpoint, whoever asks, on every replica alike (the count is in
// Postgres): testsPerWindow in any testWindow. A receiver cannot be flooded through the API.
const (
	testsPerWindow = 5
	testWindow     = time.Minute
)

// TestLimitError: the endpoint had its testsPerWindow tests in the last testWindow.
type TestLimitError struct {
	RetryAfter time.Duration
}

func (e *TestLimitError) Error() string {
	return fmt.Sprintf("at most %d test events a minute per endpoint; retry after %s", testsPerWindow, e.RetryAfter)
}

// RecordTestEvent stores a test event of type t for an endpoint and its delivery, pending and
// leased to the caller for its attempt (no dispatcher takes it meanwhile; should the caller
// die, a dispatcher makes the attempt when the lease runs out). It returns the delivery's id,
// db.ErrNotFound for no such endpoint, or a *TestLimitError.
func RecordTestEvent(ctx context.Context, ex db.Executor, endpointID string, t order.PublishType, now time.Time) (string, error) {
	example, ok := ExampleBody(t)
	if !ok {
		return "", fmt.Errorf("no example of event type %s", t)
	}
	e := Event{
		ID: newTestEventID(), OrderID: example.Metadata.OrderID, Seq: example.Metadata.Sequence, Type: example.Type,
		ShipmentID: example.Metadata.ShipmentID, Data: example.Data, CreatedAt: now.UTC(), Test: true,
	}
	id := deliveryID(endpointID, e.ID)
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		// The endpoint's row serialises its tests, so concurrent requests cannot all pass the count.
		var found string
		err := tx.QueryRow(ctx, `SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, endpointID).Scan(&found)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		var n int
		var oldest *time.Time
		err = tx.QueryRow(ctx, `
			SELECT count(*), min(created_at) FROM webhook_test_events
			WHERE endpoint_id = $1 AND created_at > $2`, endpointID, e.CreatedAt.Add(-testWindow)).Scan(&n, &oldest)
		if err != nil {
			return err
		}
		if n >= testsPerWindow && oldest != nil {
			return &TestLimitError{RetryAfter: max(time.Second, oldest.Add(testWindow).Sub(e.CreatedAt)).Round(time.Second)}
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO webhook_test_events (id, endpoint_id, order_id, seq, type, shipment_id, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.ID, endpointID, e.OrderID, e.Seq, e.Type, e.ShipmentID, e.Data, e.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval)`,
			id, endpointID, e.ID, e.OrderID, e.Seq, e.Type, lease)
		return err
	})
	var limit *TestLimitError
	if err != nil && !errors.Is(err, db.ErrNotFound) && !errors.As(err, &limit) {
		return "", fmt.Errorf("record test event for webhook endpoint %s: %w", endpointID, err)
	}
	return id, err
}

// newTestEventID is a fresh id: a receiver deduplicating on webhook-id must see each test.
func newTestEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return testEventPrefix + hex.EncodeToString(b)
}

// SendTest makes a recorded test delivery's one attempt now and records it (Outbox.Pass, as a
// person's retry: no schedule after it).
func (o *Outbox) SendTest(ctx context.Context, deliveryID string) (DeliveryReport, error) {
	return o.Pass(ctx, DeliveryAttempt{DeliveryID: deliveryID, Attempt: 1, Try: 1, Manual: true})
}

package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// ErrUnknownOrder is the type of the non-retryable error of an activity asked about an order
// the read model does not hold.
const ErrUnknownOrder = "UnknownOrder"

// HumanRequestSeen reports whether the order's timeline already holds the call-back request
// id: the order's workflow took it before it finished. It only reads, so a retry answers the
// same, which RecordHumanRequest's own check could not tell after a first attempt of its own.
func (a *Activities) HumanRequestSeen(ctx context.Context, orderID, id string) (bool, error) {
	return db.HasEntry(ctx, a.DB, orderID, order.EntryHumanRequested, id)
}

// RecordHumanRequest records a call-back request for an order whose workflow has finished, as
// the workflow would have: its timeline entry and order.human_requested with the order as last
// projected (a delivery per subscriber, first attempts woken), in one transaction. r is
// cleaned (order.HumanRequest.Clean). A retry finds the entry and records nothing more.
func (a *Activities) RecordHumanRequest(ctx context.Context, orderID string, r order.HumanRequest) error {
	var recorded []string
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		v, added, err := db.AppendEntry(ctx, tx, orderID, r.Entry())
		if err != nil || !added {
			return err
		}
		seq, err := outbound.NextSeq(ctx, tx, orderID)
		if err != nil {
			return err
		}
		v.Timeline = nil
		data, err := json.Marshal(order.EventData{View: v})
		if err != nil {
			return fmt.Errorf("encode order %s: %w", orderID, err)
		}
		recorded, err = outbound.RecordEvent(ctx, tx, outbound.Event{
			OrderID: orderID, Seq: seq, Type: string(order.PublishOrderHumanRequested), Data: data, CreatedAt: r.At,
		})
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("order %s is not in the read model", orderID), ErrUnknownOrder, err)
	}
	if err != nil {
		return fmt.Errorf("record call-back request %s for order %s: %w", r.ID, orderID, err)
	}
	if len(recorded) > 0 && a.Outbox != nil {
		a.Outbox.Wake()
	}
	return nil
}

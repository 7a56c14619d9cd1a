package twoway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// Two-way texts own inbound_texts (db/migrations/00019_two_way_texts.sql), so its queries
// live here; the orders are the read model's, read by the customer's phone.

// finalStatuses are order.FinalStatuses as query text.
var finalStatuses = func() []string {
	var ss []string
	for _, s := range order.FinalStatuses() {
		ss = append(ss, string(s))
	}
	return ss
}()

// ordersOf returns the open orders of phone, newest first, up to limit, and how many are
// open in all; when none is, the latest order finished since `since`, and 0.
func ordersOf(ctx context.Context, ex db.Executor, phone string, limit int, since time.Time) ([]order.View, int, error) {
	rows, err := ex.Query(ctx, `
		SELECT view, count(*) OVER () FROM orders
		WHERE customer ->> 'phone' = $1 AND status <> ALL($2)
		ORDER BY created_at DESC, order_id DESC LIMIT $3`, phone, finalStatuses, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("find orders of %s: %w", notify.Mask(phone), err)
	}
	var views []order.View
	open := 0
	for rows.Next() {
		var v order.View
		if err := rows.Scan(&v, &open); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("read orders of %s: %w", notify.Mask(phone), err)
		}
		views = append(views, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find orders of %s: %w", notify.Mask(phone), err)
	}
	if len(views) > 0 {
		return views, open, nil
	}
	var v order.View
	err = ex.QueryRow(ctx, `
		SELECT view FROM orders
		WHERE customer ->> 'phone' = $1 AND status = ANY($2) AND updated_at > $3
		ORDER BY updated_at DESC, order_id DESC LIMIT 1`, phone, finalStatuses, since).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("find finished orders of %s: %w", notify.Mask(phone), err)
	}
	return []order.View{v}, 0, nil
}

// answered returns the reply remembered for a provider's message, if it was seen.
func answered(ctx context.Context, ex db.Executor, provider, messageID string) (string, bool, error) {
	var reply string
	err := ex.QueryRow(ctx, `SELECT reply FROM inbound_texts WHERE provider = $1 AND message_id = $2`, provider, messageID).Scan(&reply)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("find inbound text %s: %w", messageID, err)
	}
	return reply, true, nil
}

// answeredSince reports whether address was answered on channel within the last d.
func answeredSince(ctx context.Context, ex db.Executor, ch order.Channel, address string, d time.Duration) (bool, error) {
	var yes bool
	err := ex.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM inbound_texts
			WHERE channel = $1 AND address = $2 AND reply <> '' AND at > now() - $3 * interval '1 millisecond')`,
		ch, address, d.Milliseconds()).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("count answers to %s: %w", notify.Mask(address), err)
	}
	return yes, nil
}

// remember records in and the reply it got ("" for none), and deletes the messages past
// keep, so the table needs no sweep of its own.
func remember(ctx context.Context, ex db.Executor, in Inbound, address, reply string) error {
	_, err := ex.Exec(ctx, `
		WITH forgotten AS (DELETE FROM inbound_texts WHERE at < now() - $6 * interval '1 millisecond')
		INSERT INTO inbound_texts (provider, message_id, channel, address, reply) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (provider, message_id) DO NOTHING`,
		in.Provider, in.MessageID, in.Channel, address, reply, keep.Milliseconds())
	if err != nil {
		return fmt.Errorf("record inbound text %s: %w", in.MessageID, err)
	}
	return nil
}

// claimSend marks a message's reply as being sent and reports whether this call did: false
// when another call (a retry of the webhook, in any replica) already took it.
func claimSend(ctx context.Context, ex db.Executor, provider, messageID string) (bool, error) {
	tag, err := ex.Exec(ctx, `UPDATE inbound_texts SET sent_at = now() WHERE provider = $1 AND message_id = $2 AND sent_at IS NULL`,
		provider, messageID)
	if err != nil {
		return false, fmt.Errorf("claim the reply to %s: %w", messageID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// releaseSend gives a reply whose send failed for now back to the next retry of the webhook.
func releaseSend(ctx context.Context, ex db.Executor, provider, messageID string) error {
	if _, err := ex.Exec(ctx, `UPDATE inbound_texts SET sent_at = NULL WHERE provider = $1 AND message_id = $2`, provider, messageID); err != nil {
		return fmt.Errorf("release the reply to %s: %w", messageID, err)
	}
	return nil
}

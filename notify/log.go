package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Status of a logged notification.
type Status string

// Statuses of a logged notification.
const (
	StatusQueued      Status = "queued"
	StatusSending     Status = "sending"
	StatusSent        Status = "sent"
	StatusDelivered   Status = "delivered"
	StatusUndelivered Status = "undelivered"
	StatusFailed      Status = "failed"
	StatusSuppressed  Status = "suppressed" // the address opted out
	StatusSkipped     Status = "skipped"    // the channel is switched off
	StatusLogged      Status = "logged"     // dev mode's log channel
	StatusUnknown     Status = "unknown"    // a send may have reached the provider before a crash
	StatusSuperseded  Status = "superseded" // held for quiet hours, and stale by morning
)

// done reports whether a message in status s needs nothing more from a sender.
func (s Status) done() bool {
	switch s {
	case StatusQueued, StatusSending:
		return false
	}
	return true
}

// Entry is one row of the notification log: what the order API shows staff.
type Entry struct {
	ID                int64  `json:"id"`
	Key               string `json:"-"`
	OrderID           string `json:"order_id"`
	Milestone         string `json:"milestone"`
	ShipmentID        string `json:"shipment_id,omitempty"`
	Channel           string `json:"channel"`
	To                string `json:"to"`
	Template          string `json:"template"`
	Locale            string `json:"locale,omitempty"`
	Body              string `json:"body"`
	Provider          string `json:"provider"`
	ProviderMessageID string `json:"provider_message_id"`
	Status            Status `json:"status"`
	Error             string `json:"error"`
	// Failover names the providers that failed before Provider took the message, and why.
	Failover  string    `json:"failover,omitempty"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Log is the notification log in Postgres. It is a struct over a db.Executor, as the inbox is,
// rather than functions taking one: the Service and the API hold one log and call it
// throughout, and NewLog over a caller's transaction puts its writes in that transaction.
type Log struct{ db db.Executor }

// NewLog returns the log over ex: the pool, or a transaction to write in.
func NewLog(ex db.Executor) *Log { return &Log{db: ex} }

const entryColumns = `id, idempotency_key, order_id, milestone, shipment_id, channel, "to", template, locale, body,
	provider, provider_message_id, status, error, failover, attempts, created_at, updated_at`

func scanEntry(r pgx.Row) (Entry, error) {
	var e Entry
	err := r.Scan(&e.ID, &e.Key, &e.OrderID, &e.Milestone, &e.ShipmentID, &e.Channel, &e.To, &e.Template, &e.Locale,
		&e.Body, &e.Provider, &e.ProviderMessageID, &e.Status, &e.Error, &e.Failover, &e.Attempts, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// begin writes e unless a row with its key exists, and returns the row as stored: the new
// one, or the one an earlier attempt wrote.
func (l *Log) begin(ctx context.Context, e Entry) (Entry, error) {
	row := l.db.QueryRow(ctx, `
		INSERT INTO notifications (idempotency_key, order_id, milestone, shipment_id, channel, "to", template, locale, body, provider, status, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING `+entryColumns,
		e.Key, e.OrderID, e.Milestone, e.ShipmentID, e.Channel, e.To, e.Template, e.Locale, e.Body, e.Provider, e.Status, e.Error)
	stored, err := scanEntry(row)
	if errors.Is(err, pgx.ErrNoRows) {
		stored, err = scanEntry(l.db.QueryRow(ctx, `SELECT `+entryColumns+` FROM notifications WHERE idempotency_key = $1`, e.Key))
	}
	if err != nil {
		return Entry{}, fmt.Errorf("log notification %s: %w", e.Key, err)
	}
	return stored, nil
}

// MilestoneReply is the milestone and template of a logged answer to a customer's own text
// (package twoway): not one of the order's milestones, which the order's workflow sends.
const MilestoneReply = "reply"

// Record writes e, a message sent other than through the Service (an answer given in a
// provider's webhook response), unless a row with its key exists, and returns the row as
// stored. Its fields are shipflow's own; the caller keys it so that a retried webhook finds
// the first row.
func (l *Log) Record(ctx context.Context, e Entry) (Entry, error) { return l.begin(ctx, e) }

// claim moves a queued message to sending, so that exactly one attempt calls the provider. It
// reports false when the message is not queued (another attempt holds it, or it is done).
func (l *Log) claim(ctx context.Context, id int64) (bool, error) {
	tag, err := l.db.Exec(ctx, `
		UPDATE notifications SET status = 'sending', attempts = attempts + 1, updated_at = now()
		WHERE id = $1 AND status = 'queued'`, id)
	if err != nil {
		return false, fmt.Errorf("claim notification %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// set records a status change, with the provider's answer when there is one.
func (l *Log) set(ctx context.Context, id int64, st Status, sent Sent, errText string) error {
	errText = order.CleanText(errText, order.MaxTextLen) // a provider's words, whatever bytes they hold
	_, err := l.db.Exec(ctx, `
		UPDATE notifications SET status = $2, error = $3,
			provider = COALESCE(NULLIF($4, ''), provider),
			provider_message_id = COALESCE(NULLIF($5, ''), provider_message_id),
			failover = COALESCE(NULLIF($6, ''), failover),
			updated_at = now()
		WHERE id = $1`, id, st, errText, sent.Provider, sent.MessageID, order.CleanText(sent.Failover, order.MaxTextLen))
	if err != nil {
		return fmt.Errorf("update notification %d: %w", id, err)
	}
	return nil
}

// Receipt applies a provider's delivery report to the message it sent. Receipts arrive out
// of order (delivered before sent), so a final status is never overwritten by an earlier one.
func (l *Log) Receipt(ctx context.Context, provider, messageID string, st Status, errText string) (bool, error) {
	// A receipt's fields come from a webhook: text Postgres cannot hold must not turn into a
	// 500 that the provider retries for ever.
	if order.CheckText("message id", messageID, order.MaxIDLen) != nil {
		return false, nil // no message of ours has such an id
	}
	errText = order.CleanText(errText, order.MaxTextLen)
	tag, err := l.db.Exec(ctx, `
		UPDATE notifications SET status = $3, error = CASE WHEN $4 = '' THEN error ELSE $4 END, updated_at = now()
		WHERE provider = $1 AND provider_message_id = $2
		  AND NOT (status IN ('delivered', 'undelivered', 'failed') AND $3 IN ('sent', 'unknown'))`,
		provider, messageID, st, errText)
	if err != nil {
		return false, fmt.Errorf("apply %s receipt for %s: %w", provider, messageID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// ForOrder lists every notification of an order, oldest first.
func (l *Log) ForOrder(ctx context.Context, orderID string) ([]Entry, error) {
	rows, err := l.db.Query(ctx, `SELECT `+entryColumns+` FROM notifications WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("list notifications of order %s: %w", orderID, err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
	if err != nil {
		return nil, fmt.Errorf("list notifications of order %s: %w", orderID, err)
	}
	return entries, nil
}

// Get returns the logged message id of order orderID, or ErrNotLogged: a message of another
// order is not found, so an id taken from one order's page cannot act on another's.
func (l *Log) Get(ctx context.Context, orderID string, id int64) (Entry, error) {
	e, err := scanEntry(l.db.QueryRow(ctx, `SELECT `+entryColumns+` FROM notifications WHERE id = $1 AND order_id = $2`, id, orderID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, ErrNotLogged
	}
	if err != nil {
		return Entry{}, fmt.Errorf("load notification %d of order %s: %w", id, orderID, err)
	}
	return e, nil
}

// optOutAddress is how an address is kept in opt_outs: an email address in lower case, as
// mailbox providers and SendGrid's events write it whatever the shop stored.
func optOutAddress(channel, address string) string {
	if channel == string(order.ChannelEmail) {
		return strings.ToLower(address)
	}
	return address
}

// AddressOf is the channel and address of the logged message with key, for an unsubscribe
// link that carries the key rather than the address.
func (l *Log) AddressOf(ctx context.Context, key string) (channel, address string, err error) {
	err = l.db.QueryRow(ctx, `SELECT channel, "to" FROM notifications WHERE idempotency_key = $1`, key).Scan(&channel, &address)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotLogged
	}
	if err != nil {
		return "", "", fmt.Errorf("find notification %s: %w", key, err)
	}
	return channel, address, nil
}

// ErrNotLogged: no message with that key is in the log.
var ErrNotLogged = errors.New("no such message in the notification log")

// OptOut records that address does not want messages on channel any more.
func (l *Log) OptOut(ctx context.Context, channel, address, source string) error {
	address = optOutAddress(channel, address)
	_, err := l.db.Exec(ctx, `
		INSERT INTO opt_outs (channel, address, source) VALUES ($1, $2, $3)
		ON CONFLICT (channel, address) DO NOTHING`, channel, address, source)
	if err != nil {
		return fmt.Errorf("opt out %s: %w", Mask(address), err)
	}
	return nil
}

// OptIn removes an opt-out (the customer texted START).
func (l *Log) OptIn(ctx context.Context, channel, address string) error {
	address = optOutAddress(channel, address)
	if _, err := l.db.Exec(ctx, `DELETE FROM opt_outs WHERE channel = $1 AND address = $2`, channel, address); err != nil {
		return fmt.Errorf("opt in %s: %w", Mask(address), err)
	}
	return nil
}

// OptedOut reports whether address opted out of channel.
func (l *Log) OptedOut(ctx context.Context, channel, address string) (bool, error) {
	address = optOutAddress(channel, address)
	var out bool
	err := l.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM opt_outs WHERE channel = $1 AND address = $2)`, channel, address).Scan(&out)
	if err != nil {
		return false, fmt.Errorf("check opt-out of %s: %w", Mask(address), err)
	}
	return out, nil
}

// claimUnknown takes up to limit messages that have been unknown since before cutoff, oldest
// first, and stamps them now: another check, in this worker or another, leaves a taken
// message alone until it is as old as cutoff again, so each is looked at once, and one whose
// check died half-way is looked at again later.
func (l *Log) claimUnknown(ctx context.Context, cutoff time.Time, limit int) ([]Entry, error) {
	rows, err := l.db.Query(ctx, `
		UPDATE notifications SET updated_at = now()
		WHERE id IN (
			SELECT id FROM notifications WHERE status = 'unknown' AND updated_at < $1
			ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		  AND status = 'unknown' AND updated_at < $1
		RETURNING `+entryColumns, cutoff, limit)
	if err != nil {
		return nil, fmt.Errorf("claim unknown notifications: %w", err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
	if err != nil {
		return nil, fmt.Errorf("claim unknown notifications: %w", err)
	}
	return entries, nil
}

// resolve gives an unknown message its status. It reports false when the message is no longer
// unknown: a receipt came meanwhile, and says more than the check can.
func (l *Log) resolve(ctx context.Context, id int64, st Status, errText string) (bool, error) {
	errText = order.CleanText(errText, order.MaxTextLen) // may carry a provider's words
	tag, err := l.db.Exec(ctx, `
		UPDATE notifications SET status = $2, error = $3, updated_at = now()
		WHERE id = $1 AND status = 'unknown'`, id, st, errText)
	if err != nil {
		return false, fmt.Errorf("resolve notification %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

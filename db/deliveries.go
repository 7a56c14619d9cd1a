package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shipflow/shipflow/order"
)

// DeliveryStatus is where one event's delivery to one endpoint stands.
type DeliveryStatus string

// Delivery statuses. A pending delivery is being tried: its first attempt by a dispatcher,
// anything after by its workflow. A failed one is tried no more, and waits for a person
// (retry, recover) or nothing.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

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

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID            string         `json:"id"`
	EndpointID    string         `json:"endpoint_id"`
	EventID       string         `json:"event_id"`
	OrderID       string         `json:"order_id"`
	Seq           int64          `json:"sequence"`
	Type          string         `json:"event_type"`
	Status        DeliveryStatus `json:"status"`
	Attempts      int            `json:"attempts"`
	NextAttemptAt *time.Time     `json:"next_attempt_at,omitempty"`
	LastError     string         `json:"last_error,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	// Log is every attempt, oldest first; only a single delivery's read fills it.
	Log []Attempt `json:"attempt_log,omitempty"`
}

// Attempt is one try at a delivery, as the receiver answered it.
type Attempt struct {
	Attempt     int       `json:"attempt"`
	At          time.Time `json:"attempted_at"`
	StatusCode  int       `json:"status_code,omitempty"` // 0: no answer
	LatencyMS   float64   `json:"latency_ms"`
	Body        string    `json:"response_body,omitempty"` // the first 4 KiB, as SafeText
	Error       string    `json:"error,omitempty"`
	Outcome     string    `json:"outcome"`
	DeliveryID  string    `json:"-"`
	Final       bool      `json:"-"` // the schedule is exhausted: a failure fails the delivery
	NextAttempt time.Time `json:"-"` // when the next attempt is due, unless delivered or final
	Gone        bool      `json:"-"` // the receiver answered 410: disable the endpoint
}

// Caps on the text an attempt keeps of a receiver's answer. The receiver chooses every byte of
// it, so it is stored only through SafeText.
const (
	// MaxResponseBody is how much of an answer's body is kept: enough to show why an endpoint
	// refused a delivery, small enough to keep with every attempt.
	MaxResponseBody = 4 << 10
	// MaxErrorText caps an attempt's error and a delivery's last_error: a transport error can
	// quote the receiver (a certificate's names, a malformed status line, a Location header).
	MaxErrorText = 1 << 10
)

// SafeText turns text a remote party chose into text Postgres can store and a person can read
// in the API: every NUL and other control character but tab, newline and carriage return, every
// character that reorders or hides text (bidirectional overrides), and every byte that is not
// UTF-8, becomes U+FFFD (one per run), and the result is cut at a whole character to at most
// max bytes. Postgres refuses NUL in text and jsonb and invalid UTF-8
// anywhere, and a refused write of an attempt is what once had a receiver sent the same webhook
// thousands of times; replacing keeps what a person needs (the readable part) where a bytea
// column would show them base64. Clean text comes back unchanged, so applying it twice is the
// same as once.
func SafeText(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max && clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max))
	replaced := false // the last thing written is a replacement: a run makes one
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if (r == utf8.RuneError && n == 1) || !printable(r) {
			if replaced {
				continue
			}
			r, replaced = utf8.RuneError, true
		} else {
			replaced = false
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func clean(s string) bool {
	for _, r := range s { // invalid UTF-8 reads as RuneError, which then fails the check below
		if !printable(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// printable is what SafeText keeps: what order.UnsafeRune allows, and the white space that
// lays out a body.
func printable(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || !order.UnsafeRune(r)
}

// Refused reports whether Postgres refused a statement for what it holds (a data exception, a
// violated constraint, an invalid statement): sending the same again would be refused again, so
// it is not worth a retry. Anything else, a lost connection or a serialization failure, may pass
// next time.
func Refused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "22", "23", "42", "0A": // data exception, integrity constraint, syntax or access rule, not supported
		return true
	}
	return false
}

// RecordEvent stores an outbound event the lifecycle published and, in the same transaction,
// one delivery for every enabled endpoint subscribed to its type, so an event is never stored
// without its deliveries. (order, seq) is unique: a retried activity finds its event and
// deliveries already there. It returns the deliveries not tried yet, for a dispatcher to try.
func RecordEvent(ctx context.Context, pool *pgxpool.Pool, e Event) ([]string, error) {
	e.ID = EventID(e.OrderID, e.Seq)
	var ids []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO order_events (id, order_id, seq, type, shipment_id, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id, seq) DO NOTHING`,
			e.ID, e.OrderID, e.Seq, e.Type, e.ShipmentID, e.Data, e.CreatedAt)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id FROM webhook_endpoints
			WHERE enabled AND (event_types = '{}' OR $1 = ANY (event_types))`, e.Type)
		if err != nil {
			return err
		}
		endpoints, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, ep := range endpoints {
			_, err := tx.Exec(ctx, `
				INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
				deliveryID(ep, e.ID), ep, e.ID, e.OrderID, e.Seq, e.Type)
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

// Outgoing is everything one attempt needs: the delivery, its endpoint and its event.
type Outgoing struct {
	Delivery Delivery
	Endpoint Endpoint
	Event    Event
}

// LoadOutgoing reads a delivery with its endpoint and event, or ErrNotFound when the delivery
// is gone (its endpoint was deleted).
func LoadOutgoing(ctx context.Context, pool *pgxpool.Pool, id string) (Outgoing, error) {
	var o Outgoing
	row := pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id)
	d, err := scanDelivery(row)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return o, err
		}
		return o, fmt.Errorf("load webhook delivery %s: %w", id, err)
	}
	o.Delivery = d
	if o.Endpoint, err = GetEndpoint(ctx, pool, d.EndpointID); err != nil {
		return o, err
	}
	err = pool.QueryRow(ctx, `SELECT id, order_id, seq, type, shipment_id, data, created_at FROM order_events WHERE id = $1`, d.EventID).
		Scan(&o.Event.ID, &o.Event.OrderID, &o.Event.Seq, &o.Event.Type, &o.Event.ShipmentID, &o.Event.Data, &o.Event.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("load event %s of delivery %s: %w", d.EventID, id, err)
	}
	return o, nil
}

// EndpointNotice is an endpoint an attempt disabled, for staff to hear about.
type EndpointNotice struct {
	EndpointID   string     `json:"endpoint_id"`
	URL          string     `json:"url"`
	Reason       string     `json:"reason"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
}

// RecordAttempt logs an attempt and moves its delivery and endpoint on, in one transaction. A
// success clears the endpoint's run of failures; a failure starts one, and disables the
// endpoint when it has lasted disableAfter or the receiver answered 410. The notice is set
// only when this attempt disabled the endpoint, so staff hear of it once; the delivery then
// fails, as the endpoint takes no more attempts. Recording the same
// attempt again (a retried activity) overwrites it. The answer's body and the error are stored
// through SafeText, whatever bytes the receiver sent.
func RecordAttempt(ctx context.Context, pool *pgxpool.Pool, a Attempt, disableAfter time.Duration) (*EndpointNotice, error) {
	status, next := DeliveryPending, &a.NextAttempt
	switch {
	case a.Outcome == "delivered":
		status, next = DeliveryDelivered, nil
	case a.Final || a.Gone:
		status, next = DeliveryFailed, nil
	}
	a.Body, a.Error = SafeText(a.Body, MaxResponseBody), SafeText(a.Error, MaxErrorText)
	var notice *EndpointNotice
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, latency_ms, response_body, error, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (delivery_id, attempt) DO UPDATE SET attempted_at = $3, status_code = $4, latency_ms = $5,
				response_body = $6, error = $7, outcome = $8`,
			a.DeliveryID, a.Attempt, a.At, a.StatusCode, a.LatencyMS, a.Body, a.Error, a.Outcome)
		if err != nil {
			return err
		}
		var endpointID string
		err = tx.QueryRow(ctx, `
			UPDATE webhook_deliveries SET status = $2, attempts = GREATEST(attempts, $3), next_attempt_at = $4,
				last_error = $5, failed_passes = 0, updated_at = now()
			WHERE id = $1 RETURNING endpoint_id`,
			a.DeliveryID, status, a.Attempt, next, lastError(a)).Scan(&endpointID)
		if err != nil {
			return err
		}
		if status == DeliveryDelivered {
			_, err = tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, endpointID)
			return err
		}
		var n EndpointNotice
		err = tx.QueryRow(ctx, `
			UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2)
			WHERE id = $1 RETURNING url, failing_since`, endpointID, a.At).Scan(&n.URL, &n.FailingSince)
		if err != nil {
			return err
		}
		switch {
		case a.Gone:
			n.Reason = fmt.Sprintf("the endpoint answered 410 Gone at %s", a.At.UTC().Format(time.RFC3339))
		case !a.At.Before(n.FailingSince.Add(disableAfter)):
			n.Reason = fmt.Sprintf("every delivery failed since %s", n.FailingSince.UTC().Format(time.RFC3339))
		default:
			return nil
		}
		tag, err := tx.Exec(ctx, `
			UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
			WHERE id = $1 AND enabled`, endpointID, n.Reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		n.EndpointID = endpointID
		notice = &n
		// The endpoint takes no more attempts, so this delivery's schedule ends here.
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE id = $1`, a.DeliveryID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record attempt %d of delivery %s: %w", a.Attempt, a.DeliveryID, err)
	}
	return notice, nil
}

func lastError(a Attempt) string {
	switch {
	case a.Outcome == "delivered":
		return ""
	case a.Error != "":
		return a.Error
	case a.StatusCode != 0:
		return "HTTP " + strconv.Itoa(a.StatusCode)
	}
	return a.Outcome
}

// FailDelivery ends a delivery without an attempt, saying why: its endpoint was disabled
// before its turn came. Recover sends it once the endpoint is back.
func FailDelivery(ctx context.Context, pool *pgxpool.Pool, id, reason string) error {
	_, err := pool.Exec(ctx, `
		UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = $2, updated_at = now()
		WHERE id = $1`, id, SafeText(reason, MaxErrorText))
	if err != nil {
		return fmt.Errorf("fail webhook delivery %s: %w", id, err)
	}
	return nil
}

// MarkRetried records that a person's retry of d (as read before its run was started) is
// under way in its workflow: pending, owned by the workflow, with a new count of failed passes
// (a person's retry gets every pass a new delivery gets). It is called only once the run has
// started, so a row is never marked for a run that does not exist; and it changes the row only
// if nothing has since (status, attempts and updated_at as read), so a run that has already
// recorded its attempt, or failed the delivery, is not overwritten by a pending nobody will
// finish. It reports whether it marked the row.
func MarkRetried(ctx context.Context, pool *pgxpool.Pool, d Delivery) (bool, error) {
	tag, err := pool.Exec(ctx, `
		UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), workflow = true, lease_until = NULL,
			failed_passes = 0, updated_at = now()
		WHERE id = $1 AND status = $2 AND attempts = $3 AND updated_at = $4`, d.ID, d.Status, d.Attempts, d.UpdatedAt)
	if err != nil {
		return false, fmt.Errorf("mark webhook delivery %s retried: %w", d.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// FailedSince returns every delivery to an endpoint that failed and was created at or after
// since, oldest first: what recover re-sends. It changes nothing: each is marked (MarkRetried)
// only once its retry has started, so a recovery cut short leaves the rest failed, for the
// next request to find.
func FailedSince(ctx context.Context, pool *pgxpool.Pool, endpointID string, since time.Time) ([]Delivery, error) {
	rows, err := pool.Query(ctx, `
		SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2
		ORDER BY created_at, id`, endpointID, since)
	if err != nil {
		return nil, fmt.Errorf("failed deliveries of endpoint %s: %w", endpointID, err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("failed deliveries of endpoint %s: %w", endpointID, err)
	}
	return ds, nil
}

const deliveryColumns = `id, endpoint_id, event_id, order_id, seq, type, status, attempts, next_attempt_at, last_error, created_at, updated_at`

func scanDelivery(r pgx.Row) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.OrderID, &d.Seq, &d.Type, &d.Status, &d.Attempts,
		&d.NextAttemptAt, &d.LastError, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// GetDelivery returns one delivery with its attempt log, or ErrNotFound.
func GetDelivery(ctx context.Context, pool *pgxpool.Pool, id string) (Delivery, error) {
	d, err := scanDelivery(pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return d, err
		}
		return d, fmt.Errorf("load webhook delivery %s: %w", id, err)
	}
	rows, err := pool.Query(ctx, `
		SELECT attempt, attempted_at, status_code, latency_ms, response_body, error, outcome
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`, id)
	if err != nil {
		return d, fmt.Errorf("load attempts of webhook delivery %s: %w", id, err)
	}
	d.Log, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attempt, error) {
		var a Attempt
		err := r.Scan(&a.Attempt, &a.At, &a.StatusCode, &a.LatencyMS, &a.Body, &a.Error, &a.Outcome)
		return a, err
	})
	if err != nil {
		return d, fmt.Errorf("load attempts of webhook delivery %s: %w", id, err)
	}
	return d, nil
}

// DeliveryParams filters and pages an endpoint's deliveries. Zero values do not filter.
type DeliveryParams struct {
	Status DeliveryStatus
	Limit  int
	Cursor string // from the previous page's Next
}

// DeliveryPage is one page of deliveries, newest first. Next is empty on the last page.
type DeliveryPage struct {
	Deliveries []Delivery `json:"deliveries"`
	Next       string     `json:"next_cursor,omitempty"`
}

// ListDeliveries returns an endpoint's deliveries newest first, without attempt logs.
func ListDeliveries(ctx context.Context, pool *pgxpool.Pool, endpointID string, p DeliveryParams) (DeliveryPage, error) {
	if p.Limit <= 0 || p.Limit > 200 {
		p.Limit = 50
	}
	afterAt, afterID, err := decodeCursor(p.Cursor)
	if err != nil {
		return DeliveryPage{}, err
	}
	rows, err := pool.Query(ctx, `
		SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = $1 AND ($2 = '' OR status = $2)
		  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
		ORDER BY created_at DESC, id DESC
		LIMIT $5`, endpointID, string(p.Status), afterAt, afterID, p.Limit+1)
	if err != nil {
		return DeliveryPage{}, fmt.Errorf("list deliveries of endpoint %s: %w", endpointID, err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return DeliveryPage{}, fmt.Errorf("list deliveries of endpoint %s: %w", endpointID, err)
	}
	page := DeliveryPage{Deliveries: ds}
	if len(ds) > p.Limit {
		last := ds[p.Limit-1]
		page.Deliveries, page.Next = ds[:p.Limit], encodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

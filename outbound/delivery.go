package outbound

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
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
	// Digest is the delivery that leads the digest this one was sent in (itself for the lead),
	// for a staff feed's deliveries (digest.go); empty otherwise and while one waits for its
	// digest.
	Digest string `json:"digest,omitempty"`
	// Log is every attempt, oldest first; only a single delivery's read fills it.
	Log []AttemptRecord `json:"attempt_log,omitempty"`
}

// AttemptRecord is one try at a delivery, as the receiver answered it: the attempt log's row.
type AttemptRecord struct {
	Attempt     int       `json:"attempt"`
	At          time.Time `json:"attempted_at"`
	StatusCode  int       `json:"status_code,omitempty"` // 0: no answer
	LatencyMS   float64   `json:"latency_ms"`
	Body        string    `json:"response_body,omitempty"` // the first 4 KiB, as db.SafeText
	Error       string    `json:"error,omitempty"`
	Outcome     string    `json:"outcome"`
	DeliveryID  string    `json:"-"`
	Final       bool      `json:"-"` // the schedule is exhausted: a failure fails the delivery
	NextAttempt time.Time `json:"-"` // when the next attempt is due, unless delivered or final
	Gone        bool      `json:"-"` // the receiver answered 410: disable the endpoint
	// Members are the other deliveries of the digest DeliveryID leads: the attempt is recorded
	// with each of them too.
	Members []string `json:"-"`
}

// Outgoing is everything one attempt needs: the delivery, its endpoint and its event; for the
// lead of a digest, every event of the digest and the other deliveries it stands for.
type Outgoing struct {
	Delivery Delivery
	Endpoint Endpoint
	Event    Event
	// Digest is every event of the digest the delivery leads, oldest first, its own included;
	// nil for a delivery sent on its own.
	Digest []Event
	// Members are the digest's deliveries besides the lead.
	Members []string
	// Credentials are a connector's credentials, opened for this attempt (connector.go); nil
	// for any other kind.
	Credentials map[string]string
}

// Events are what the attempt carries: the digest's events, or the delivery's one.
func (o Outgoing) Events() []Event {
	if len(o.Digest) > 0 {
		return o.Digest
	}
	return []Event{o.Event}
}

// LoadOutgoing reads a delivery with its endpoint and event, or db.ErrNotFound when the delivery
// is gone (its endpoint was deleted).
func LoadOutgoing(ctx context.Context, ex db.Executor, id string) (Outgoing, error) {
	var o Outgoing
	row := ex.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id)
	d, err := scanDelivery(row)
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return o, err
		}
		return o, fmt.Errorf("load webhook delivery %s: %w", id, err)
	}
	o.Delivery = d
	if o.Endpoint, err = GetEndpoint(ctx, ex, d.EndpointID); err != nil {
		return o, err
	}
	table := "order_events"
	if o.Event.Test = isTestEvent(d.EventID); o.Event.Test {
		table = "webhook_test_events"
	}
	err = ex.QueryRow(ctx, `SELECT id, order_id, seq, type, shipment_id, data, created_at FROM `+table+` WHERE id = $1`, d.EventID).
		Scan(&o.Event.ID, &o.Event.OrderID, &o.Event.Seq, &o.Event.Type, &o.Event.ShipmentID, &o.Event.Data, &o.Event.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, db.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("load event %s of delivery %s: %w", d.EventID, id, err)
	}
	if d.Digest == d.ID {
		if o.Digest, o.Members, err = loadDigest(ctx, ex, d.ID); err != nil {
			return o, err
		}
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
// through db.SafeText, whatever bytes the receiver sent.
func RecordAttempt(ctx context.Context, ex db.Executor, a AttemptRecord, disableAfter time.Duration) (*EndpointNotice, error) {
	status, next := DeliveryPending, &a.NextAttempt
	switch {
	case a.Outcome == "delivered":
		status, next = DeliveryDelivered, nil
	case a.Final || a.Gone:
		status, next = DeliveryFailed, nil
	}
	a.Body, a.Error = db.SafeText(a.Body, db.MaxResponseBody), db.SafeText(a.Error, db.MaxErrorText)
	var notice *EndpointNotice
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, latency_ms, response_body, error, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (delivery_id, attempt) DO UPDATE SET attempted_at = $3, status_code = $4, latency_ms = $5,
				response_body = $6, error = $7, outcome = $8`,
			a.DeliveryID, a.Attempt, a.At, a.StatusCode, a.LatencyMS, a.Body, a.Error, a.Outcome)
		if err != nil {
			return err
		}
		if len(a.Members) > 0 {
			if err := recordMembers(ctx, tx, a, status, next); err != nil {
				return err
			}
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
		var ep Endpoint
		err = tx.QueryRow(ctx, `
			UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2)
			WHERE id = $1 RETURNING url, kind, failing_since`, endpointID, a.At).Scan(&ep.URL, &ep.Kind, &n.FailingSince)
		if err != nil {
			return err
		}
		n.URL = ep.ShownURL() // a feed's URL is a secret: staff chats see it masked
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
		// The endpoint takes no more attempts, so this delivery's schedule ends here (and its
		// digest's).
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE id = $1 OR digest = $1`, a.DeliveryID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record attempt %d of delivery %s: %w", a.Attempt, a.DeliveryID, err)
	}
	return notice, nil
}

func lastError(a AttemptRecord) string {
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

// FailDelivery ends a delivery (and the digest it leads) without an attempt, saying why: its
// endpoint was disabled before its turn came. Recover sends it once the endpoint is back.
func FailDelivery(ctx context.Context, ex db.Executor, id, reason string) error {
	_, err := ex.Exec(ctx, `
		UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = $2, updated_at = now()
		WHERE id = $1 OR digest = $1`, id, db.SafeText(reason, db.MaxErrorText))
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
// finish. It reports whether it marked the row. The deliveries of the digest d leads are
// marked pending with it: the retry re-sends the same set.
func MarkRetried(ctx context.Context, ex db.Executor, d Delivery) (bool, error) {
	marked := false
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), workflow = true, lease_until = NULL,
				failed_passes = 0, updated_at = now()
			WHERE id = $1 AND status = $2 AND attempts = $3 AND updated_at = $4`, d.ID, d.Status, d.Attempts, d.UpdatedAt)
		if err != nil || tag.RowsAffected() != 1 {
			return err
		}
		marked = true
		if d.Digest != d.ID {
			return nil
		}
		_, err = tx.Exec(ctx, `
			UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
			WHERE digest = $1 AND id <> $1`, d.ID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("mark webhook delivery %s retried: %w", d.ID, err)
	}
	return marked, nil
}

// FailedSince returns every delivery to an endpoint that failed and was created at or after
// since, oldest first: what recover re-sends. A digest is retried through its lead, so a
// digest's other deliveries stand for their lead here, once. It changes nothing: each is
// marked (MarkRetried) only once its retry has started, so a recovery cut short leaves the
// rest failed, for the next request to find.
func FailedSince(ctx context.Context, ex db.Executor, endpointID string, since time.Time) ([]Delivery, error) {
	rows, err := ex.Query(ctx, `
		SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = $1 AND status = 'failed' AND (digest IS NULL OR digest = id)
			AND (created_at >= $2 OR id IN (
				SELECT digest FROM webhook_deliveries
				WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2 AND digest <> ''))
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

const deliveryColumns = `id, endpoint_id, event_id, order_id, seq, type, status, attempts, next_attempt_at, last_error, created_at, updated_at, COALESCE(digest, '')`

func scanDelivery(r pgx.Row) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.OrderID, &d.Seq, &d.Type, &d.Status, &d.Attempts,
		&d.NextAttemptAt, &d.LastError, &d.CreatedAt, &d.UpdatedAt, &d.Digest)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, db.ErrNotFound
	}
	return d, err
}

// GetDelivery returns one delivery with its attempt log, or db.ErrNotFound.
func GetDelivery(ctx context.Context, ex db.Executor, id string) (Delivery, error) {
	d, err := scanDelivery(ex.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return d, err
		}
		return d, fmt.Errorf("load webhook delivery %s: %w", id, err)
	}
	rows, err := ex.Query(ctx, `
		SELECT attempt, attempted_at, status_code, latency_ms, response_body, error, outcome
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`, id)
	if err != nil {
		return d, fmt.Errorf("load attempts of webhook delivery %s: %w", id, err)
	}
	d.Log, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AttemptRecord, error) {
		var a AttemptRecord
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
func ListDeliveries(ctx context.Context, ex db.Executor, endpointID string, p DeliveryParams) (DeliveryPage, error) {
	if p.Limit <= 0 || p.Limit > 200 {
		p.Limit = 50
	}
	afterAt, afterID, err := db.DecodeCursor(p.Cursor)
	if err != nil {
		return DeliveryPage{}, err
	}
	rows, err := ex.Query(ctx, `
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
		page.Deliveries, page.Next = ds[:p.Limit], db.EncodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// OrderDeliveries returns the deliveries of one order's events, to every endpoint, newest
// first and at most limit of them, without attempt logs: what the order caused subscribers
// to receive. They are read from webhook_deliveries_order_idx (migration 00024).
func OrderDeliveries(ctx context.Context, ex db.Executor, orderID string, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := ex.Query(ctx, `
		SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE order_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, orderID, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries of order %s: %w", orderID, err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("list deliveries of order %s: %w", orderID, err)
	}
	return ds, nil
}

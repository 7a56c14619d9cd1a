package outbound

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/payload"
)

// Kind is how an attempt reaches a destination: each kind has its Transport, and reuses
// everything else here (the outbox, the first attempt, the retry schedule, the attempt log, the
// disable rule, manual retry and recover, the management API).
type Kind string

// Kinds of destination; migration 00021's CHECK lists the same (connector.go has the platforms').
const (
	// KindWebhook is a signed Standard Webhooks POST to a subscriber's URL (docs/reference/outbound-webhooks.md).
	KindWebhook Kind = "webhook"
	// KindSlack, KindTeams and KindGoogleChat are staff milestone feeds (docs/reference/feeds.md):
	// digests posted to a Slack incoming webhook, a Microsoft Teams Workflows webhook or a
	// Google Chat space webhook.
	KindSlack      Kind = "slack"
	KindTeams      Kind = "teams"
	KindGoogleChat Kind = "googlechat"
)

// Kinds are every kind of destination but the platform connectors (connector.go, each there
// once its transport is), in the order the API documents them.
var Kinds = []Kind{KindWebhook, KindSlack, KindTeams, KindGoogleChat}

// Feed reports whether k is a staff milestone feed: its deliveries wait for a digest
// (digest.go), nothing is signed, and its URL is a secret the API never shows whole.
func (k Kind) Feed() bool { return k == KindSlack || k == KindTeams || k == KindGoogleChat }

// Signs reports whether k's requests are signed with the endpoint's secret: only a webhook's
// are (a feed's or a Zapier hook's URL is its secret, a connector authenticates with its
// credentials), so only a webhook's secret is worth showing a person.
func (k Kind) Signs() bool { return k == KindWebhook }

// Endpoint is a subscriber's destination: a webhook endpoint or a staff milestone feed.
type Endpoint struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	EventTypes  []string  `json:"event_types"`
	Secret      string    `json:"secret,omitempty"` // a feed's is never shown: nothing is signed with it
	Enabled     bool      `json:"enabled"`
	Disabled    string    `json:"disabled_reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Previous signs alongside Secret until PreviousUntil, after a rotation.
	Previous      string     `json:"-"`
	PreviousUntil *time.Time `json:"-"`
	// FailingSince is when the endpoint's current run of failed attempts began; nil after a
	// success. Five days of nothing else disables it.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	// Headers are sent with every attempt. They are never encoded whole: the API shows them
	// through Headers.Masked.
	Headers Headers `json:"-"`
	// Credentials are a connector's, sealed (credentials.go); nil for a webhook or a feed.
	Credentials Credentials `json:"-"`
	// URLSealed is a secret URL (Kind.SecretURL) whole and sealed, URL then being its masked
	// form; "" when URL is whole (secrets.go). Secret, Previous and the values of Headers are
	// sealed too as the store returns them: Open opens them all.
	URLSealed string `json:"-"`
}

// Secrets are the keys a delivery is signed with at t: the current one, and the previous one
// for a day after a rotation.
func (e Endpoint) Secrets(t time.Time) []string {
	if e.Previous != "" && e.PreviousUntil != nil && t.Before(*e.PreviousUntil) {
		return []string{e.Secret, e.Previous}
	}
	return []string{e.Secret}
}

// NewSecret is a Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func newEndpointID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "ep_" + base64.RawURLEncoding.EncodeToString(b)
}

const endpointColumns = `id, kind, url, description, event_types, secret, enabled, disabled_reason, created_at, updated_at, previous_secret, previous_secret_until, failing_since, headers, credentials, COALESCE(url_sealed, '')`

func scanEndpoint(r pgx.Row) (Endpoint, error) {
	var e Endpoint
	err := r.Scan(&e.ID, &e.Kind, &e.URL, &e.Description, &e.EventTypes, &e.Secret, &e.Enabled, &e.Disabled, &e.CreatedAt, &e.UpdatedAt, &e.Previous, &e.PreviousUntil, &e.FailingSince, &e.Headers, &e.Credentials, &e.URLSealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, db.ErrNotFound
	}
	return e, err
}

// CreateEndpoint stores a new endpoint with a fresh secret and no headers of its own, sealed
// with c (secrets.go). Like every store function it returns the endpoint sealed: Open opens it.
func CreateEndpoint(ctx context.Context, ex db.Executor, c *payload.Codec, url, description string, eventTypes []string) (Endpoint, error) {
	return CreateEndpointWith(ctx, ex, c, url, description, eventTypes, nil)
}

// CreateEndpointWith stores a new endpoint with a fresh secret and headers h, which the caller
// has checked (CheckHeaders), sealed with c.
func CreateEndpointWith(ctx context.Context, ex db.Executor, c *payload.Codec, url, description string, eventTypes []string, h Headers) (Endpoint, error) {
	return CreateEndpointOf(ctx, ex, c, KindWebhook, url, description, eventTypes, h)
}

// CreateEndpointOf stores a new destination of kind k with a fresh secret (unused by a feed)
// and headers h, which the caller has checked (CheckHeaders, CheckFeedURL), sealed with c.
func CreateEndpointOf(ctx context.Context, ex db.Executor, c *payload.Codec, k Kind, url, description string, eventTypes []string, h Headers) (Endpoint, error) {
	return createEndpoint(ctx, ex, c, k, url, description, eventTypes, h, nil)
}

// CreateConnector stores a new connector of kind k with its credentials, sealed
// (sealCredentials), which the caller has checked (checkCredentials, the connector's Check).
func CreateConnector(ctx context.Context, ex db.Executor, c *payload.Codec, k Kind, url, description string, eventTypes []string, creds Credentials) (Endpoint, error) {
	return createEndpoint(ctx, ex, c, k, url, description, eventTypes, nil, creds)
}

func createEndpoint(ctx context.Context, ex db.Executor, c *payload.Codec, k Kind, url, description string, eventTypes []string, h Headers, creds Credentials) (Endpoint, error) {
	if eventTypes == nil {
		eventTypes = []string{}
	}
	secret, err := sealString(c, NewSecret(), labelSecret)
	if err != nil {
		return Endpoint{}, err
	}
	if h, err = sealHeaders(c, h); err != nil {
		return Endpoint{}, err
	}
	shownURL, sealedURL, err := sealURL(c, k, url)
	if err != nil {
		return Endpoint{}, err
	}
	e, err := scanEndpoint(ex.QueryRow(ctx, `
		INSERT INTO webhook_endpoints (id, kind, url, description, event_types, secret, headers, credentials, url_sealed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING `+endpointColumns, newEndpointID(), k, shownURL, description, eventTypes, secret, map[string]string(h), sqlJSON(creds), sealedURL))
	if err != nil {
		return e, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

// GetEndpoint returns one endpoint, or db.ErrNotFound.
func GetEndpoint(ctx context.Context, ex db.Executor, id string) (Endpoint, error) {
	e, err := scanEndpoint(ex.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1`, id))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return e, fmt.Errorf("load webhook endpoint %s: %w", id, err)
	}
	return e, err
}

// ListEndpoints returns every endpoint, oldest first.
func ListEndpoints(ctx context.Context, ex db.Executor) ([]Endpoint, error) {
	rows, err := ex.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return es, nil
}

// EndpointChange is a partial update; nil fields stay as they are.
type EndpointChange struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	EventTypes  *[]string `json:"event_types"`
	Enabled     *bool     `json:"enabled"`
	// Headers, when set, is called in the update's transaction with the endpoint's headers,
	// locked and sealed, and returns the ones to store, sealed (a PATCH's merge, checked); an
	// error ends the update with nothing changed.
	Headers func(Headers) (Headers, error) `json:"-"`
	// Credentials, when set, replace a connector's, sealed.
	Credentials Credentials `json:"-"`
	// URLSealed, when set, is the new URL whole and sealed, URL its masked form (sealURL).
	URLSealed *string `json:"-"`
}

// UpdateEndpoint applies c. Re-enabling an endpoint clears why it was disabled and its run of
// failures, so it gets five fresh days.
func UpdateEndpoint(ctx context.Context, ex db.Executor, id string, c EndpointChange) (Endpoint, error) {
	if c.Headers == nil {
		return updateEndpoint(ctx, ex, id, c, nil)
	}
	var e Endpoint
	err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		var cur Headers
		err := tx.QueryRow(ctx, `SELECT headers FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update webhook endpoint %s: %w", id, err)
		}
		h, err := c.Headers(cur)
		if err != nil {
			return err
		}
		m := map[string]string(h)
		if m == nil {
			m = map[string]string{}
		}
		e, err = updateEndpoint(ctx, tx, id, c, m)
		return err
	})
	return e, err
}

// updateEndpoint is UpdateEndpoint's one statement; headers nil leaves them as they are.
func updateEndpoint(ctx context.Context, ex db.Executor, id string, c EndpointChange, headers map[string]string) (Endpoint, error) {
	var h any // SQL NULL, not JSON null, when the headers stay
	if headers != nil {
		h = headers
	}
	e, err := scanEndpoint(ex.QueryRow(ctx, `
		UPDATE webhook_endpoints SET
			url = COALESCE($2, url), description = COALESCE($3, description),
			event_types = COALESCE($4, event_types), enabled = COALESCE($5, enabled),
			disabled_reason = CASE WHEN $5 THEN '' ELSE disabled_reason END,
			failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
			headers = COALESCE($6, headers), credentials = COALESCE($7, credentials),
			url_sealed = COALESCE($8, url_sealed), updated_at = now()
		WHERE id = $1 RETURNING `+endpointColumns, id, c.URL, c.Description, c.EventTypes, c.Enabled, h, sqlJSON(c.Credentials), c.URLSealed))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return e, fmt.Errorf("update webhook endpoint %s: %w", id, err)
	}
	return e, err
}

// DeleteEndpoint removes an endpoint.
func DeleteEndpoint(ctx context.Context, ex db.Executor, id string) error {
	tag, err := ex.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return db.ErrNotFound
	}
	return nil
}

// RotateSecret gives an endpoint a new secret, sealed with c; the old one keeps signing for
// overlap, so a receiver verifying with either key accepts every delivery while it switches.
// The old one moves to previous_secret, so it is opened and sealed again under that column's
// label, in one transaction with the row locked.
func RotateSecret(ctx context.Context, ex db.Executor, c *payload.Codec, id string, overlap time.Duration) (Endpoint, error) {
	secret, err := sealString(c, NewSecret(), labelSecret)
	if err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err = pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		var cur string
		err := tx.QueryRow(ctx, `SELECT secret FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, id).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		// A secret the keys no longer open signs nothing already: the rotation drops it.
		var previous string
		if plain, err := openString(c, cur, labelSecret); err == nil {
			if previous, err = sealString(c, plain, labelPrevious); err != nil {
				return err
			}
		}
		e, err = scanEndpoint(tx.QueryRow(ctx, `
			UPDATE webhook_endpoints SET previous_secret = $3, secret = $2,
				previous_secret_until = now() + $4 * interval '1 second', updated_at = now()
			WHERE id = $1 RETURNING `+endpointColumns, id, secret, previous, overlap.Seconds()))
		return err
	})
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return e, fmt.Errorf("rotate secret of webhook endpoint %s: %w", id, err)
	}
	return e, err
}

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
)

// Kind is how an attempt reaches a destination: each kind has its Transport. The API shows no
// kind: every endpoint it manages is a webhook, and later kinds reuse everything else here.
type Kind string

// Kinds of destination; migration 00014's CHECK lists the same.
const (
	// KindWebhook is a signed Standard Webhooks POST to a subscriber's URL (docs/reference/outbound-webhooks.md).
	KindWebhook Kind = "webhook"
)

// Endpoint is a subscriber's destination: a webhook endpoint, for now the only kind.
type Endpoint struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"-"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	EventTypes  []string  `json:"event_types"`
	Secret      string    `json:"secret"`
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

const endpointColumns = `id, kind, url, description, event_types, secret, enabled, disabled_reason, created_at, updated_at, previous_secret, previous_secret_until, failing_since`

func scanEndpoint(r pgx.Row) (Endpoint, error) {
	var e Endpoint
	err := r.Scan(&e.ID, &e.Kind, &e.URL, &e.Description, &e.EventTypes, &e.Secret, &e.Enabled, &e.Disabled, &e.CreatedAt, &e.UpdatedAt, &e.Previous, &e.PreviousUntil, &e.FailingSince)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, db.ErrNotFound
	}
	return e, err
}

// CreateEndpoint stores a new endpoint with a fresh secret.
func CreateEndpoint(ctx context.Context, ex db.Executor, url, description string, eventTypes []string) (Endpoint, error) {
	if eventTypes == nil {
		eventTypes = []string{}
	}
	e, err := scanEndpoint(ex.QueryRow(ctx, `
		INSERT INTO webhook_endpoints (id, url, description, event_types, secret) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+endpointColumns, newEndpointID(), url, description, eventTypes, NewSecret()))
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
}

// UpdateEndpoint applies c. Re-enabling an endpoint clears why it was disabled and its run of
// failures, so it gets five fresh days.
func UpdateEndpoint(ctx context.Context, ex db.Executor, id string, c EndpointChange) (Endpoint, error) {
	e, err := scanEndpoint(ex.QueryRow(ctx, `
		UPDATE webhook_endpoints SET
			url = COALESCE($2, url), description = COALESCE($3, description),
			event_types = COALESCE($4, event_types), enabled = COALESCE($5, enabled),
			disabled_reason = CASE WHEN $5 THEN '' ELSE disabled_reason END,
			failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
			updated_at = now()
		WHERE id = $1 RETURNING `+endpointColumns, id, c.URL, c.Description, c.EventTypes, c.Enabled))
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

// RotateSecret gives an endpoint a new secret; the old one keeps signing for overlap, so a
// receiver verifying with either key accepts every delivery while it switches.
func RotateSecret(ctx context.Context, ex db.Executor, id string, overlap time.Duration) (Endpoint, error) {
	e, err := scanEndpoint(ex.QueryRow(ctx, `
		UPDATE webhook_endpoints SET previous_secret = secret, secret = $2,
			previous_secret_until = now() + $3 * interval '1 second', updated_at = now()
		WHERE id = $1 RETURNING `+endpointColumns, id, NewSecret(), overlap.Seconds()))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return e, fmt.Errorf("rotate secret of webhook endpoint %s: %w", id, err)
	}
	return e, err
}

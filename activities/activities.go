// Package activities is where shipflow's workflows touch the outside world: Postgres, carriers,
// messaging providers and staff tools. (Events for subscribers are package outbound's, which
// keeps its own activities next to its delivery workflow.) Every activity is idempotent,
// because Temporal retries it after a timeout or a worker crash and a retry must never write a
// second row, send a second message or open a second ticket.
package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/track"
)

// Activities holds the clients the activities use. Its methods are registered with the worker.
type Activities struct {
	DB *pgxpool.Pool
	// Outbox records the events orders publish (Persist).
	Outbox    *outbound.Outbox
	Notifier  Notifier
	Escalator Escalator
	Tracker   track.Tracker
	// Registrars are the tracking providers parcels are registered with, in the order the
	// poller prefers them; Carriers is the carrier table they name carriers by (nil: none,
	// and every provider is left to detect the carrier).
	Registrars []track.Registrar
	Carriers   *carrier.Table
	// Alerters are the configured staff chats by name; Tickets is Zendesk or Freshdesk, nil when off.
	Alerters map[string]escalate.Alerter
	Tickets  escalate.Tickets
	// TicketPublicComments opens each ticket for the order's customer and tells them, in a
	// public comment, what is going on (ZENDESK_PUBLIC_COMMENTS; only Zendesk acts on it).
	TicketPublicComments bool
	// PublicURL and TrackingSecret make the links staff alerts carry; tracking links go to
	// TrackingPageURL when the page has its own address (SHIPFLOW_TRACKING_PAGE_URL), as the
	// customer's messages do.
	PublicURL       string
	TrackingSecret  string
	TrackingPageURL string
	// Estimates are the merchant's delivery estimate rules (EstimateDelivery); nil is off.
	Estimates *estimate.Rules
	// ChannelFallback sends a milestone refused for good on one of the customer's channels on
	// their next channel (SHIPFLOW_CHANNEL_FALLBACK).
	ChannelFallback bool
}

// DatabaseCheck is what CheckDatabase saw.
type DatabaseCheck struct {
	ServerTime    time.Time `json:"server_time"`
	SchemaVersion int64     `json:"schema_version"`
}

// CheckDatabase reads the clock and schema version from Postgres. The self-test workflow runs it
// to prove a worker can reach the database, not only Temporal.
func (a *Activities) CheckDatabase(ctx context.Context) (DatabaseCheck, error) {
	var r DatabaseCheck
	var err error
	if r.SchemaVersion, r.ServerTime, err = db.Applied(ctx, a.DB); err != nil {
		return r, fmt.Errorf("check database: %w", err)
	}
	return r, nil
}

package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// Project writes an order's snapshot to the read model. Snapshots carry a revision, so a retry
// that lands after a newer snapshot changes nothing. Once the read model knows the order and
// its tracking numbers, inbound deliveries that arrived too early are woken to be relayed.
func (a *Activities) Project(ctx context.Context, s db.Snapshot) error {
	s.TrackingToken = tracklink.Token(a.TrackingSecret, s.View.OrderID)
	if _, err := db.SaveOrder(ctx, a.DB, s); err != nil {
		return err
	}
	tracking := make([]string, 0, len(s.View.Shipments))
	for _, sh := range s.View.Shipments {
		tracking = append(tracking, sh.TrackingNumber)
	}
	_, err := inbox.WakeFor(ctx, a.DB, s.View.OrderID, tracking)
	return err
}

// Notification asks for one customer message about a milestone on one channel, with what
// the message may say, taken from the order when the milestone happened.
type Notification struct {
	OrderID    string          `json:"order_id"`
	Milestone  order.Milestone `json:"milestone"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Channel    order.Channel   `json:"channel,omitempty"`
	// Channels is set instead of Channel by runs recorded before sends were per channel.
	Channels  []order.Channel   `json:"channels,omitempty"`
	Customer  order.Customer    `json:"customer"`
	Shipments []ShipmentSummary `json:"shipments,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	// DelayReason is set instead of Reason for a driver's delay: the customer is told its
	// fixed sentence, never the driver's words.
	DelayReason order.DelayReason `json:"delay_reason,omitempty"`
	// Superseded, when set, says why the message is not to be sent after all (it waited out
	// the customer's quiet hours and the order moved on meanwhile): the Notifier only logs it.
	Superseded string `json:"superseded,omitempty"`
}

// ShipmentSummary is what a message may say about one shipment.
type ShipmentSummary struct {
	ID             string               `json:"id"`
	Carrier        string               `json:"carrier"`
	TrackingNumber string               `json:"tracking_number"`
	Items          []string             `json:"items,omitempty"` // item names
	ETA            *time.Time           `json:"eta,omitempty"`
	Status         order.ShipmentStatus `json:"status"`
	City           string               `json:"city,omitempty"`
}

// Notifier tells a customer about a milestone on n.Channel. It must send at most once per
// (order, milestone, shipment, channel), because the activity calling it is retried, and
// must fail with a non-retryable error when retrying cannot help.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// SendNotification carries out a Notify effect on one channel.
func (a *Activities) SendNotification(ctx context.Context, n Notification) error {
	return a.Notifier.Notify(ctx, n)
}

// Notify is the activity runs recorded before per-channel sends still schedule on replay: it
// sends on each of n.Channels in turn.
func (a *Activities) Notify(ctx context.Context, n Notification) error {
	for _, ch := range n.Channels {
		one := n
		one.Channel, one.Channels = ch, nil
		if err := a.Notifier.Notify(ctx, one); err != nil {
			return err
		}
	}
	return nil
}

// ExceptionChange says an order's exception opened or closed.
type ExceptionChange struct {
	OrderID    string          `json:"order_id"`
	Open       bool            `json:"open"`
	Exception  order.Exception `json:"exception"`
	Resolution string          `json:"resolution,omitempty"`
}

// Escalator brings staff in when an exception opens and tells them when it closes. It must be
// idempotent per order and exception: the activity calling it is retried.
type Escalator interface {
	ExceptionChanged(ctx context.Context, c ExceptionChange) error
}

// ExceptionChanged carries out a RaiseException or ClearException effect.
func (a *Activities) ExceptionChanged(ctx context.Context, c ExceptionChange) error {
	return a.Escalator.ExceptionChanged(ctx, c)
}

// LogEscalator writes exception changes to the log, for deployments with no staff alert channel
// configured: the exception is still visible in the order view and the Temporal UI.
type LogEscalator struct{ Logger *slog.Logger }

// ExceptionChanged logs c.
func (l LogEscalator) ExceptionChanged(_ context.Context, c ExceptionChange) error {
	l.Logger.Warn("order exception changed (log channel)", "order_id", c.OrderID, "open", c.Open,
		"reason", c.Exception.Reason, "shipment_id", c.Exception.ShipmentID, "resolution", c.Resolution)
	return nil
}

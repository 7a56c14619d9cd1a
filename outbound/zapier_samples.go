package outbound

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Samples: a REST Hook trigger's perform list, which the Zap editor calls to show the fields a
// trigger brings before any event has fired (and which serves as its polling fallback).

// MaxZapierSamples is how many events GET /zapier/v1/samples answers at most.
const MaxZapierSamples = 3

// sampleWindow bounds the events a samples request reads, newest first, looking for its type:
// a type that has not happened for that long gets the canned example rather than a scan of
// the whole history.
const sampleWindow = 10_000

// samples is GET /zapier/v1/samples?event=<trigger key> (ZapierSamples). Zapier takes the
// answer as a top-level array.
func (a *ZapierAPI) samples(c echo.Context) error {
	t, err := trigger("event", c.QueryParam("event"))
	if err != nil {
		return err
	}
	ctx := zapierContext(c)
	out, err := ZapierSamples(ctx, a.DB, a.Links, t)
	if err != nil {
		return err
	}
	// The samples are recent orders' events, with their customers.
	err = audit.Append(ctx, a.DB, audit.Entry{Action: audit.ActionListOrders, Subject: t.Key,
		Detail: map[string]any{"as": "zapier samples", "events": len(out)}})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// ZapierSamples are the newest events of the trigger's type as its hook receives them
// (ZapierEvent), newest first, at most MaxZapierSamples; or, when there are none, the
// catalogue's example of the type, marked test, so the Zap editor always has fields to show.
func ZapierSamples(ctx context.Context, ex db.Executor, links FeedSettings, t ZapierTrigger) ([]ZapierEvent, error) {
	events, err := RecentEvents(ctx, ex, t.Type, MaxZapierSamples)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		if e, ok := cannedEvent(t.Type); ok {
			events = []Event{e}
		}
	}
	out := make([]ZapierEvent, len(events))
	for i, e := range events {
		out[i] = links.zapierEvent(e)
	}
	return out, nil
}

// RecentEvents returns up to n of the newest orders' events of type t, newest first, among
// the newest sampleWindow events of every type.
func RecentEvents(ctx context.Context, ex db.Executor, t order.PublishType, n int) ([]Event, error) {
	rows, err := ex.Query(ctx, `
		SELECT id, order_id, seq, type, shipment_id, data, created_at FROM (
			SELECT id, order_id, seq, type, shipment_id, data, created_at FROM order_events
			ORDER BY created_at DESC LIMIT $3) recent
		WHERE type = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, string(t), n, sampleWindow)
	if err != nil {
		return nil, fmt.Errorf("recent %s events: %w", t, err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		err := r.Scan(&e.ID, &e.OrderID, &e.Seq, &e.Type, &e.ShipmentID, &e.Data, &e.CreatedAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("recent %s events: %w", t, err)
	}
	return events, nil
}

// cannedEvent is the first event of type t the catalogue's example orders published, marked
// as a test: a sample about no real order.
func cannedEvent(t order.PublishType) (Event, bool) {
	e, ok := cannedEvents()[t]
	e.Test = true
	return e, ok
}

var cannedEvents = sync.OnceValue(func() map[order.PublishType]Event {
	out := map[order.PublishType]Event{}
	for _, e := range exampleOrders() {
		if _, ok := out[order.PublishType(e.Type)]; !ok {
			out[order.PublishType(e.Type)] = e
		}
	}
	return out
})

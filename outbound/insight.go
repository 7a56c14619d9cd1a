package outbound

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
)

// EndpointStat is how one destination's deliveries created in a window went.
type EndpointStat struct {
	ID   string
	Kind Kind
	// URL is as the API shows it (Endpoint.ShownURL): a feed's secret URL is masked.
	URL         string
	Description string
	Enabled     bool
	// Delivered, Failed and Pending count the deliveries by where they stand; FirstTry those
	// delivered at the first attempt; Attempts every attempt made at them.
	Delivered, Failed, Pending, FirstTry, Attempts int
}

// Total counts the window's deliveries.
func (s EndpointStat) Total() int { return s.Delivered + s.Failed + s.Pending }

// Settled counts the deliveries that are over, delivered or failed: what a success rate is of.
func (s EndpointStat) Settled() int { return s.Delivered + s.Failed }

// EndpointStats counts, per destination, the deliveries created since since, busiest first;
// destinations with none in the window are left out. Each destination's count is a range scan
// of webhook_deliveries_endpoint_created_idx, which holds the status and attempt count, so
// only the window's deliveries are read, from the index.
func EndpointStats(ctx context.Context, ex db.Executor, since time.Time) ([]EndpointStat, error) {
	rows, err := ex.Query(ctx, `
		SELECT e.id, e.kind, e.url, e.description, e.enabled, d.delivered, d.failed, d.pending, d.first_try, d.attempts
		FROM webhook_endpoints e CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE status = $2) AS delivered, count(*) FILTER (WHERE status = $3) AS failed,
				count(*) FILTER (WHERE status = $4) AS pending,
				count(*) FILTER (WHERE status = $2 AND attempts = 1) AS first_try,
				COALESCE(sum(attempts), 0) AS attempts
			FROM webhook_deliveries WHERE endpoint_id = e.id AND created_at >= $1
		) d
		WHERE d.delivered + d.failed + d.pending > 0
		ORDER BY d.delivered + d.failed + d.pending DESC, e.id`,
		since, string(DeliveryDelivered), string(DeliveryFailed), string(DeliveryPending))
	if err != nil {
		return nil, fmt.Errorf("count deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EndpointStat, error) {
		var s EndpointStat
		err := r.Scan(&s.ID, &s.Kind, &s.URL, &s.Description, &s.Enabled, &s.Delivered, &s.Failed, &s.Pending, &s.FirstTry, &s.Attempts)
		s.URL = Endpoint{Kind: s.Kind, URL: s.URL}.ShownURL()
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("count deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	return stats, nil
}

package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChannelStat is how the messages of one channel created in a window went, and how many of
// the channel's addresses opted out in it.
type ChannelStat struct {
	Channel string
	// Total counts every message logged, whatever became of it.
	Total int
	// Delivered: a receipt says it arrived. Awaiting: a provider took it and no receipt has
	// come. Undelivered: a provider took it and its receipt says it did not arrive. Failed: no
	// provider took it. Suppressed: not sent, as the address had opted out.
	Delivered, Awaiting, Undelivered, Failed, Suppressed int
	// OptedOut counts the addresses that opted out of the channel in the window.
	OptedOut int
}

// Sent counts the messages a provider took.
func (s ChannelStat) Sent() int { return s.Delivered + s.Awaiting + s.Undelivered }

// NotDelivered counts the messages that failed, before a provider or after.
func (s ChannelStat) NotDelivered() int { return s.Failed + s.Undelivered }

// ChannelStats counts the messages logged since since and the opt-outs made since, by channel.
// Each count reads its window alone, by an index that holds the columns it counts
// (notifications_created_idx, opt_outs_at_idx): an index-only scan however long the log is.
func (l *Log) ChannelStats(ctx context.Context, since time.Time) ([]ChannelStat, error) {
	rows, err := l.db.Query(ctx, `
		WITH messages AS (
			SELECT channel, count(*) AS total,
				count(*) FILTER (WHERE status = $2) AS delivered, count(*) FILTER (WHERE status = $3) AS awaiting,
				count(*) FILTER (WHERE status = $4) AS undelivered, count(*) FILTER (WHERE status = $5) AS failed,
				count(*) FILTER (WHERE status = $6) AS suppressed
			FROM notifications WHERE created_at >= $1 GROUP BY channel
		), opted AS (
			SELECT channel, count(*) AS n FROM opt_outs WHERE opted_out_at >= $1 GROUP BY channel
		)
		SELECT channel, COALESCE(m.total, 0), COALESCE(m.delivered, 0), COALESCE(m.awaiting, 0), COALESCE(m.undelivered, 0),
			COALESCE(m.failed, 0), COALESCE(m.suppressed, 0), COALESCE(o.n, 0)
		FROM messages m FULL JOIN opted o USING (channel)
		ORDER BY COALESCE(m.total, 0) DESC, channel`,
		since, string(StatusDelivered), string(StatusSent), string(StatusUndelivered), string(StatusFailed), string(StatusSuppressed))
	if err != nil {
		return nil, fmt.Errorf("count messages since %s: %w", since.Format(time.RFC3339), err)
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChannelStat, error) {
		var s ChannelStat
		err := r.Scan(&s.Channel, &s.Total, &s.Delivered, &s.Awaiting, &s.Undelivered, &s.Failed, &s.Suppressed, &s.OptedOut)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("count messages since %s: %w", since.Format(time.RFC3339), err)
	}
	return stats, nil
}

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
	// Sent counts those a provider took (sent, delivered, undelivered); Delivered those with a
	// delivery receipt; Failed those no provider took or whose receipt says undelivered;
	// Suppressed those not sent because the address had opted out.
	Sent, Delivered, Failed, Suppressed int
	// OptedOut counts the addresses that opted out of the channel in the window.
	OptedOut int
}

// Which statuses each figure of ChannelStat counts.
var (
	statsSent       = statuses(StatusSent, StatusDelivered, StatusUndelivered)
	statsDelivered  = statuses(StatusDelivered)
	statsFailed     = statuses(StatusFailed, StatusUndelivered)
	statsSuppressed = statuses(StatusSuppressed)
)

func statuses(ss ...Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// ChannelStats counts the messages logged since since and the opt-outs made since, by channel.
// Each count reads its window alone, by an index that holds the columns it counts
// (notifications_created_idx, opt_outs_at_idx): an index-only scan however long the log is.
func (l *Log) ChannelStats(ctx context.Context, since time.Time) ([]ChannelStat, error) {
	rows, err := l.db.Query(ctx, `
		WITH messages AS (
			SELECT channel, count(*) AS total,
				count(*) FILTER (WHERE status = ANY($2)) AS sent, count(*) FILTER (WHERE status = ANY($3)) AS delivered,
				count(*) FILTER (WHERE status = ANY($4)) AS failed, count(*) FILTER (WHERE status = ANY($5)) AS suppressed
			FROM notifications WHERE created_at >= $1 GROUP BY channel
		), opted AS (
			SELECT channel, count(*) AS n FROM opt_outs WHERE opted_out_at >= $1 GROUP BY channel
		)
		SELECT channel, COALESCE(m.total, 0), COALESCE(m.sent, 0), COALESCE(m.delivered, 0), COALESCE(m.failed, 0),
			COALESCE(m.suppressed, 0), COALESCE(o.n, 0)
		FROM messages m FULL JOIN opted o USING (channel)
		ORDER BY COALESCE(m.total, 0) DESC, channel`,
		since, statsSent, statsDelivered, statsFailed, statsSuppressed)
	if err != nil {
		return nil, fmt.Errorf("count messages since %s: %w", since.Format(time.RFC3339), err)
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChannelStat, error) {
		var s ChannelStat
		err := r.Scan(&s.Channel, &s.Total, &s.Sent, &s.Delivered, &s.Failed, &s.Suppressed, &s.OptedOut)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("count messages since %s: %w", since.Format(time.RFC3339), err)
	}
	return stats, nil
}

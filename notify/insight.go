package notify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// ChannelStats counts the messages logged since since and the opt-outs made since, by channel,
// busiest first. Each count reads its window alone, by an index that holds the columns it
// counts (notifications_created_idx, opt_outs_at_idx): an index-only scan however long the log
// is. Postgres counts by channel and status, a few groups that one process hashes faster than
// parallel workers start; the statuses are read into figures here.
func (l *Log) ChannelStats(ctx context.Context, since time.Time) ([]ChannelStat, error) {
	byChannel := map[string]*ChannelStat{}
	stat := func(ch string) *ChannelStat {
		if byChannel[ch] == nil {
			byChannel[ch] = &ChannelStat{Channel: ch}
		}
		return byChannel[ch]
	}
	var ch string
	var st Status
	var n int
	rows, err := l.db.Query(ctx, `SELECT channel, status, count(*) FROM notifications WHERE created_at >= $1 GROUP BY 1, 2`, since)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&ch, &st, &n}, func() error {
			s := stat(ch)
			s.Total += n
			switch st {
			case StatusDelivered:
				s.Delivered += n
			case StatusSent:
				s.Awaiting += n
			case StatusUndelivered:
				s.Undelivered += n
			case StatusFailed:
				s.Failed += n
			case StatusSuppressed:
				s.Suppressed += n
			}
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("count messages since %s: %w", since.Format(time.RFC3339), err)
	}
	rows, err = l.db.Query(ctx, `SELECT channel, count(*) FROM opt_outs WHERE opted_out_at >= $1 GROUP BY 1`, since)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&ch, &n}, func() error { stat(ch).OptedOut += n; return nil })
	}
	if err != nil {
		return nil, fmt.Errorf("count opt-outs since %s: %w", since.Format(time.RFC3339), err)
	}
	stats := make([]ChannelStat, 0, len(byChannel))
	for _, s := range byChannel {
		stats = append(stats, *s)
	}
	slices.SortFunc(stats, func(a, b ChannelStat) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Channel, b.Channel))
	})
	return stats, nil
}

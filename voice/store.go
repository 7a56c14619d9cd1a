package voice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
)

// Store is Memo, Attempts and Lookups in Postgres (voice_answers, voice_attempts,
// voice_lookups), so that every serve replica returns the same answer to a platform's retry and
// sees the same failure counts. The voice line is the only writer of these tables, so their
// queries live here. Like
// the inbox, it is a struct over a db.Executor: NewStore over a transaction writes in it.
type Store struct{ db db.Executor }

var (
	_ Memo     = Store{}
	_ Attempts = Store{}
	_ Lookups  = Store{}
	_ Trail    = Store{}
)

// NewStore returns the store over ex.
func NewStore(ex db.Executor) Store { return Store{db: ex} }

// Get returns the first answer remembered under key, unless it has expired.
func (s Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRow(ctx, `SELECT answer FROM voice_answers WHERE key = $1 AND expires_at > now()`, key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("voice memo: %w", err)
	}
	return b, true, nil
}

// Put remembers answer under key for ttl, unless an answer is remembered already: the first
// one stands.
//
// The caller waits for it (a platform's retry must find the answer), so its commit does not
// wait for the WAL to reach disk (synchronous_commit off for this one transaction): under a
// burst that flush queues behind every other write. The row is visible to every session at
// once all the same; only a crash of Postgres in the next fraction of a second could lose it,
// and then a retried call is answered afresh.
func (s Store) Put(ctx context.Context, key string, answer []byte, ttl time.Duration) error {
	if !json.Valid(answer) {
		return errors.New("voice memo: answer is not JSON")
	}
	_, err := s.db.Exec(ctx, `
		WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO voice_answers (key, answer, expires_at)
		SELECT $1, $2, now() + $3 * interval '1 millisecond' FROM async
		ON CONFLICT (key) DO NOTHING`, key, answer, ttl.Milliseconds())
	if err != nil {
		return fmt.Errorf("voice memo: %w", err)
	}
	return nil
}

// ForgetExpired deletes the answers past their time, which Get no longer returns.
func (s Store) ForgetExpired(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM voice_answers WHERE expires_at < now()`)
	if err != nil {
		return 0, fmt.Errorf("forget expired voice answers: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Failures counts the failures recorded under key within window.
func (s Store) Failures(ctx context.Context, key string, window time.Duration) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `
		SELECT count(*) FROM voice_attempts WHERE key = $1 AND at > now() - $2 * interval '1 millisecond'`,
		key, window.Milliseconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("voice attempts: %w", err)
	}
	return n, nil
}

// Fail records one failure under each key. It also deletes the rows every window has
// forgotten (CallFailureWindow is the longest), so the table needs no sweep of its own.
func (s Store) Fail(ctx context.Context, keys ...string) error {
	_, err := s.db.Exec(ctx, `
		WITH forgotten AS (DELETE FROM voice_attempts WHERE at < now() - $2 * interval '1 millisecond')
		INSERT INTO voice_attempts (key) SELECT unnest($1::text[])`,
		keys, CallFailureWindow.Milliseconds())
	if err != nil {
		return fmt.Errorf("voice attempts: %w", err)
	}
	return nil
}

// CountLookup adds one lookup with outcome on day: one row per day and outcome, upserted, so
// the table grows by a few rows a day whatever the call volume. Like Put, it does not wait for
// the WAL to reach disk; a crash of Postgres may lose the last few counts, never an answer.
func (s Store) CountLookup(ctx context.Context, day time.Time, outcome LookupOutcome) error {
	_, err := s.db.Exec(ctx, `
		WITH async AS (SELECT set_config('synchronous_commit', 'off', true))
		INSERT INTO voice_lookups (day, outcome, n) SELECT $1::date, $2, 1 FROM async
		ON CONFLICT (day, outcome) DO UPDATE SET n = voice_lookups.n + 1`, day.UTC().Format(time.DateOnly), string(outcome))
	if err != nil {
		return fmt.Errorf("count voice lookup: %w", err)
	}
	return nil
}

// Record appends e to the audit trail and, when count is not nil, counts the lookup as
// CountLookup does, in one batch: one round trip, one implicit transaction. Like Put and
// CountLookup it does not wait for the WAL to reach disk: the caller does not wait for it
// (Handler.record), but the next calls wait for its pooled connection, and under a burst a
// flush per call held the pool (measured: BenchmarkVoiceLookup). A crash of Postgres in the
// next fraction of a second may lose the last entries, as it may the last counts.
func (s Store) Record(ctx context.Context, e audit.Entry, count *Count) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	if err := audit.Queue(ctx, b, e); err != nil {
		return err
	}
	if count != nil {
		b.Queue(`
			INSERT INTO voice_lookups (day, outcome, n) VALUES ($1::date, $2, 1)
			ON CONFLICT (day, outcome) DO UPDATE SET n = voice_lookups.n + 1`,
			count.Day.UTC().Format(time.DateOnly), string(count.Outcome))
	}
	send := func(bs batchSender) error {
		if err := bs.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("record voice answer: %w", err)
		}
		return nil
	}
	if bs, ok := s.db.(batchSender); ok {
		return send(bs)
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return send(tx) })
}

// batchSender is what sends a batch: a pool, a connection or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// LookupCounts counts the lookups on the days from since's (UTC) to today, by outcome.
func (s Store) LookupCounts(ctx context.Context, since time.Time) (map[LookupOutcome]int, error) {
	rows, err := s.db.Query(ctx, `SELECT outcome, sum(n)::bigint FROM voice_lookups WHERE day >= $1::date GROUP BY outcome`,
		since.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("count voice lookups: %w", err)
	}
	counts := map[LookupOutcome]int{}
	var outcome string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&outcome, &n}, func() error {
		counts[LookupOutcome(outcome)] += n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count voice lookups: %w", err)
	}
	return counts, nil
}

package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// insightSeedSQL is the seed's steps (bench_insight.sql).
//
//go:embed bench_insight.sql
var insightSeedSQL string

// insightGroups are the seed's steps in the order they run: a group starts when the one before
// it has finished, and its steps run at once, each on a connection of its own. Rows that point
// at others (shipments at orders, attempts at deliveries) come in a later group than theirs.
var insightGroups = [][]string{
	{"plan"}, {"state"}, {"status"}, {"events", "endpoints"},
	{"orders", "deliveries", "notifications"},
	{"shipments", "timeline", "exceptions", "order_events", "attempts", "opt_outs", "voice"},
	{"cleanup"},
}

// insightTables are the tables the seed fills, vacuumed and analysed when it is done, so that
// the measured plans read the visibility map (index-only scans) and real statistics.
var insightTables = []string{"orders", "shipments", "tracking_events", "order_events", "order_exceptions", "notifications",
	"opt_outs", "webhook_endpoints", "webhook_deliveries", "webhook_attempts", "voice_lookups"}

var (
	stepMark  = regexp.MustCompile(`(?m)^-- step (\w+)\n`)
	drawMacro = regexp.MustCompile(`\{\{r (\S+) (\d+)\}\}`)
)

// insightSteps reads bench_insight.sql into its steps by name, with each {{r EXPR K}} turned
// into a number in [0, 1) hashed from EXPR and K.
func insightSteps() map[string]string {
	steps := map[string]string{}
	marks := stepMark.FindAllStringSubmatchIndex(insightSeedSQL, -1)
	for i, m := range marks {
		end := len(insightSeedSQL)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		name := insightSeedSQL[m[2]:m[3]]
		steps[name] = drawMacro.ReplaceAllString(insightSeedSQL[m[1]:end],
			`((hashint8(($1)::bigint * 64 + $2)::float8 + 2147483648.0) / 4294967296.0)`)
	}
	return steps
}

// stepTiming is how long one seed step took.
type stepTiming struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
}

// seedInsight fills the database at url with n orders created over the days before now, and
// everything they caused, then vacuums and analyses what it wrote. It uses a pool of its own:
// its connections skip foreign-key triggers when the role may (the rows are consistent by
// construction) and do not wait for the WAL to reach disk.
func seedInsight(ctx context.Context, url string, n, days, parallel int, now time.Time, out io.Writer) ([]stepTiming, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	cfg.MaxConns = int32(parallel) + 1
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	cfg.ConnConfig.RuntimeParams["work_mem"] = "256MB"
	cfg.ConnConfig.RuntimeParams["maintenance_work_mem"] = "512MB"
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, _ = c.Exec(ctx, `SET session_replication_role = replica`) // superusers only; others check keys
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer pool.Close()

	if err := dropInsightSeed(ctx, pool); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	steps := insightSteps()
	var timings []stepTiming
	var mu sync.Mutex
	run := func(names []string, sql func(string) string) error {
		errs := make([]error, len(names))
		sem := make(chan struct{}, parallel)
		var wg sync.WaitGroup
		for i, name := range names {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				start := time.Now()
				_, err := pool.Exec(ctx, sql(name))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs[i] = fmt.Errorf("seed step %s: %w", name, err)
					return
				}
				t := stepTiming{Step: name, Seconds: time.Since(start).Seconds()}
				fmt.Fprintf(out, "  %-44s %6.1f s\n", t.Step, t.Seconds)
				timings = append(timings, t)
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}

	_, err = pool.Exec(ctx, `CREATE UNLOGGED TABLE insight_seed_params AS SELECT $1::int AS n, $2::int AS days, $3::timestamptz AS now_`,
		n, days, now)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	// The tables' secondary indexes go for the load and are built again after it: one sorted
	// build costs a fraction of keeping an index up row by row, on keys (emails, tokens) that
	// land all over it. Those behind constraints (primary keys, unique) stay.
	indexes, err := secondaryIndexes(ctx, pool)
	if err != nil {
		return nil, err
	}
	build := func() error {
		names := make([]string, 0, len(indexes))
		for name := range indexes {
			names = append(names, "index "+name)
		}
		slices.Sort(names)
		return run(names, func(name string) string { return indexes[strings.TrimPrefix(name, "index ")] })
	}
	for name := range indexes {
		if _, err := pool.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("seed: drop index %s: %w", name, err)
		}
	}
	for _, g := range insightGroups {
		if err := run(g, func(name string) string { return steps[name] }); err != nil {
			// Leave the schema whole, whatever the rows.
			return timings, errors.Join(err, build())
		}
	}
	if err := build(); err != nil {
		return timings, err
	}
	// The steps committed without waiting for the WAL to reach disk, and VACUUM marks a page
	// all-visible only once its rows' commits are on disk: one commit that waits flushes them.
	if _, err := pool.Exec(ctx, `BEGIN; SET LOCAL synchronous_commit = on; SELECT txid_current(); COMMIT`); err != nil {
		return timings, fmt.Errorf("seed: flush: %w", err)
	}
	vacuum := make([]string, len(insightTables))
	for i, t := range insightTables {
		vacuum[i] = "vacuum " + t
	}
	err = run(vacuum, func(name string) string { return "VACUUM (ANALYZE) " + strings.TrimPrefix(name, "vacuum ") })
	if err != nil {
		return timings, err
	}
	// A page stays unmarked when a transaction older than its rows ran while it was vacuumed
	// (autovacuum's ANALYZE of a table just filled, say); a second pass, alone, marks it.
	for range 3 {
		var again []string
		err := pool.QueryRow(ctx, `SELECT COALESCE(array_agg('vacuum ' || relname), '{}') FROM pg_class
			WHERE relname = ANY ($1) AND relkind = 'r' AND relallvisible < relpages`, insightTables).Scan(&again)
		if err != nil || len(again) == 0 {
			return timings, err
		}
		if err := run(again, func(name string) string { return "VACUUM " + strings.TrimPrefix(name, "vacuum ") }); err != nil {
			return timings, err
		}
	}
	return timings, nil
}

// secondaryIndexes are the seeded tables' indexes no constraint stands behind, each with the
// statement that builds it (IF NOT EXISTS, so a build can be tried again).
func secondaryIndexes(ctx context.Context, pool *pgxpool.Pool) (map[string]string, error) {
	rows, err := pool.Query(ctx, `
		SELECT i.relname, pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relname = ANY ($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`, insightTables)
	if err != nil {
		return nil, fmt.Errorf("seed: list indexes: %w", err)
	}
	out := map[string]string{}
	var name, def string
	_, err = pgx.ForEachRow(rows, []any{&name, &def}, func() error {
		def = strings.Replace(def, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
		out[name] = strings.Replace(def, "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed: list indexes: %w", err)
	}
	return out, nil
}

// dropInsightSeed removes the working tables a seed that stopped half-way left behind.
func dropInsightSeed(ctx context.Context, pool *pgxpool.Pool) error {
	for _, t := range []string{"insight_seed_raw", "insight_seed", "insight_seed_orders", "insight_seed_events", "insight_seed_endpoints", "insight_seed_params"} {
		if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return err
		}
	}
	return nil
}

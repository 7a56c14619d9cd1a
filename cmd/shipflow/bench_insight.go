package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/voice"
)

// benchInsight seeds a database of its own with a shop's year of orders (a million unless told
// otherwise) and times the console's insight aggregates over each window, the whole insight
// page, and the orders list's searches, reading Postgres's own timings from EXPLAIN ANALYZE.
// Unlike the other benches it needs no running shipflow: only Postgres.
func benchInsight(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench insight", flag.ContinueOnError)
	orders := fs.Int("orders", 1_000_000, "orders to seed")
	days := fs.Int("days", 365, "days the orders span, ending now")
	runs := fs.Int("runs", 7, "times each query is measured; the median is reported")
	database := fs.String("database", "shipflow_insight", "database to seed and measure, on DATABASE_URL's server (created if missing)")
	seed := fs.Bool("seed", true, "seed the database first, which must hold no orders; -seed=false measures it as it is")
	parallel := fs.Int("parallel", 3, "seed steps run at once")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	cfg, err := config.LoadFlags(fs, args, e.getenv)
	if err != nil {
		return err
	}
	if *orders < 1 || *days < 1 || *runs < 1 || *parallel < 1 {
		return errors.New("-orders, -days, -runs and -parallel must be positive")
	}
	dbURL, err := onDatabase(cfg.DatabaseURL, *database)
	if err != nil {
		return err
	}
	if err := db.EnsureDatabase(ctx, dbURL); err != nil {
		return err
	}
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := db.Migrate(ctx, pool); err != nil {
		return err
	}

	res := insightResult{Machine: machine(), Database: *database, Runs: *runs}
	if *seed {
		var any bool
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders)`).Scan(&any); err != nil {
			return err
		}
		if any {
			return fmt.Errorf("database %s already holds orders: drop it, name another with -database, or measure it as it is with -seed=false", *database)
		}
		fmt.Fprintf(e.stdout, "seeding %d orders over %d days into %s...\n", *orders, *days, *database)
		start := time.Now()
		if res.Seed, err = seedInsight(ctx, dbURL, *orders, *days, *parallel, time.Now().UTC(), e.stdout); err != nil {
			return err
		}
		res.SeedSeconds = time.Since(start).Seconds()
		fmt.Fprintf(e.stdout, "seeded in %.0f s\n", res.SeedSeconds)
	}
	if res.Rows, err = tableRows(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%-22s %12s\n", "table", "rows")
	for _, t := range insightTables {
		fmt.Fprintf(e.stdout, "%-22s %12d\n", t, res.Rows[t])
	}

	now := time.Now().UTC()
	x := &explainer{Executor: pool}
	for _, w := range []int{7, 30, 90} {
		since := now.Add(-time.Duration(w) * 24 * time.Hour)
		for _, q := range []struct {
			name string
			call storeCall
		}{
			{"on time by carrier and week", func(ctx context.Context, ex db.Executor) error { _, err := db.OnTimeByWeek(ctx, ex, since); return err }},
			{"exceptions by reason", func(ctx context.Context, ex db.Executor) error {
				_, err := db.ExceptionStats(ctx, ex, since)
				return err
			}},
			{"messages by channel", func(ctx context.Context, ex db.Executor) error {
				_, err := notify.NewLog(ex).ChannelStats(ctx, since)
				return err
			}},
			{"voice lookups", func(ctx context.Context, ex db.Executor) error {
				_, err := voice.NewStore(ex).LookupCounts(ctx, since)
				return err
			}},
			{"deliveries by endpoint", func(ctx context.Context, ex db.Executor) error {
				_, err := outbound.EndpointStats(ctx, ex, since)
				return err
			}},
		} {
			r, err := x.measure(ctx, q.name, w, *runs, func(int) storeCall { return q.call })
			if err != nil {
				return err
			}
			res.Queries = append(res.Queries, r)
		}
	}
	samples, err := searchSamples(ctx, pool, *runs)
	if err != nil {
		return err
	}
	for _, q := range []struct {
		name   string
		params func(s searchSample) db.ListParams
	}{
		{"orders: first page", func(searchSample) db.ListParams { return db.ListParams{Limit: 50} }},
		{"orders: by email", func(s searchSample) db.ListParams { return db.ListParams{Limit: 50, Email: s.email} }},
		{"orders: by phone", func(s searchSample) db.ListParams { return db.ListParams{Limit: 50, Phone: s.phone} }},
		{"orders: by tracking number", func(s searchSample) db.ListParams { return db.ListParams{Limit: 50, TrackingNumber: s.tracking} }},
	} {
		r, err := x.measure(ctx, q.name, 0, *runs, func(i int) storeCall {
			p := q.params(samples[i%len(samples)])
			return func(ctx context.Context, ex db.Executor) error { _, err := db.ListOrders(ctx, ex, p); return err }
		})
		if err != nil {
			return err
		}
		res.Queries = append(res.Queries, r)
	}
	if res.Pages, err = timePages(ctx, pool, *runs); err != nil {
		return err
	}

	fmt.Fprintf(e.stdout, "\n%-28s %7s %12s %12s %10s  %s\n", "query", "window", "postgres ms", "(slowest)", "call ms", "plan")
	for _, r := range res.Queries {
		window := "-"
		if r.Window > 0 {
			window = fmt.Sprintf("%d d", r.Window)
		}
		fmt.Fprintf(e.stdout, "%-28s %7s %12.2f %12.2f %10.2f  %s\n", r.Name, window, r.PostgresMS, r.PostgresMaxMS, r.CallMS, strings.Join(r.Plan, "; "))
	}
	fmt.Fprintf(e.stdout, "\n%-28s %7s %12s\n", "insight page (HTTP)", "window", "median ms")
	for _, p := range res.Pages {
		fmt.Fprintf(e.stdout, "%-28s %7s %12.1f\n", "GET /console/insight", fmt.Sprintf("%d d", p.Window), p.MS)
	}
	fmt.Fprintf(e.stdout, "\nmedian of %d runs each, after one to warm up; postgres ms is EXPLAIN ANALYZE's planning and execution time; %s\n", *runs, res.Machine)
	return writeResults(*jsonOut, res)
}

type insightResult struct {
	Machine     string           `json:"machine"`
	Database    string           `json:"database"`
	Runs        int              `json:"runs"`
	SeedSeconds float64          `json:"seed_seconds,omitempty"`
	Seed        []stepTiming     `json:"seed_steps,omitempty"`
	Rows        map[string]int64 `json:"rows"`
	Queries     []queryTiming    `json:"queries"`
	Pages       []pageTiming     `json:"pages"`
}

type queryTiming struct {
	Name   string `json:"name"`
	Window int    `json:"window_days,omitempty"`
	// PostgresMS is the median of EXPLAIN ANALYZE's planning plus execution time, summed over
	// the statements the call runs; PostgresMaxMS the slowest run's.
	PostgresMS    float64 `json:"postgres_ms"`
	PostgresMaxMS float64 `json:"postgres_max_ms"`
	// CallMS is the median time of the Go call itself, rows read and decoded.
	CallMS float64 `json:"call_ms"`
	// Plan names how each table was read (the scans of the last run's plans).
	Plan []string `json:"plan"`
}

type pageTiming struct {
	Window int     `json:"window_days"`
	MS     float64 `json:"median_ms"`
}

// onDatabase is url with its database replaced by name.
func onDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "", errors.New("bench insight takes DATABASE_URL as a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// tableRows is each seeded table's row count, as the statistics ANALYZE left estimate it.
func tableRows(ctx context.Context, pool *pgxpool.Pool) (map[string]int64, error) {
	rows, err := pool.Query(ctx, `SELECT relname, greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = ANY ($1) AND relkind = 'r'`, insightTables)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	out := map[string]int64{}
	var name string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&name, &n}, func() error { out[name] = n; return nil })
	return out, err
}

// explainer is a db.Executor that runs every query twice: under EXPLAIN (ANALYZE, FORMAT JSON),
// keeping Postgres's own timings and plan, then for real, for its caller to read. The store
// functions are measured as they are, with the statements they send.
type explainer struct {
	db.Executor
	ms    float64
	plans []string
	err   error
}

func (x *explainer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	x.explain(ctx, sql, args)
	return x.Executor.Query(ctx, sql, args...)
}

func (x *explainer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	x.explain(ctx, sql, args)
	return x.Executor.QueryRow(ctx, sql, args...)
}

func (x *explainer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, errors.New("bench insight measures reads only")
}

type planNode struct {
	NodeType    string     `json:"Node Type"`
	Parallel    bool       `json:"Parallel Aware"`
	Relation    string     `json:"Relation Name"`
	Index       string     `json:"Index Name"`
	HeapFetches *int64     `json:"Heap Fetches"`
	Plans       []planNode `json:"Plans"`
}

func (x *explainer) explain(ctx context.Context, sql string, args []any) {
	var out []byte
	if err := x.Executor.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql, args...).Scan(&out); err != nil {
		x.err = errors.Join(x.err, fmt.Errorf("explain: %w", err))
		return
	}
	var plans []struct {
		Plan      planNode `json:"Plan"`
		Planning  float64  `json:"Planning Time"`
		Execution float64  `json:"Execution Time"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		x.err = errors.Join(x.err, fmt.Errorf("explain: %s", out))
		return
	}
	x.ms += plans[0].Planning + plans[0].Execution
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.Relation != "" || n.Index != "" {
			s := n.NodeType
			if n.Parallel {
				s = "Parallel " + s
			}
			if n.Index != "" {
				s += " " + n.Index
			} else {
				s += " " + n.Relation
			}
			if n.HeapFetches != nil {
				s += fmt.Sprintf(" (%d heap fetches)", *n.HeapFetches)
			}
			if !slices.Contains(x.plans, s) {
				x.plans = append(x.plans, s)
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
}

// storeCall is one store function's call on ex.
type storeCall func(ctx context.Context, ex db.Executor) error

// measure makes the call made by of(i) runs times, each twice: through x, for Postgres's
// timings and plans, then straight on the pool, timed whole. It reports the medians. A first
// call, not counted, warms the connections' statement caches and the index pages, as any page
// view after the first finds them.
func (x *explainer) measure(ctx context.Context, name string, window, runs int, of func(i int) storeCall) (queryTiming, error) {
	if err := of(runs)(ctx, x.Executor); err != nil {
		return queryTiming{}, fmt.Errorf("%s: %w", name, err)
	}
	var pg, wall []float64
	for i := range runs {
		f := of(i)
		x.ms, x.plans, x.err = 0, nil, nil
		if err := errors.Join(f(ctx, x), x.err); err != nil {
			return queryTiming{}, fmt.Errorf("%s: %w", name, err)
		}
		pg = append(pg, x.ms)
		start := time.Now()
		if err := f(ctx, x.Executor); err != nil {
			return queryTiming{}, fmt.Errorf("%s: %w", name, err)
		}
		wall = append(wall, float64(time.Since(start).Microseconds())/1000)
	}
	return queryTiming{Name: name, Window: window, PostgresMS: median(pg), PostgresMaxMS: slices.Max(pg), CallMS: median(wall), Plan: x.plans}, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// searchSample is one order's customer and parcel, to search the orders list by.
type searchSample struct{ email, phone, tracking string }

// searchSamples picks n orders with a parcel at random, a different one for each run, so no
// run finds its rows cached by the one before: a sample of the table's pages, or, when that
// finds too few (a small table), any.
func searchSamples(ctx context.Context, pool *pgxpool.Pool, n int) ([]searchSample, error) {
	var out []searchSample
	for _, from := range []string{"shipments s TABLESAMPLE SYSTEM (1)", "shipments s"} {
		rows, err := pool.Query(ctx, `
			SELECT COALESCE(o.customer ->> 'email', ''), COALESCE(o.customer ->> 'phone', ''), s.tracking_number
			FROM `+from+` JOIN orders o USING (order_id) LIMIT $1`, n)
		if err != nil {
			return nil, fmt.Errorf("pick orders to search: %w", err)
		}
		var s searchSample
		out = out[:0]
		_, err = pgx.ForEachRow(rows, []any{&s.email, &s.phone, &s.tracking}, func() error { out = append(out, s); return nil })
		if err != nil {
			return nil, fmt.Errorf("pick orders to search: %w", err)
		}
		if len(out) == n {
			return out, nil
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no order with a parcel to search for: seed the database first")
	}
	return out, nil
}

// timePages signs in to a console served in this process on the same database and times the
// whole insight page (its aggregates at once, the template, the HTTP round trip) per window.
func timePages(ctx context.Context, pool *pgxpool.Pool, runs int) ([]pageTiming, error) {
	token := rand.Text()
	e := echo.New()
	con := &console.Console{DB: pool, Logger: telemetry.NewLogger(io.Discard, "error"), Tokens: []console.Token{{Name: "bench", Secret: token}}}
	con.Register(e, func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	srv := httptest.NewServer(e)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page := func(path string) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		res, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return string(b), err
	}
	form, err := page("/console/sign-in")
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`name="form" value="([^"]+)"`).FindStringSubmatch(form)
	if m == nil {
		return nil, errors.New("the sign-in page has no form")
	}
	if res, err := c.PostForm(srv.URL+"/console/sign-in", url.Values{"form": {m[1]}, "token": {token}}); err != nil {
		return nil, err
	} else {
		res.Body.Close()
	}
	var out []pageTiming
	for _, w := range []int{7, 30, 90} {
		var ms []float64
		for i := range runs + 1 { // the first warms up
			start := time.Now()
			body, err := page(fmt.Sprintf("/console/insight?days=%d", w))
			if err != nil {
				return nil, err
			}
			if !strings.Contains(body, "<h1>Insight</h1>") {
				return nil, errors.New("the insight page did not open: is the sign-in refused?")
			}
			if i > 0 {
				ms = append(ms, float64(time.Since(start).Microseconds())/1000)
			}
		}
		out = append(out, pageTiming{Window: w, MS: median(ms)})
	}
	return out, nil
}

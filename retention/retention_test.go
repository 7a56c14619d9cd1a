package retention_test

// These tests prune a real Postgres through the Prune workflow on the package's Temporal dev
// server. Pruning is global (every row past its age goes, whoever wrote it), so the tests
// run one at a time and each checks only the rows it seeded, by their own ids.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/retention"
	"github.com/shipflow/shipflow/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// defaults are the settings' defaults, as a deployment that sets none has them.
func defaults(t *testing.T) config.Retention {
	t.Helper()
	cfg, err := config.Load("test", nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Retention
}

// env is a worker on a task queue of the test's own, with the production registrations.
type env struct {
	t    *testing.T
	pool *pgxpool.Pool
	c    client.Client
	tq   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, pool: testenv.DB(t), c: testenv.Temporal(t), tq: testenv.TaskQueue(t)}
	w := sdkworker.New(e.c, e.tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: e.pool})
	testenv.StartWorker(t, w)
	return e
}

// run runs the Prune workflow to its end and returns its result.
func (e *env) run(in retention.Input) retention.Result {
	e.t.Helper()
	res, _ := e.runChain(in)
	return res
}

// runChain is run, which also returns the statuses of the workflow's runs, first to last.
func (e *env) runChain(in retention.Input) (retention.Result, []enums.WorkflowExecutionStatus) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-" + e.t.Name() + "-" + time.Now().Format(time.RFC3339Nano), TaskQueue: e.tq},
		retention.WorkflowName, in)
	if err != nil {
		e.t.Fatal(err)
	}
	var res retention.Result
	if err := r.Get(ctx, &res); err != nil {
		e.t.Fatalf("prune: %v", err)
	}
	// Walk back from the last run: each run's first event names the run it continued.
	var statuses []enums.WorkflowExecutionStatus
	for runID := r.GetRunID(); runID != ""; {
		d, err := e.c.DescribeWorkflowExecution(ctx, r.GetID(), runID)
		if err != nil {
			e.t.Fatal(err)
		}
		statuses = append([]enums.WorkflowExecutionStatus{d.WorkflowExecutionInfo.Status}, statuses...)
		h := e.c.GetWorkflowHistory(ctx, r.GetID(), runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		ev, err := h.Next()
		if err != nil {
			e.t.Fatal(err)
		}
		runID = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
	}
	return res, statuses
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
	}
}

// count counts the rows of table matching where.
func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// ago is now less d, a little further (past: beyond the age) or nearer (inside it) by an
// hour, so that the run's own clock, a moment later, sees each on its side.
func ago(d time.Duration, past bool) time.Time {
	if past {
		return time.Now().Add(-d - time.Hour)
	}
	return time.Now().Add(-d + time.Hour)
}

const day = 24 * time.Hour

// TestPruneDeletesWhatIsPastItsAgeAndNothingElse seeds rows of every kind just past and just
// inside its default age, and rows no age touches (pending, waiting, unfinished, opt-outs),
// runs the workflow with the defaults, and checks exactly the rows past their age went.
func TestPruneDeletesWhatIsPastItsAgeAndNothingElse(t *testing.T) {
	e := newEnv(t)
	r := defaults(t)
	p := "keep-" // prefix of every id this test seeds

	// transient: voice memo and failed verifications, two-way texts, console sessions.
	e.exec(`INSERT INTO voice_answers (key, answer, expires_at) VALUES ($1, '{}', $2), ($3, '{}', $4)`,
		p+"va-old", ago(r.Transient, true), p+"va-new", ago(r.Transient, false))
	e.exec(`INSERT INTO voice_attempts (key, at) VALUES ($1, $2), ($3, $4)`,
		p+"vt-old", ago(r.Transient, true), p+"vt-new", ago(r.Transient, false))
	e.exec(`INSERT INTO inbound_texts (provider, message_id, channel, address, reply, at) VALUES
		('twilio', $1, 'sms', '+37060000000', 'hi', $2), ('twilio', $3, 'sms', '+37060000000', 'hi', $4)`,
		p+"it-old", ago(r.Transient, true), p+"it-new", ago(r.Transient, false))
	e.exec(`INSERT INTO console_sessions (id_hash, actor, csrf, scopes, created_at, expires_at) VALUES
		($1, 'ops', 'c', '{admin}', $2, $2), ($3, 'ops', 'c', '{admin}', $4, $4)`,
		[]byte(p+"cs-old"), ago(r.Transient, true), []byte(p+"cs-new"), ago(r.Transient, false))

	// inbox: only applied and rejected deliveries go.
	inbound := func(id, status string, at time.Time, orderID string) {
		e.exec(`INSERT INTO inbound_events (source, event_id, status, delivery, order_id, received_at) VALUES ('test', $1, $2, '{}', $3, $4)`,
			p+id, status, orderID, at)
	}
	inbound("in-applied-old", "applied", ago(r.Inbox, true), "")
	inbound("in-rejected-old", "rejected", ago(r.Inbox, true), "")
	inbound("in-applied-new", "applied", ago(r.Inbox, false), "")
	inbound("in-pending-old", "pending", ago(r.Inbox, true), "")
	inbound("in-waiting-old", "waiting", ago(r.Inbox, true), "")

	// notifications: bodies blanked past theirs, rows deleted past theirs; opt-outs stay.
	note := func(key, orderID string, at time.Time) {
		e.exec(`INSERT INTO notifications (idempotency_key, order_id, milestone, channel, "to", template, body, status, created_at)
			VALUES ($1, $2, 'shipped', 'sms', '+37060000000', 'shipped', 'Your parcel is on its way', 'sent', $3)`, p+key, orderID, at)
	}
	note("n-row-old", p+"live", ago(r.Notifications, true))
	note("n-row-new", p+"live", ago(r.Notifications, false))
	note("n-body-old", p+"live", ago(r.NotificationBodies, true))
	note("n-body-new", p+"live", ago(r.NotificationBodies, false))
	e.exec(`INSERT INTO opt_outs (channel, address, opted_out_at) VALUES ('sms', $1, $2)`, p+"+37060000001", time.Now().Add(-3000*day))

	// deliveries: finished ones past their age go with their attempts; pending ones stay.
	e.exec(`INSERT INTO webhook_endpoints (id, url, secret) VALUES ($1, 'https://example.com/hook', 'whsec_x')`, p+"ep")
	delivery := func(id, status string, at time.Time, eventID, orderID string) {
		e.exec(`INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 1, 'order.shipped', $5, $6, $6)`, p+id, p+"ep", eventID, orderID, status, at)
		e.exec(`INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, outcome) VALUES ($1, 1, $2, 'x')`, p+id, at)
	}
	delivery("d-delivered-old", "delivered", ago(r.Deliveries, true), p+"evt-live-1", p+"live")
	delivery("d-failed-old", "failed", ago(r.Deliveries, true), p+"evt-live-2", p+"live")
	delivery("d-delivered-new", "delivered", ago(r.Deliveries, false), p+"evt-live-3", p+"live")
	delivery("d-pending-old", "pending", ago(r.Deliveries, true), p+"evt_test_pending", p+"live")
	testEvent := func(id string, at time.Time) {
		e.exec(`INSERT INTO webhook_test_events (id, endpoint_id, order_id, seq, type, data, created_at) VALUES ($1, $2, 'x', 1, 'order.shipped', '{}', $3)`,
			p+id, p+"ep", at)
	}
	testEvent("evt_test_old", ago(r.Deliveries, true))
	testEvent("evt_test_pending", ago(r.Deliveries, true)) // a pending delivery still names it
	testEvent("evt_test_new", ago(r.Deliveries, false))

	// orders: a finished order past its age goes whole; one inside it, and one not finished
	// however old, stay whole.
	orderRows := func(id, status string, at time.Time) {
		id = p + id
		e.exec(`INSERT INTO orders (order_id, status, customer, view, revision, created_at, updated_at) VALUES ($1, $2, '{}', '{}', 1, $3, $3)`, id, status, at)
		e.exec(`INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, tracking_key, status) VALUES ($1, 's1', 'ups', '1Z', '1Z', 'delivered')`, id)
		e.exec(`INSERT INTO tracking_events (order_id, seq, occurred_at, kind, type) VALUES ($1, 1, $2, 'carrier', 'scan')`, id, at)
		e.exec(`INSERT INTO order_exceptions (order_id, raised_at, reason) VALUES ($1, $2, 'lost')`, id, at)
		e.exec(`INSERT INTO order_events (id, order_id, seq, type, data, created_at) VALUES ($1, $2, 1, 'order.shipped', '{}', $3)`, id+"-evt", id, at)
		// The rest of the order's rows are young: they go with the order, not by their age.
		young := time.Now().Add(-day)
		e.exec(`INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 1, 'order.shipped', 'delivered', $5, $5)`, id+"-dlv", p+"ep", id+"-evt", id, young)
		e.exec(`INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, outcome) VALUES ($1, 1, $2, 'x')`, id+"-dlv", young)
		e.exec(`INSERT INTO notifications (idempotency_key, order_id, milestone, channel, "to", template, body, status, created_at)
			VALUES ($1, $2, 'shipped', 'sms', '+37060000000', 'shipped', 'hi', 'sent', $3)`, id+"-n", id, young)
		e.exec(`INSERT INTO inbound_events (source, event_id, status, delivery, order_id, received_at) VALUES ('test', $1, 'applied', '{}', $2, $3)`,
			id+"-in", id, young)
		e.exec(`INSERT INTO inbound_events (source, event_id, status, delivery, order_id, received_at) VALUES ('test', $1, 'pending', '{}', $2, $3)`,
			id+"-in-pending", id, young)
		e.exec(`INSERT INTO audit_log (actor, via, action, order_id, at) VALUES ('ops', 'api', 'order.read', $1, $2)`, id, young)
	}
	orderRows("o-delivered-old", "delivered", ago(r.Orders, true))
	orderRows("o-cancelled-old", "cancelled", ago(r.Orders, true))
	orderRows("o-returned-new", "returned", ago(r.Orders, false))
	orderRows("o-transit-old", "in_transit", ago(r.Orders, true))
	orderRows("o-exception-old", "exception", ago(r.Orders, true))

	// audit.
	e.exec(`INSERT INTO audit_log (actor, via, action, subject, at) VALUES ('ops', 'api', 'order.read', $1, $2), ('ops', 'api', 'order.read', $3, $4)`,
		p+"a-old", ago(r.Audit, true), p+"a-new", ago(r.Audit, false))

	// privacy requests: done or failed ones go by when they finished, an export with its
	// document; one inside its age, and a pending one however old, stay.
	privacyRequest := func(id, kind, status string, finished *time.Time, created time.Time) {
		e.exec(`INSERT INTO privacy_requests (id, kind, status, source, document, created_at, updated_at, finished_at)
			VALUES ($1, $2, $3, 'api', $4, $5, $5, $6)`, p+id, kind, status, "sealed", created, finished)
	}
	at := func(t time.Time) *time.Time { return &t }
	// created long before: the age counts from finished_at, not created_at.
	privacyRequest("pr-export-done-old", "export", "done", at(ago(r.PrivacyRequests, true)), ago(r.PrivacyRequests+10*day, true))
	privacyRequest("pr-erasure-failed-old", "erasure", "failed", at(ago(r.PrivacyRequests, true)), ago(r.PrivacyRequests, true))
	privacyRequest("pr-export-done-new", "export", "done", at(ago(r.PrivacyRequests, false)), ago(r.PrivacyRequests+10*day, true))
	privacyRequest("pr-erasure-pending-old", "erasure", "pending", nil, ago(r.PrivacyRequests+10*day, true))

	res := e.run(retention.Input{Ages: retention.Ages(r)})
	for _, k := range res.Kinds {
		if k.Error != "" || k.Capped {
			t.Errorf("kind %s: %+v", k.Kind, k)
		}
	}

	type rows struct {
		table, where string
		args         []any
		want         int
	}
	for _, c := range []rows{
		{"voice_answers", "key = $1", []any{p + "va-old"}, 0},
		{"voice_answers", "key = $1", []any{p + "va-new"}, 1},
		{"voice_attempts", "key = $1", []any{p + "vt-old"}, 0},
		{"voice_attempts", "key = $1", []any{p + "vt-new"}, 1},
		{"inbound_texts", "message_id = $1", []any{p + "it-old"}, 0},
		{"inbound_texts", "message_id = $1", []any{p + "it-new"}, 1},
		{"console_sessions", "id_hash = $1", []any{[]byte(p + "cs-old")}, 0},
		{"console_sessions", "id_hash = $1", []any{[]byte(p + "cs-new")}, 1},

		{"inbound_events", "event_id = $1", []any{p + "in-applied-old"}, 0},
		{"inbound_events", "event_id = $1", []any{p + "in-rejected-old"}, 0},
		{"inbound_events", "event_id = $1", []any{p + "in-applied-new"}, 1},
		{"inbound_events", "event_id = $1", []any{p + "in-pending-old"}, 1},
		{"inbound_events", "event_id = $1", []any{p + "in-waiting-old"}, 1},

		{"notifications", "idempotency_key = $1", []any{p + "n-row-old"}, 0},
		{"notifications", "idempotency_key = $1 AND body <> ''", []any{p + "n-row-new"}, 0}, // blanked, kept
		{"notifications", "idempotency_key = $1 AND body = ''", []any{p + "n-row-new"}, 1},
		{"notifications", "idempotency_key = $1 AND body = ''", []any{p + "n-body-old"}, 1},
		{"notifications", "idempotency_key = $1 AND body <> ''", []any{p + "n-body-new"}, 1},
		{"opt_outs", "address = $1", []any{p + "+37060000001"}, 1},

		{"webhook_deliveries", "id = $1", []any{p + "d-delivered-old"}, 0},
		{"webhook_attempts", "delivery_id = $1", []any{p + "d-delivered-old"}, 0},
		{"webhook_deliveries", "id = $1", []any{p + "d-failed-old"}, 0},
		{"webhook_deliveries", "id = $1", []any{p + "d-delivered-new"}, 1},
		{"webhook_attempts", "delivery_id = $1", []any{p + "d-delivered-new"}, 1},
		{"webhook_deliveries", "id = $1", []any{p + "d-pending-old"}, 1},
		{"webhook_attempts", "delivery_id = $1", []any{p + "d-pending-old"}, 1},
		{"webhook_test_events", "id = $1", []any{p + "evt_test_old"}, 0},
		{"webhook_test_events", "id = $1", []any{p + "evt_test_pending"}, 1},
		{"webhook_test_events", "id = $1", []any{p + "evt_test_new"}, 1},
		{"webhook_endpoints", "id = $1", []any{p + "ep"}, 1},

		{"audit_log", "subject = $1", []any{p + "a-old"}, 0},
		{"audit_log", "subject = $1", []any{p + "a-new"}, 1},

		{"privacy_requests", "id = $1", []any{p + "pr-export-done-old"}, 0},
		{"privacy_requests", "id = $1", []any{p + "pr-erasure-failed-old"}, 0},
		{"privacy_requests", "id = $1 AND document IS NOT NULL", []any{p + "pr-export-done-new"}, 1},
		{"privacy_requests", "id = $1", []any{p + "pr-erasure-pending-old"}, 1},
	} {
		if got := e.count(c.table, c.where, c.args...); got != c.want {
			t.Errorf("%s where %s %v: %d rows, want %d", c.table, c.where, c.args, got, c.want)
		}
	}

	// An order's rows, all of them, by table; the pending delivery of the inbox stays even
	// when its order goes (the relay still owes it a pass), and so does the audit trail.
	orderTables := []struct{ table, where string }{
		{"orders", "order_id = $1"}, {"shipments", "order_id = $1"}, {"tracking_events", "order_id = $1"},
		{"order_exceptions", "order_id = $1"}, {"order_events", "order_id = $1"}, {"webhook_deliveries", "order_id = $1"},
		{"webhook_attempts", "delivery_id = $1 || '-dlv'"}, {"notifications", "order_id = $1"},
		{"inbound_events", "order_id = $1 AND status = 'applied'"},
	}
	for _, o := range []struct {
		id   string
		gone bool
	}{{"o-delivered-old", true}, {"o-cancelled-old", true}, {"o-returned-new", false}, {"o-transit-old", false}, {"o-exception-old", false}} {
		want := 1
		if o.gone {
			want = 0
		}
		for _, ot := range orderTables {
			if got := e.count(ot.table, ot.where, p+o.id); got != want {
				t.Errorf("order %s: %s has %d rows, want %d", o.id, ot.table, got, want)
			}
		}
		if got := e.count("inbound_events", "order_id = $1 AND status = 'pending'", p+o.id); got != 1 {
			t.Errorf("order %s: %d pending inbound deliveries, want 1", o.id, got)
		}
		if got := e.count("audit_log", "order_id = $1", p+o.id); got != 1 {
			t.Errorf("order %s: %d audit entries, want 1", o.id, got)
		}
	}

	// What the run did is on /metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(&retention.Collector{DB: e.pool, Retention: r})
	if got := testenv.Counter(t, reg, "shipflow_retention_pruned_total", "kind", "orders"); got < 2 {
		t.Errorf("shipflow_retention_pruned_total{kind=orders} = %v, want at least the 2 orders", got)
	}
	if got := gauge(t, reg, "shipflow_retention_keep_seconds", "inbox"); got != (30 * day).Seconds() {
		t.Errorf("shipflow_retention_keep_seconds{kind=inbox} = %v, want 30 days", got)
	}
	if got := gauge(t, reg, "shipflow_retention_last_run_timestamp_seconds", "audit"); got != float64(res.Started.Unix()) {
		t.Errorf("shipflow_retention_last_run_timestamp_seconds{kind=audit} = %v, want the run's start %v", got, res.Started.Unix())
	}
}

// gauge is the value of gauge name in reg for kind.
func gauge(t *testing.T, reg prometheus.Gatherer, name, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{kind=%q}", name, kind)
	return 0
}

// auditRows seeds n audit entries past a 30-day age under subject, and returns how many of
// them are left.
func auditRows(e *env, subject string, n int) func() int {
	for range n {
		e.exec(`INSERT INTO audit_log (actor, via, action, subject, at) VALUES ('ops', 'api', 'order.read', $1, $2)`, subject, ago(30*day, true))
	}
	return func() int { return e.count("audit_log", "subject = $1", subject) }
}

// auditOnly prunes audit entries older than 30 days and nothing else.
func auditOnly() []retention.Age {
	var ages []retention.Age
	for _, k := range retention.Kinds {
		a := retention.Age{Kind: k}
		if k == retention.KindAudit {
			a.Keep = 30 * day
		}
		ages = append(ages, a)
	}
	return ages
}

// TestBatchesAreBounded: 5 rows in batches of 2 take 3 batches, the last one short.
func TestBatchesAreBounded(t *testing.T) {
	e := newEnv(t)
	e.exec(`DELETE FROM audit_log WHERE at < now() - interval '29 days'`) // the other tests' leftovers
	left := auditRows(e, "batch-"+t.Name(), 5)
	res := e.run(retention.Input{Ages: auditOnly(), BatchSize: 2})
	k := only(t, res)
	if k.Batches != 3 || k.Pruned != 5 || k.Capped {
		t.Errorf("audit: %+v, want 5 pruned in 3 batches", k)
	}
	if n := left(); n != 0 {
		t.Errorf("%d rows left", n)
	}
}

// TestARunStopsAtItsCap leaves what is past the cap for the next run, and says so.
func TestARunStopsAtItsCap(t *testing.T) {
	e := newEnv(t)
	e.exec(`DELETE FROM audit_log WHERE at < now() - interval '29 days'`)
	left := auditRows(e, "cap-"+t.Name(), 5)
	k := only(t, e.run(retention.Input{Ages: auditOnly(), BatchSize: 2, MaxBatches: 2}))
	if k.Batches != 2 || k.Pruned != 4 || !k.Capped {
		t.Errorf("audit: %+v, want 4 pruned in 2 batches, capped", k)
	}
	if n := left(); n != 1 {
		t.Errorf("%d rows left, want 1 for the next run", n)
	}
	k = only(t, e.run(retention.Input{Ages: auditOnly(), BatchSize: 2, MaxBatches: 2}))
	if k.Pruned != 1 || k.Capped || left() != 0 {
		t.Errorf("next run: %+v, %d left; want the last row gone", k, left())
	}
}

// TestALongRunContinuesAsNew carries its cutoffs and counts across continue-as-new.
func TestALongRunContinuesAsNew(t *testing.T) {
	e := newEnv(t)
	e.exec(`DELETE FROM audit_log WHERE at < now() - interval '29 days'`)
	left := auditRows(e, "can-"+t.Name(), 7)
	// A limit this low continues as new before almost every batch.
	res, runs := e.runChain(retention.Input{Ages: auditOnly(), BatchSize: 1, HistoryLimit: 12})
	if len(runs) < 3 || runs[len(runs)-1] != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("runs %v, want several continued as new, the last completed", runs)
	}
	k := only(t, res)
	if k.Pruned != 7 || k.Batches != 8 {
		t.Errorf("audit: %+v, want 7 pruned in 8 batches", k)
	}
	if n := left(); n != 0 {
		t.Errorf("%d rows left", n)
	}
	var last int64
	if err := e.pool.QueryRow(context.Background(), `SELECT last_pruned FROM retention_runs WHERE kind = 'audit'`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if last != 7 {
		t.Errorf("retention_runs.last_pruned = %d, want 7 (the whole run, once)", last)
	}
}

// TestRecordCountsARunOnce: a retried write of a run's count adds nothing.
func TestRecordCountsARunOnce(t *testing.T) {
	pool := testenv.DB(t)
	ctx := context.Background()
	kind := retention.Kind("test-" + t.Name())
	for _, r := range []retention.Run{{Kind: kind, ID: "a", At: time.Now(), Pruned: 3}, {Kind: kind, ID: "a", At: time.Now(), Pruned: 3}, {Kind: kind, ID: "b", At: time.Now(), Pruned: 2}} {
		if err := retention.Record(ctx, pool, r); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := retention.ListTotals(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.Kind == kind && (x.Total != 5 || x.LastPruned != 2) {
			t.Errorf("totals %+v, want 5 in all and 2 last", x)
		}
	}
	// Each run is one entry of the audit trail, the retried one too.
	var runs []string
	if err := column(ctx, pool, &runs, `SELECT detail->>'run' FROM audit_log WHERE actor = 'retention' AND action = 'retention.prune' AND subject = $1 ORDER BY id`, string(kind)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(runs, ",") != "a,b" {
		t.Errorf("audit entries of the runs: %q, want a then b", runs)
	}
}

// column reads one text column of sql's rows into dst.
func column(ctx context.Context, pool *pgxpool.Pool, dst *[]string, sql string, args ...any) error {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	*dst, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return err
}

func only(t *testing.T, res retention.Result) retention.KindResult {
	t.Helper()
	if len(res.Kinds) != 1 {
		t.Fatalf("result %+v, want the audit kind only", res)
	}
	return res.Kinds[0]
}

// TestScheduleIsEnsuredByEveryReplica: replicas starting together all succeed and leave one
// schedule with the settings' interval, skip on overlap and a note naming the ages; other
// settings update it; retention off pauses it.
func TestScheduleIsEnsuredByEveryReplica(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := defaults(t)
	want := retention.Schedule{Retention: r, TaskQueue: e.tq}
	t.Cleanup(func() { _ = e.c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Delete(ctx) })

	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { errs[i] = retention.Ensure(ctx, e.c, want) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("replicas starting together: %v", err)
	}
	check := func(every time.Duration, paused bool, note string) {
		t.Helper()
		d, err := e.c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := d.Schedule
		if len(s.Spec.Intervals) != 1 || s.Spec.Intervals[0].Every != every {
			t.Errorf("intervals %+v, want every %s", s.Spec.Intervals, every)
		}
		if s.Policy.Overlap != enums.SCHEDULE_OVERLAP_POLICY_SKIP {
			t.Errorf("overlap %v, want skip", s.Policy.Overlap)
		}
		a, ok := s.Action.(*client.ScheduleWorkflowAction)
		if !ok || fmt.Sprint(a.Workflow) != retention.WorkflowName || a.TaskQueue != e.tq {
			t.Errorf("action %+v, want %s on %s", s.Action, retention.WorkflowName, e.tq)
		}
		if s.State.Paused != paused || s.State.Note != note {
			t.Errorf("state paused=%v note %q, want paused=%v note %q", s.State.Paused, s.State.Note, paused, note)
		}
	}
	check(time.Hour, false, want.Note())
	if !strings.Contains(want.Note(), "orders 395d") || !strings.Contains(want.Note(), "inbox 30d") {
		t.Errorf("note %q does not name the ages", want.Note())
	}

	r.Every, r.Orders = 2*time.Hour, 400*day
	other := retention.Schedule{Retention: r, TaskQueue: e.tq}
	if err := retention.Ensure(ctx, e.c, other); err != nil {
		t.Fatal(err)
	}
	check(2*time.Hour, false, other.Note())

	r.On = false
	if err := retention.Ensure(ctx, e.c, retention.Schedule{Retention: r, TaskQueue: e.tq}); err != nil {
		t.Fatal(err)
	}
	d, err := e.c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Schedule.State.Paused {
		t.Errorf("retention off left the schedule running")
	}
	r.On = true
	if err := retention.Ensure(ctx, e.c, retention.Schedule{Retention: r, TaskQueue: e.tq}); err != nil {
		t.Fatal(err)
	}
	check(2*time.Hour, false, retention.Schedule{Retention: r, TaskQueue: e.tq}.Note())
}

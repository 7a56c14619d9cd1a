package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/engine"
)

// The fault suite drives the same journey as a load test, at a modest rate, while it breaks
// what shipflow runs on, one thing after another: it kills the worker and the API server with
// SIGKILL, crashes Postgres, stops Temporal, makes the Twilio stand-in fail and takes SendGrid
// down while Mailgun is configured. Then it waits for everything to settle and checks the
// promises that matter when things break: every order
// reached its final state, every event acknowledged with a 2xx was applied exactly once, no
// customer got a message twice (nor missed one), and every subscriber delivery succeeded.
//
// Everything it breaks is its own: a private Postgres cluster (the shared server on 5432 is in
// use by every other test package), a Temporal dev server persisting to a SQLite file (so it
// can come back on the same port with its workflows), and shipflow as separate `serve` and
// `worker` processes.

// FaultOptions configure a fault run. Zero values take the defaults noted.
type FaultOptions struct {
	Orders      int     // 40
	Rate        float64 // events per second across all orders (4): slow enough that faults land mid-journey
	Concurrency int     // orders in flight at once (8)
	// Long makes each outage as long as the issue asks (a minute of Twilio failing, tens of
	// seconds for the rest); the short form, for CI, keeps them to seconds.
	Long        bool
	TemporalCLI string // the pinned temporal CLI, as an absolute path
	Executable  string // the shipflow binary to run as serve, worker and migrate
	Secrets     Secrets
	// Keep leaves the run's directory (logs, Temporal's SQLite file) and the private Postgres
	// cluster's data behind. The directory alone is also kept when the run fails.
	Keep bool
	// Settle bounds each wait for shipflow to catch up, and how long a sender retries one
	// event (4m).
	Settle time.Duration
	Out    io.Writer
}

func (o *FaultOptions) defaults() error {
	if o.Orders <= 0 {
		o.Orders = 40
	}
	if o.Rate <= 0 {
		o.Rate = 4
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Settle <= 0 {
		o.Settle = 4 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if _, err := os.Stat(o.TemporalCLI); err != nil {
		return fmt.Errorf("faults: temporal CLI not found at %s (build it with `make temporal-cli`): %w", o.TemporalCLI, err)
	}
	if _, err := os.Stat(o.Executable); err != nil {
		return fmt.Errorf("faults: shipflow binary not found at %s: %w", o.Executable, err)
	}
	return nil
}

// outages are how long each broken thing stays broken.
type outages struct{ worker, serve, postgres, temporal, twilio, sendgrid time.Duration }

// Postgres stays down 12 s even in the short form: a restart or a managed failover takes 10-30
// s, and anything of shipflow's that retries its own writes for less than that loses them.
var (
	shortOutages = outages{worker: 3 * time.Second, serve: 3 * time.Second, postgres: 12 * time.Second, temporal: 10 * time.Second, twilio: 20 * time.Second, sendgrid: 20 * time.Second}
	longOutages  = outages{worker: 10 * time.Second, serve: 10 * time.Second, postgres: 15 * time.Second, temporal: 30 * time.Second, twilio: time.Minute, sendgrid: time.Minute}
)

// faultRun is what one run started, for the faults to break and the checks to read.
type faultRun struct {
	o      FaultOptions
	dir    string
	say    func(format string, args ...any)
	pg     *pgCluster
	temp   *temporalServer
	serve  *role
	worker *role
	twilio *outage
	// sendgrid is SendGrid's outage; mailgunTook counts the emails Mailgun, the second email
	// provider, took.
	sendgrid    *outage
	mailgunTook atomic.Int64
	box         *mailbox
	sub         *subscriber
	j           *journey
	pool        *pgxpool.Pool
	tc          client.Client
	api         string
	start       time.Time // the journey's first event
	// endpointID is the subscriber's webhook endpoint.
	endpointID string
}

// RunFaults carries out one fault run and returns its report. An error means the run itself
// could not be carried out (a process would not start, a fault could not be undone); failed
// checks are the report's Problems.
func RunFaults(ctx context.Context, o FaultOptions) (rep *FaultReport, err error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	f := &faultRun{o: o, say: func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }}
	if f.dir, err = os.MkdirTemp("", "shipflow-faults-"); err != nil {
		return nil, fmt.Errorf("faults: make the run's directory: %w", err)
	}
	defer func() {
		if o.Keep || err != nil || (rep != nil && len(rep.Problems) > 0) {
			f.say("kept the run's directory (logs, Temporal data): %s", f.dir)
			if rep != nil {
				rep.Dir = f.dir
			}
			return
		}
		os.RemoveAll(f.dir)
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fail := func(err error) (*FaultReport, error) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		return nil, fmt.Errorf("faults: %w", err)
	}

	if err := f.startAll(ctx); err != nil {
		f.stopAll(o.Keep)
		return fail(err)
	}
	defer f.stopAll(o.Keep) // the cluster's data only on request: the logs say what went wrong

	run := strconv.FormatInt(time.Now().Unix(), 36)
	f.j = newJourney(newBalancer(f.api), "ft-"+run+"-", o.Orders, o.Concurrency, o.Rate, o.Secrets)
	f.j.retryFor = o.Settle
	m := &monitor{j: f.j, box: f.box, sub: f.sub, voice: &voiceLoad{j: f.j}, pool: f.pool, endpointID: f.endpointID, out: o.Out,
		done: make(chan struct{}), stopped: make(chan struct{})}
	if err := m.poll(ctx); err != nil {
		return fail(err)
	}
	go m.run(ctx)
	defer func() {
		select {
		case <-m.done:
		default:
			m.stop()
		}
	}()

	rep = &FaultReport{Orders: o.Orders, Events: o.Orders * int(stepCount), Rate: o.Rate, Long: o.Long}
	lengths := shortOutages
	if o.Long {
		lengths = longOutages
	}
	f.say("driving %d orders (%d events at %.0f/s) through five faults...", o.Orders, rep.Events, o.Rate)
	f.start = time.Now()
	faultsDone := make(chan []FaultRecord, 1)
	go func() {
		records, err := f.inject(ctx, lengths)
		if err != nil {
			cancel(err)
		}
		faultsDone <- records
	}()
	var gate []string
	unpolled := 0
	n := o.Orders
	phases := []struct {
		name  string
		steps []step
		done  func(stage) bool
	}{
		{"merchant events", commerceSteps, func(s stage) bool { return s.Relayed >= n*len(commerceSteps) && s.Shipped >= n }},
		{"carrier scans", carrierSteps, func(s stage) bool { return s.Relayed >= rep.Events && s.Delivered >= n }},
	}
	for k, ph := range phases {
		if err := f.j.phase(ctx, ph.steps); err != nil {
			cancel(err)
			<-faultsDone
			return fail(err)
		}
		if !m.await(ctx, o.Settle, ph.done) {
			gate = append(gate, fmt.Sprintf("%s not all applied within %s", ph.name, o.Settle))
		}
		// The carrier's scans wait for the sim carrier's first poll (see carrierSteps). A poll
		// that was running on the killed worker is retried only after the poll interval (30m
		// here), by design, so its label scan cannot race the scans within the run: after a
		// bounded wait the journey goes on without it.
		if k == 0 && !m.await(ctx, min(o.Settle, 90*time.Second), func(s stage) bool { return s.Labelled >= n }) {
			unpolled = n - m.latest.Load().Labelled
		}
	}
	f.say("every event acknowledged; waiting for the faults to end...")
	rep.Faults = <-faultsDone
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	f.say("waiting for every order, message and delivery to settle...")
	if !m.await(ctx, o.Settle, f.settled()) {
		gate = append(gate, fmt.Sprintf("orders, messages or webhooks still open after %s: %+v", o.Settle, *m.latest.Load()))
	}
	// A message or delivery sent twice would come from a retry that is already under way:
	// give it a moment to arrive before counting.
	if err := sleep(ctx, 5*time.Second); err != nil {
		return fail(err)
	}
	m.stop()
	rep.Seconds = time.Since(f.start).Seconds()

	f.say("checking every order, event, message and delivery...")
	checks, err := f.check(ctx)
	if err != nil {
		return fail(err)
	}
	rep.Problems = append(gate, checks.problems...)
	rep.Notes = checks.notes
	if unpolled > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d shipments had no first carrier poll within 90s (a poll running on the killed worker is retried after the poll interval)", unpolled))
	}
	rep.Recovery = f.recovery(ctx)
	for _, r := range []*role{f.serve, f.worker} {
		rep.UnexpectedExits = append(rep.UnexpectedExits, r.unexpectedExits()...)
	}
	return rep, nil
}

// settled says when the run has come to rest: every order delivered, nothing left in the
// inbox, no message queued or being sent, every delivery decided and received. When a message
// or a delivery the journey owes never gets a row (which the checks then report), the counts
// cannot reach the nominal ones, so a reading that stays the same, with nothing open, for
// quietFor also counts as rest.
func (f *faultRun) settled() func(stage) bool {
	const quietFor = 20 * time.Second
	n := f.j.n
	var last stage
	var since time.Time
	return func(s stage) bool {
		open := s.Delivered < n || s.InboxOpen > 0 || s.NotifyOpen > 0 ||
			s.DeliveriesDone+s.DeliveriesFailed < s.DeliveriesOwed || f.sub.count() < s.DeliveriesDone
		switch {
		case open:
			since = time.Time{}
			return false
		case s.NotifyRows >= n*len(milestoneSteps)*2 && s.DeliveriesOwed >= n*nominalDeliveries:
			return true
		case since.IsZero() || s != last:
			last, since = s, time.Now()
			return false
		}
		return time.Since(since) >= quietFor
	}
}

// startAll starts the private Postgres, Temporal, the stand-ins and shipflow (migrate, then
// serve and worker), and registers the subscriber.
func (f *faultRun) startAll(ctx context.Context) error {
	f.say("starting a private Postgres cluster, Temporal and shipflow (logs in %s)...", f.dir)
	var err error
	if f.pg, err = startPGCluster(ctx, filepath.Join(f.dir, "postgres.log")); err != nil {
		return err
	}
	dbURL := f.pg.URL("shipflow_loadtest")
	if err := db.EnsureDatabase(ctx, dbURL); err != nil {
		return fmt.Errorf("create the run's database: %w", err)
	}
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	temporalAddr := "127.0.0.1:" + strconv.Itoa(ports[3])
	if f.temp, err = startTemporalServer(ctx, f.o.TemporalCLI, filepath.Join(f.dir, "temporal"), temporalAddr); err != nil {
		return err
	}

	f.box, f.sub, f.twilio, f.sendgrid = newMailbox(), newSubscriber(), &outage{}, &outage{}
	var urls []string
	for _, h := range []http.Handler{twilioStandIn{box: f.box, out: f.twilio}, sendGridStandIn{box: f.box, out: f.sendgrid},
		mailgunStandIn{box: f.box, taken: &f.mailgunTook}, f.sub} {
		s, err := serve(h)
		if err != nil {
			return err
		}
		context.AfterFunc(ctx, s.Close)
		urls = append(urls, s.URL)
	}
	opts := Options{DatabaseURL: dbURL, TemporalAddress: temporalAddr, TemporalNamespace: "default", TaskQueue: "shipflow",
		TemporalCLI: f.o.TemporalCLI}
	httpAddr, metricsAddr := "127.0.0.1:"+strconv.Itoa(ports[0]), "127.0.0.1:"+strconv.Itoa(ports[1])
	env := childEnv(childSettings(opts, f.dir, httpAddr, metricsAddr, ports[2], temporalAddr, providerURLs{urls[0], urls[1], urls[2]}, f.o.Secrets))
	f.api = "http://" + httpAddr

	logs := map[string]*os.File{}
	for _, name := range []string{"migrate", "serve", "worker"} {
		l, err := os.Create(filepath.Join(f.dir, "shipflow-"+name+".log"))
		if err != nil {
			return fmt.Errorf("create the %s log: %w", name, err)
		}
		context.AfterFunc(ctx, func() { l.Close() })
		logs[name] = l
	}
	if err := run(ctx, f.o.Executable, []string{"migrate"}, env, logs["migrate"]); err != nil {
		return fmt.Errorf("shipflow migrate (log %s): %w", logs["migrate"].Name(), err)
	}
	f.serve = &role{name: "serve", exe: f.o.Executable, env: env, log: logs["serve"], ready: answers200(f.api + "/readyz")}
	f.worker = &role{name: "worker", exe: f.o.Executable, env: env, log: logs["worker"], ready: answers200("http://" + metricsAddr + "/healthz")}
	for _, r := range []*role{f.serve, f.worker} {
		if err := r.start(ctx); err != nil {
			return err
		}
	}
	probe := &shipflowProcs{URL: f.api, Log: logs["worker"].Name()}
	if err := probe.waitReady(ctx, f.o.Secrets.AdminToken); err != nil {
		return err
	}

	if f.pool, err = pgxpool.New(ctx, dbURL); err != nil {
		return fmt.Errorf("connect to the run's database: %w", err)
	}
	sdkLog, err := os.Create(filepath.Join(f.dir, "loadtest-temporal.log"))
	if err != nil {
		return fmt.Errorf("create the Temporal client log: %w", err)
	}
	context.AfterFunc(ctx, func() { sdkLog.Close() })
	if f.tc, err = engine.Dial(ctx, engine.Options{Address: temporalAddr, Namespace: "default",
		Logger: slog.New(slog.NewTextHandler(sdkLog, &slog.HandlerOptions{Level: slog.LevelWarn}))}, 30*time.Second); err != nil {
		return err
	}
	if f.endpointID, err = f.sub.register(ctx, f.api, f.o.Secrets.AdminToken, urls[3]); err != nil {
		return err
	}
	return nil
}

// stopAll stops what startAll started, shipflow first, then Temporal, then Postgres, and
// removes the cluster unless keep asks to leave its data to look at. It is safe after a
// partial start.
func (f *faultRun) stopAll(keep bool) {
	if f.tc != nil {
		f.tc.Close()
	}
	if f.pool != nil {
		f.pool.Close()
	}
	for _, r := range []*role{f.serve, f.worker} {
		if r != nil {
			r.stop()
		}
	}
	if f.temp != nil {
		_ = f.temp.Stop()
	}
	if f.pg != nil {
		f.pg.close(keep)
		if keep {
			f.say("kept the private Postgres cluster: start it with `runuser -u postgres -- %s -D %s -p %d -k %s`",
				filepath.Join(f.pg.bin, "postgres"), f.pg.dataDir(), f.pg.Port, f.pg.root)
		}
	}
}

// FaultRecord is one fault as it happened.
type FaultRecord struct {
	Name         string  `json:"name"`
	AtSeconds    float64 `json:"at_seconds"`    // since the journey's first event
	Acked        int     `json:"acked"`         // events acknowledged when it began
	DownSeconds  float64 `json:"down_seconds"`  // from breaking it until it was started again
	ReadySeconds float64 `json:"ready_seconds"` // from starting it again until it served
	Detail       string  `json:"detail"`
}

// fault is one thing to break: when (the share of the journey's events acknowledged) and how.
type fault struct {
	name  string
	share float64
	do    func(ctx context.Context, r *FaultRecord) error
	// alongside runs the fault beside the ones after it instead of before them: a provider's
	// outage must meet the messages of the journey, which the faults in turn would have left
	// behind by the time its turn came.
	alongside bool
}

// inject breaks things one after another, each once its share of the journey's events has
// been acknowledged and the one before has been undone. The shares put the first three in the
// merchant's half of the journey (events 0-57%) and the last two in the carrier's, so that
// Temporal is down while scans arrive and Twilio fails while delivery-day texts go out.
// SendGrid's outage runs alongside the others from early on, while confirmation and shipping
// emails go out, so that they fail over to Mailgun.
func (f *faultRun) inject(ctx context.Context, d outages) ([]FaultRecord, error) {
	// restart kills r, after before when given, and starts it again down later.
	restart := func(r *role, down time.Duration, before func()) func(context.Context, *FaultRecord) error {
		return func(ctx context.Context, rec *FaultRecord) error {
			pid := r.kill()
			if before != nil {
				before()
			}
			t := time.Now()
			if err := sleep(ctx, down); err != nil {
				return err
			}
			rec.DownSeconds = time.Since(t).Seconds()
			t = time.Now()
			if err := r.start(ctx); err != nil {
				return err
			}
			rec.ReadySeconds = time.Since(t).Seconds()
			rec.Detail = fmt.Sprintf("SIGKILL to pid %d and its group; started again as pid %d", pid, r.pid())
			return nil
		}
	}
	faults := []fault{
		{name: "kill -9 the worker mid-send", share: 0.10, do: func(ctx context.Context, rec *FaultRecord) error {
			// Hold Twilio's answers back until a text is in flight, so the worker dies after
			// Twilio took it and before shipflow heard so: the retry must not send it again.
			f.twilio.holdFor.Store(int64(time.Minute))
			wait := time.Now().Add(30 * time.Second)
			for f.twilio.held.Load() == 0 && time.Now().Before(wait) {
				if err := sleep(ctx, 20*time.Millisecond); err != nil {
					f.twilio.holdFor.Store(0)
					return err
				}
			}
			inFlight := f.twilio.held.Load()
			err := restart(f.worker, d.worker, func() { f.twilio.holdFor.Store(0) })(ctx, rec)
			rec.Detail += fmt.Sprintf("; texts taken by Twilio, unanswered when it died: %d", inFlight)
			return err
		}},
		{name: "kill -9 the API server (serve)", share: 0.25, do: restart(f.serve, d.serve, nil)},
		{name: "crash and restart Postgres", share: 0.40, do: func(ctx context.Context, rec *FaultRecord) error {
			if err := f.pg.Crash(); err != nil {
				return err
			}
			t := time.Now()
			if err := sleep(ctx, d.postgres); err != nil {
				return err
			}
			rec.DownSeconds = time.Since(t).Seconds()
			t = time.Now()
			if err := f.pg.Start(ctx); err != nil {
				return fmt.Errorf("start Postgres again: %w", err)
			}
			rec.ReadySeconds = time.Since(t).Seconds()
			rec.Detail = "immediate shutdown (SIGQUIT to the postmaster, as pg_ctl -m immediate), WAL recovery on start"
			return nil
		}},
		{name: "stop and restart Temporal", share: 0.62, do: func(ctx context.Context, rec *FaultRecord) error {
			t := time.Now()
			if err := f.temp.Stop(); err != nil {
				return err
			}
			if err := sleep(ctx, d.temporal); err != nil {
				return err
			}
			rec.DownSeconds = time.Since(t).Seconds()
			t = time.Now()
			if err := f.temp.Start(ctx); err != nil {
				return err
			}
			rec.ReadySeconds = time.Since(t).Seconds()
			rec.Detail = "dev server stopped with SIGTERM, started again on the same port and SQLite file"
			return nil
		}},
		{name: "Twilio stand-in failing", share: 0.72, do: func(ctx context.Context, rec *FaultRecord) error {
			a0, d0 := f.twilio.answered.Load(), f.twilio.dropped.Load()
			f.twilio.on.Store(true)
			t := time.Now()
			err := sleep(ctx, d.twilio)
			f.twilio.on.Store(false)
			rec.DownSeconds = time.Since(t).Seconds()
			rec.Detail = fmt.Sprintf("%d requests answered 503, %d connections closed unanswered",
				f.twilio.answered.Load()-a0, f.twilio.dropped.Load()-d0)
			return err
		}},
		{name: "SendGrid down, Mailgun configured", share: 0.15, do: func(ctx context.Context, rec *FaultRecord) error {
			a0, d0, m0 := f.sendgrid.answered.Load(), f.sendgrid.dropped.Load(), f.mailgunTook.Load()
			f.sendgrid.on.Store(true)
			t := time.Now()
			err := sleep(ctx, d.sendgrid)
			f.sendgrid.on.Store(false)
			rec.DownSeconds = time.Since(t).Seconds()
			refused, took := f.sendgrid.answered.Load()-a0+f.sendgrid.dropped.Load()-d0, f.mailgunTook.Load()-m0
			rec.Detail = fmt.Sprintf("%d requests answered 503, %d connections closed unanswered; Mailgun took %d emails",
				f.sendgrid.answered.Load()-a0, f.sendgrid.dropped.Load()-d0, took)
			if refused > 0 && took == 0 {
				rec.Detail += "; no email failed over"
			}
			return err
		}, alongside: true},
	}
	// In the order of their shares.
	slices.SortStableFunc(faults, func(a, b fault) int { return cmp.Compare(a.share, b.share) })
	total := float64(f.j.n * int(stepCount))
	var (
		records []FaultRecord
		beside  sync.WaitGroup
		mu      sync.Mutex
		errs    []error
	)
	defer beside.Wait()
	for _, ft := range faults {
		for float64(f.j.acked.Load()) < ft.share*total {
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return records, nil // the run is over; it says why
			}
		}
		rec := FaultRecord{Name: ft.name, AtSeconds: time.Since(f.start).Seconds(), Acked: int(f.j.acked.Load())}
		f.say("%5.0fs  fault: %s", rec.AtSeconds, ft.name)
		if ft.alongside {
			beside.Go(func() {
				err := ft.do(ctx, &rec)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && ctx.Err() == nil {
					errs = append(errs, fmt.Errorf("%s: %w", ft.name, err))
					return
				}
				f.say("%5.0fs  recovered: %s (down %.1fs) %s", time.Since(f.start).Seconds(), ft.name, rec.DownSeconds, rec.Detail)
				records = append(records, rec)
			})
			continue
		}
		if err := ft.do(ctx, &rec); err != nil {
			if ctx.Err() != nil {
				return records, nil
			}
			return records, fmt.Errorf("%s: %w", ft.name, err)
		}
		f.say("%5.0fs  recovered: %s (down %.1fs, serving %.1fs after restart) %s", time.Since(f.start).Seconds(), ft.name, rec.DownSeconds, rec.ReadySeconds, rec.Detail)
		mu.Lock()
		records = append(records, rec)
		mu.Unlock()
	}
	beside.Wait()
	slices.SortFunc(records, func(a, b FaultRecord) int { return cmp.Compare(a.AtSeconds, b.AtSeconds) })
	return records, errors.Join(errs...)
}

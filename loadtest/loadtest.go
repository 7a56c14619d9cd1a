// Package loadtest drives orders through shipflow's whole journey over HTTP, as the systems
// around it would, against a shipflow it runs itself, and reports what shipflow sustained next
// to what the bare engine (Temporal and Postgres) manages in the same run.
//
// The benches (`shipflow bench ...`) each time one path of a running system. Only the whole
// journey at once shows what an order costs when the inbox, the relay, the workflows, the
// projection, the notifications, the voice tool and the outbound webhooks all compete for the
// same cores; and figures such as "180 events/s" say little on their own, so the run measures
// the engine's ceilings with an empty workflow on the same server and gives shipflow's figures
// as a share of them.
//
// A run:
//
//  1. resets its dedicated database and starts, in this process, stand-ins for Twilio and
//     SendGrid that count every message per recipient and milestone, and a subscriber that
//     verifies every outbound webhook's signature;
//  2. starts shipflow as child processes of the same binary (`dev`, which runs a Temporal dev
//     server as its own child, or `serve` and `worker` against an existing Temporal) with a
//     fresh data dir, free ports and the stand-ins as providers, and waits for /readyz and a
//     self-test;
//  3. measures the bare engine: workflow starts and signals per second of an empty workflow,
//     and the highest signal rate it applies with the status fresh;
//  4. drives every order's journey with signed webhooks, the merchant's events first, then,
//     once every parcel is with the carrier, the carrier's scans, with voice lookups and a
//     progress line while it runs, and waits for everything to settle;
//  5. checks every order reached delivered, every owed message arrived exactly once and every
//     owed webhook arrived signed, times Postgres point reads, and stops what it started.
//
// The fault suite (RunFaults, faults.go) drives the same journey, slowly, while it kills the
// worker and the API server, crashes Postgres, stops Temporal and makes Twilio fail, then
// checks that nothing was lost or done twice. TestFaults runs its short form in `make test`;
// `shipflow loadtest faults [-long]` runs it from the command line.
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
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/workflows"
)

// DefaultVoiceConcurrency is how many voice lookups a run has in flight at most, unless told.
const DefaultVoiceConcurrency = 8

// Options configure a run. Zero values take the defaults noted.
type Options struct {
	Orders      int
	Rate        float64 // events per second across all orders; 0 sends as fast as they are acknowledged
	Concurrency int     // orders in flight at once (32)
	// VoiceRate and VoiceConcurrency shape the voice lookups during the journey: paced at
	// VoiceRate a second (20), at most VoiceConcurrency in flight at once (8, as issue 18's
	// target for a lookup's p99 in a burst states it).
	VoiceRate        float64
	VoiceConcurrency int

	// TemporalAddress is an existing Temporal frontend; empty runs `shipflow dev`, which starts
	// a dev server of its own, or with Replicas a dev server of the run's own, as a process of
	// its own.
	TemporalAddress   string
	TemporalNamespace string // "default"
	TaskQueue         string // shipflow's task queue; "shipflow", or one of the run's own on an existing server
	TemporalCLI       string // the CLI `shipflow dev` runs, as an absolute path
	DatabaseURL       string // dropped and recreated at start: its name must contain "loadtest"
	Executable        string // the shipflow binary to run as the child

	// Replicas, when set, runs shipflow as that many `serve` and `worker` processes (and
	// `migrate` that many times at once) against one Temporal and one Postgres, with the load
	// spread over the API replicas round robin (replicas.go). KillReplica, with two or more,
	// kills the last serve and the last worker with SIGKILL partway through, for good.
	Replicas int
	// PprofAddr serves the one shipflow process's profiler there (SHIPFLOW_PPROF_ADDR).
	PprofAddr   string
	KillReplica bool

	Secrets Secrets
	// Keep leaves the database and the run's directory (Temporal's SQLite file, logs) behind,
	// and on an existing Temporal the orders running.
	Keep bool
	// Settle bounds each wait for shipflow to catch up (5m); EnginePhase is the length of each
	// bare-engine measure (3s).
	Settle      time.Duration
	EnginePhase time.Duration
	// Window, when set, also reports the figures window by window (Report.Windows), so that a
	// soak shows drift; Poll is how often the run reads its progress from Postgres (250ms), which
	// a soak with many orders makes rarer, since each reading counts the run's rows.
	Window time.Duration
	Poll   time.Duration
	Out    io.Writer
}

// Secrets are what the load test signs and authenticates with; the child gets the same ones.
// `shipflow dev` would invent these, and the command passes its dev values.
type Secrets struct {
	CommerceWebhook, CarrierWebhook string
	AdminToken, VoiceToken          string
}

func (o *Options) ownTemporal() bool { return o.TemporalAddress == "" }

func (o *Options) defaults() error {
	if o.Orders <= 0 {
		return errors.New("loadtest: -orders must be positive")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.VoiceConcurrency <= 0 {
		o.VoiceConcurrency = DefaultVoiceConcurrency
	}
	if o.VoiceRate <= 0 {
		o.VoiceRate = 20
	}
	if o.TemporalNamespace == "" {
		o.TemporalNamespace = "default"
	}
	if o.TaskQueue == "" {
		o.TaskQueue = "shipflow"
	}
	if o.Settle <= 0 {
		o.Settle = 5 * time.Minute
	}
	if o.EnginePhase <= 0 {
		o.EnginePhase = 3 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.PprofAddr != "" && o.Replicas > 1 {
		return errors.New("loadtest: -pprof-addr profiles one process; it cannot go with -replicas")
	}
	if o.KillReplica && o.Replicas < 2 {
		return errors.New("loadtest: killing a replica needs -replicas 2 or more: the survivors must take over")
	}
	if o.ownTemporal() {
		if _, err := os.Stat(o.TemporalCLI); err != nil {
			return fmt.Errorf("loadtest: temporal CLI not found at %s (build it with `make temporal-cli`): %w", o.TemporalCLI, err)
		}
	}
	return nil
}

// Run carries out one load test and returns its report. An error means the run itself could not
// be carried out; failed checks are the report's Problems.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	run := strconv.FormatInt(time.Now().Unix(), 36)
	if !o.ownTemporal() && o.TaskQueue == "shipflow" {
		o.TaskQueue = "shipflow-loadtest-" + run // never poll, or be polled by, someone else's worker
	}
	say := func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }
	dir, err := os.MkdirTemp("", "shipflow-loadtest-")
	if err != nil {
		return nil, fmt.Errorf("loadtest: make the run's directory: %w", err)
	}
	var keepDir atomic.Bool // also set when something went wrong: the logs say what
	keepDir.Store(o.Keep)
	defer func() {
		if keepDir.Load() {
			say("kept the run's directory: %s", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	if err := resetDatabase(ctx, o.DatabaseURL); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	if !o.Keep {
		defer func() {
			if _, err := dropDatabase(context.Background(), o.DatabaseURL); err != nil {
				say("could not drop the run's database: %v", err)
			}
		}()
	}

	box, sub := newMailbox(), newSubscriber()
	var standIns []*server
	for _, h := range []http.Handler{twilioStandIn{box: box}, sendGridStandIn{box: box}, mailgunStandIn{box: box}, sub} {
		s, err := serve(h)
		if err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		defer s.Close()
		standIns = append(standIns, s)
	}

	say("starting shipflow (logs in %s)...", dir)
	sf, err := startShipflow(ctx, o, dir, providerURLs{standIns[0].URL, standIns[1].URL, standIns[2].URL}, o.Secrets)
	if err != nil {
		keepDir.Store(true)
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	defer sf.Stop() // runs before the database is dropped and the directory removed
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case err := <-sf.Exited():
			keepDir.Store(true)
			cancel(err)
		case <-ctx.Done():
		}
	}()
	fail := func(err error) (*Report, error) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		return nil, fmt.Errorf("loadtest: %w", err)
	}

	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return fail(fmt.Errorf("connect to the run's database: %w", err))
	}
	defer pool.Close()
	sdkLog, err := os.Create(filepath.Join(dir, "loadtest-temporal.log"))
	if err != nil {
		return fail(fmt.Errorf("create the Temporal client log: %w", err))
	}
	defer sdkLog.Close()
	tc, err := engine.Dial(ctx, engine.Options{Address: sf.Temporal, Namespace: o.TemporalNamespace,
		Logger: slog.New(slog.NewTextHandler(sdkLog, &slog.HandlerOptions{Level: slog.LevelWarn}))}, 30*time.Second)
	if err != nil {
		return fail(err)
	}
	defer tc.Close()
	endpointID, err := sub.register(ctx, sf.URL, o.Secrets.AdminToken, standIns[3].URL)
	if err != nil {
		return fail(err)
	}

	host, _ := os.Hostname()
	rep := &Report{
		Machine: fmt.Sprintf("%s, %d CPUs, %s/%s, %s", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version()),
		Build:   buildOf(), Started: time.Now().UTC(), Orders: o.Orders, Events: o.Orders * int(stepCount), Rate: o.Rate,
		Concurrency: o.Concurrency, VoiceRate: o.VoiceRate, VoiceConcurrency: o.VoiceConcurrency,
		Temporal: "dev server (SQLite file), child of shipflow dev",
	}
	if !o.ownTemporal() {
		rep.Temporal = o.TemporalAddress
	} else if o.Replicas > 0 {
		rep.Temporal = "dev server (SQLite file), a process of its own"
	}
	if o.Replicas > 0 {
		rep.Replicas = &ReplicaReport{Serves: o.Replicas, Workers: o.Replicas, Migrations: sf.Migrations}
	}
	if rep.Engine, err = measureEngine(ctx, tc, run, o.EnginePhase, func(s string) { say("%s", s) }); err != nil {
		return fail(err)
	}
	say("bare engine: %.0f starts/s, %.0f signals/s accepted, %.0f/s applied, %.0f/s sustained fresh",
		rep.Engine.StartsPerSecond, rep.Engine.SignalsPerSecond, rep.Engine.SignalsAppliedPerSecond, rep.Engine.SustainedSignalRate)

	j := newJourney(newBalancer(sf.URLs...), "lt-"+run+"-", o.Orders, o.Concurrency, o.Rate, o.Secrets)
	if !o.ownTemporal() && !o.Keep {
		defer terminateOrders(tc, j)
	}
	voice := &voiceLoad{j: j, token: o.Secrets.VoiceToken}
	if o.Replicas > 1 {
		voice.memoEvery = 5
	}
	voiceSteps := newVoiceSteps(j, pool)
	procs := watchProcs(sf.PIDs(), 500*time.Millisecond)
	defer procs.Close()
	m := &monitor{j: j, box: box, sub: sub, voice: voice, pool: pool, endpointID: endpointID, out: o.Out, procs: procs,
		every: o.Poll, done: make(chan struct{}), stopped: make(chan struct{})}
	if err := m.poll(ctx); err != nil {
		return fail(err)
	}
	go m.run(ctx)

	say("driving %d orders (%d events)...", o.Orders, rep.Events)
	before := procs.snapshot()
	self, _ := readStat(os.Getpid())
	start := time.Now()
	voiceCtx, stopVoice := context.WithCancel(ctx)
	voiceDone := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		wg.Go(func() { voice.run(voiceCtx, o.VoiceConcurrency, o.VoiceRate) })
		wg.Go(func() { voiceSteps.run(voiceCtx, o.VoiceRate) })
		wg.Wait()
		close(voiceDone)
	}()

	kills := make(chan []FaultRecord, 1)
	if o.KillReplica {
		go func() { kills <- killReplicas(ctx, sf, j, o.Replicas, start) }()
	} else {
		kills <- nil
	}
	var streams *streamWatch
	streamCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()

	var gateProblems []string
	phases := []struct {
		name  string
		steps []step
		done  func(stage) bool
	}{
		{"merchant events", commerceSteps, func(s stage) bool { return s.Relayed >= o.Orders*len(commerceSteps) && s.Shipped >= o.Orders }},
		{"carrier scans", carrierSteps, func(s stage) bool { return s.Relayed >= rep.Events && s.Delivered >= o.Orders }},
	}
	for k, ph := range phases {
		if k == 1 && o.Replicas > 1 {
			// Every order is shipped and known; its scans arrive at any replica and are
			// written by any worker, and the first replica's streams must hear of each.
			streams = watchStreams(streamCtx, sf.URL, o.Secrets.AdminToken, j, 8)
		}
		t := time.Now()
		if err := j.phase(ctx, ph.steps); err != nil {
			stopVoice()
			return fail(err)
		}
		sent := time.Since(t)
		if !m.await(ctx, o.Settle, ph.done) {
			gateProblems = append(gateProblems, fmt.Sprintf("%s not all applied within %s", ph.name, o.Settle))
		}
		applied := time.Since(t)
		events := o.Orders * len(ph.steps)
		rep.Journey.Phases = append(rep.Journey.Phases, Phase{Name: ph.name, Events: events,
			SendSeconds: sent.Seconds(), AppliedSeconds: applied.Seconds(),
			AckPerSecond: float64(events) / sent.Seconds(), AppliedPerSecond: float64(events) / applied.Seconds()})
		if k == 0 && !m.await(ctx, o.Settle, func(s stage) bool { return s.Labelled >= o.Orders }) {
			gateProblems = append(gateProblems, fmt.Sprintf("the sim carrier was not polled for every shipment within %s", o.Settle))
		}
	}
	stopVoice()
	<-voiceDone
	if rep.Replicas != nil {
		rep.Replicas.Kills = <-kills
	}
	expectedMessages := o.Orders * len(milestoneSteps) * 2
	// Every delivery settled, not only as many arrivals as deliveries: after a kill one
	// delivery may arrive twice (at least once) while another still waits out the lease of
	// the dispatcher that died holding it.
	if !m.await(ctx, o.Settle, func(s stage) bool {
		return int(box.total.Load()) >= expectedMessages && s.DeliveriesOwed >= o.Orders*nominalDeliveries &&
			sub.count() >= s.DeliveriesOwed && s.DeliveriesDone+s.DeliveriesFailed >= s.DeliveriesOwed
	}) {
		gateProblems = append(gateProblems, fmt.Sprintf("messages or webhooks still missing after %s", o.Settle))
	}
	journeyTime := time.Since(start)
	rep.Processes = procs.figures(before, procs.snapshot(), journeyTime)
	rep.Processes.Per1000Orders = rep.Processes.per1000(o.Orders)
	if now, err := readStat(os.Getpid()); err == nil {
		rep.Processes.LoadGeneratorCPUSeconds = (now.cpu - self.cpu).Seconds()
	}
	m.stop()
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	say("checking every order...")
	rep.Journey.Seconds = journeyTime.Seconds()
	j.mu.Lock()
	rep.Windows = windows(start, o.Window, m.samples, j.acks, j, box.all())
	j.mu.Unlock()
	fillJourney(rep, j, voice, box, sub, start)
	if rep.Journey.VoiceSteps, err = voiceSteps.figures(); err != nil {
		return fail(err)
	}
	if rep.Journey.Stages, rep.Journey.StagesByMilestone, err = messageStages(ctx, pool, j, endpointID, box.all()); err != nil {
		return fail(err)
	}
	final, err := readStage(ctx, pool, j.prefix, endpointID)
	if err != nil {
		return fail(err)
	}
	rep.Journey.Deliveries.Recorded, rep.Journey.Deliveries.Failed = final.DeliveriesOwed, final.DeliveriesFailed
	if o.KillReplica {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE order_id LIKE $1 || '%' AND status = 'unknown'`,
			j.prefix).Scan(&rep.Journey.Notifications.InDoubt); err != nil {
			return fail(fmt.Errorf("read the notification log: %w", err))
		}
	}
	rep.Journey.NotFinal, rep.Journey.NotFinalExamples = notFinal(ctx, j, o.Secrets.AdminToken)
	rep.Journey.Workflows = workflowCounts(ctx, tc, o.TemporalNamespace, o.TaskQueue)
	rep.Journey.History = histories(ctx, tc, pool, j, endpointID)
	rep.Journey.HistoryLength = map[string]float64{}
	for typ, h := range rep.Journey.History {
		rep.Journey.HistoryLength[typ] = h.Length
	}
	rep.Journey.Cost = cost(rep.Journey.History, rep.Journey.Workflows, j.n)
	if h, ok := rep.Journey.History[workflows.OrderName]; ok {
		rep.Journey.HistoryLimit = historyLimit(h.Events[signalEvent])
	}

	say("bare engine: Postgres point reads...")
	ids := make([]string, o.Orders)
	for i := range ids {
		ids[i] = j.orderID(i)
	}
	if rep.Engine.PGRead, rep.Engine.PGReadsPerSecond, err = pointReads(ctx, pool, ids, o.EnginePhase); err != nil {
		return fail(err)
	}
	rep.Ratios = Ratios{
		AckVsSignals:       ratio(rep.Journey.AckPerSecond, rep.Engine.SignalsPerSecond),
		AppliedVsSustained: ratio(rep.Journey.AppliedPerSecond, rep.Engine.SustainedSignalRate),
		AppliedVsDrained:   ratio(rep.Journey.AppliedPerSecond, rep.Engine.SignalsAppliedPerSecond),
		VoiceVsPGReadP50:   ratio(rep.Journey.Voice.P50, rep.Engine.PGRead.P50),
		VoiceVsPGReadP99:   ratio(rep.Journey.Voice.P99, rep.Engine.PGRead.P99),
	}
	j.mu.Lock()
	lastErr := j.lastErr
	j.mu.Unlock()
	rep.Problems = append(gateProblems, problems(rep, lastErr)...)
	if rep.Replicas != nil {
		if streams != nil {
			// Every order is delivered by now: a stream that has not said so will not.
			waitStreams(streams, 10*time.Second)
			stopStreams()
			streams.wg.Wait()
		}
		say("checking what the replicas share...")
		if err := checkReplicas(ctx, rep, o, j, pool, tc, box, sub, endpointID, voice, streams); err != nil {
			return fail(err)
		}
	}
	rep.Warnings = warnings(rep)
	if len(rep.Problems) > 0 {
		keepDir.Store(true)
	}
	return rep, nil
}

// fillJourney turns what the journey, the voice load and the stand-ins noted into figures.
func fillJourney(rep *Report, j *journey, voice *voiceLoad, box *mailbox, sub *subscriber, start time.Time) {
	jr := &rep.Journey
	var sendTime, applyTime time.Duration
	for _, ph := range jr.Phases {
		sendTime += time.Duration(ph.SendSeconds * float64(time.Second))
		applyTime += time.Duration(ph.AppliedSeconds * float64(time.Second))
	}
	j.mu.Lock()
	took := make([]time.Duration, len(j.acks))
	for i, a := range j.acks {
		took[i] = a.took
	}
	jr.Ack, jr.Answers, jr.FailedAttempts = latencyOf(took), j.statuses, j.failures
	jr.ReroutedDuplicates = j.reroutedDuplicates
	j.mu.Unlock()
	jr.Rerouted = int(j.lb.rerouted.Load())
	jr.AckPerSecond = float64(rep.Events) / sendTime.Seconds()
	jr.AppliedPerSecond = float64(rep.Events) / applyTime.Seconds()
	jr.Notifications, jr.EventToNotification, jr.ByMilestone = notifications(j, box.all())
	voice.mu.Lock()
	jr.Voice, jr.VoiceAnswers = latencyOf(voice.times), voice.statuses
	jr.VoicePerSecond = float64(len(voice.times)) / voice.elapsed.Seconds()
	voice.mu.Unlock()
	n, _, last := sub.arrived()
	sub.mu.Lock()
	jr.Deliveries = Deliveries{Nominal: rep.Orders * nominalDeliveries, Arrived: n, Repeats: sub.repeat, BadSignatures: int(sub.bad.Load())}
	sub.mu.Unlock()
	if n > 0 {
		jr.Deliveries.PerSecond = float64(n) / last.Sub(start).Seconds()
	}
}

// terminateOrders ends the run's order workflows on a shared Temporal server.
func terminateOrders(tc client.Client, j *journey) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	forEach(j.n, 16, func(i int) {
		_ = tc.TerminateWorkflow(ctx, workflows.WorkflowID(j.orderID(i)), "", "load test over")
	})
}

// monitor reads where the run stands every quarter second, for the waits, and prints it every
// second, so that a slow run shows where it is slow.
type monitor struct {
	j          *journey
	box        *mailbox
	sub        *subscriber
	voice      *voiceLoad
	pool       *pgxpool.Pool
	endpointID string
	out        io.Writer
	procs      *procWatch    // the shipflow processes, whose resident set the line shows
	every      time.Duration // how often to read the progress (250ms when unset)

	samples []sample // one per progress line; read only after stop

	latest  atomic.Pointer[stage]
	done    chan struct{} // closed by stop
	stopped chan struct{} // closed when run returns
}

func (m *monitor) poll(ctx context.Context) error {
	s, err := readStage(ctx, m.pool, m.j.prefix, m.endpointID)
	if err != nil {
		return err
	}
	m.latest.Store(&s)
	return nil
}

func (m *monitor) run(ctx context.Context) {
	started := time.Now()
	defer close(m.stopped)
	every := cmp.Or(m.every, 250*time.Millisecond)
	perLine := max(1, int(time.Second/every))
	t := time.NewTicker(every)
	defer t.Stop()
	for k := 1; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-m.done:
			return
		case <-t.C:
		}
		if err := m.poll(ctx); err != nil {
			continue // a slow or failed read only delays the next line
		}
		if k%perLine == 0 {
			m.record()
			m.print(time.Since(started))
		}
	}
}

// record keeps the latest reading for the run's windows.
func (m *monitor) record() {
	s := m.latest.Load()
	x := sample{at: time.Now(), sent: int(m.j.sent.Load()), relayed: s.Relayed, messages: int(m.box.total.Load()),
		webhooks: m.sub.count(), delivered: s.Delivered, created: int(m.j.orders.Load()),
		inboxOpen: s.InboxOpen, notifyOpen: s.NotifyOpen}
	if m.procs != nil {
		x.rss = m.procs.rss()
	}
	m.samples = append(m.samples, x)
}

func (m *monitor) print(since time.Duration) {
	s := m.latest.Load()
	n := m.j.n
	rss := ""
	if m.procs != nil { // the fault suite restarts its processes, so it watches none
		rss = fmt.Sprintf("  rss %d MiB", m.procs.rss()>>20)
	}
	fmt.Fprintf(m.out, "%5.0fs  sent %d/%d  acked %d  relayed %d  shipped %d/%d  delivered %d/%d  messages %d/%d  webhooks %d/%d  voice %d%s\n",
		since.Seconds(), m.j.sent.Load(), n*int(stepCount), m.j.acked.Load(), s.Relayed, s.Shipped, n, s.Delivered, n,
		m.box.total.Load(), n*len(milestoneSteps)*2, m.sub.count(), max(s.DeliveriesOwed, n*nominalDeliveries), m.voice.count.Load(),
		rss)
}

// await waits until done holds for the latest reading, or timeout; it reports whether it held.
func (m *monitor) await(ctx context.Context, timeout time.Duration, done func(stage) bool) bool {
	deadline := time.Now().Add(timeout)
	for !done(*m.latest.Load()) {
		if time.Now().After(deadline) || sleep(ctx, 50*time.Millisecond) != nil {
			return false
		}
	}
	return true
}

func (m *monitor) stop() {
	close(m.done)
	<-m.stopped
}

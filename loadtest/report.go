package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/shipflow/shipflow/workflows"
)

// Report is what a run found: shipflow's figures, the bare engine's on the same machine and
// server, the ratios between them, and the problems that make the run a failure. Its JSON form
// is for machines (-json); WriteTable is for people.
type Report struct {
	Machine string `json:"machine"`
	// Build is the commit of the binary that ran the load test, which `shipflow loadtest` also
	// starts as shipflow (its own executable), so that a committed JSON says which code it
	// measured.
	Build       Build     `json:"build"`
	Started     time.Time `json:"started"`
	Orders      int       `json:"orders"`
	Events      int       `json:"events"`
	Rate        float64   `json:"rate_events_per_second"` // 0: as fast as acknowledged
	Concurrency int       `json:"concurrency"`
	// VoiceRate and VoiceConcurrency are the voice load's: lookups paced at VoiceRate a
	// second, at most VoiceConcurrency of them in flight at once.
	VoiceRate        float64 `json:"voice_rate_per_second"`
	VoiceConcurrency int     `json:"voice_concurrency"`
	Temporal         string  `json:"temporal"` // "dev server (child)" or the address used
	// Replicas is replica mode's account: how many of each process, what was killed, and what
	// the replicas share.
	Replicas *ReplicaReport `json:"replicas,omitempty"`

	Journey   Journey   `json:"journey"`
	Processes Processes `json:"processes"`
	Engine    Engine    `json:"engine"`
	Ratios    Ratios    `json:"ratios"`
	// Windows are the journey's figures window by window, with Options.Window.
	Windows []Window `json:"windows,omitempty"`
	// Problems are the checks that failed; an empty list is a passing run. Warnings are worth
	// a look but fail nothing.
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings,omitempty"`
}

// Journey holds shipflow's own figures.
type Journey struct {
	AckPerSecond   float64        `json:"ack_per_second"` // events over the time spent sending them
	Ack            Latency        `json:"ack"`
	Answers        map[string]int `json:"answers"`         // the status of each 200: accepted, duplicate, ignored
	FailedAttempts int            `json:"failed_attempts"` // requests that got no 200 and were retried
	// Rerouted are requests (events, voice lookups, reads) the balancer sent again to another
	// API replica after the first gave no answer, as a load balancer retries; they are not
	// failed attempts. ReroutedDuplicates are events among them answered "duplicate": the
	// replica that died had stored them before it could answer.
	Rerouted           int     `json:"rerouted,omitempty"`
	ReroutedDuplicates int     `json:"rerouted_duplicates,omitempty"`
	AppliedPerSecond   float64 `json:"applied_per_second"`
	Phases             []Phase `json:"phases"`

	EventToNotification Latency            `json:"event_to_notification"`
	ByMilestone         map[string]Latency `json:"event_to_notification_by_milestone"`
	// Stages split event to notification into the waits it is made of (stages.go), for every
	// message and by milestone.
	Stages            []Stage            `json:"event_to_notification_stages,omitempty"`
	StagesByMilestone map[string][]Stage `json:"event_to_notification_stages_by_milestone,omitempty"`
	Notifications     Notifications      `json:"notifications"`

	Voice          Latency        `json:"voice"`
	VoicePerSecond float64        `json:"voice_per_second"`
	VoiceAnswers   map[string]int `json:"voice_answers"`
	// VoiceSteps are a lookup's Postgres steps, timed beside the voice load (voicesteps.go).
	VoiceSteps []VoiceStep `json:"voice_steps,omitempty"`

	Deliveries Deliveries `json:"deliveries"`

	// Workflows counts the Temporal workflows shipflow ran for the run's orders, by type.
	Workflows map[string]int64 `json:"workflows,omitempty"`
	// HistoryLength is the mean history length of a sample of those workflows, by type.
	HistoryLength map[string]float64 `json:"history_length,omitempty"`
	// History breaks the sample down by event type and Temporal Cloud action, by type.
	History map[string]History `json:"history,omitempty"`
	// HistoryLimit is the most events the order histories may average in this run: it follows
	// from how many signals their events came in (historyLimit).
	HistoryLimit float64 `json:"order_history_limit,omitempty"`
	// Cost is what the run's workflows bill per order on Temporal Cloud.
	Cost Cost `json:"engine_cost"`

	NotFinal         int      `json:"orders_not_final"`
	NotFinalExamples []string `json:"orders_not_final_examples,omitempty"`
	Seconds          float64  `json:"seconds"` // from the first event until everything settled
}

// Phase is one half of the journey: the merchant's events or the carrier's scans. Applied
// means the read model shows every order at the phase's last stage.
type Phase struct {
	Name             string  `json:"name"`
	Events           int     `json:"events"`
	SendSeconds      float64 `json:"send_seconds"`
	AppliedSeconds   float64 `json:"applied_seconds"`
	AckPerSecond     float64 `json:"ack_per_second"`
	AppliedPerSecond float64 `json:"applied_per_second"`
}

// Notifications compares what the stand-ins received with what the orders owed: a message per
// order, milestone (confirmed, shipped, out_for_delivery, delivered) and channel (sms, email).
type Notifications struct {
	Expected int `json:"expected"`
	Received int `json:"received"`
	Missing  int `json:"missing"`
	// InDoubt are messages the notification log marks unknown: the worker that claimed one was
	// killed before the provider answered, and shipflow does not risk a second send (README
	// "Exactly once"). Only a run that kills a worker has any; each may be among Missing.
	InDoubt    int            `json:"in_doubt,omitempty"`
	Duplicates int            `json:"duplicates"` // messages beyond the first per recipient and milestone
	Unexpected map[string]int `json:"unexpected,omitempty"`
}

// Deliveries compares what the subscriber received with what shipflow owed it.
type Deliveries struct {
	Nominal       int     `json:"nominal"`  // 9 events per order's journey
	Recorded      int     `json:"recorded"` // webhook_deliveries rows for the endpoint
	Failed        int     `json:"failed"`   // of those, given up on
	Arrived       int     `json:"arrived"`  // distinct events the subscriber verified
	Repeats       int     `json:"repeats"`  // deliveries of an event already received
	BadSignatures int     `json:"bad_signatures"`
	PerSecond     float64 `json:"per_second"`
}

// Processes is the CPU and memory of shipflow's processes and their children during the
// journey; memory is each process's lifetime peak.
type Processes struct {
	CPUSeconds           float64   `json:"cpu_seconds"`
	CPUCores             float64   `json:"cpu_cores"`               // CPU seconds per second of the journey
	PeakRSSMiB           float64   `json:"peak_rss_mib"`            // sum of each process's VmHWM
	PeakConcurrentRSSMiB float64   `json:"peak_concurrent_rss_mib"` // highest sampled sum of VmRSS
	Each                 []Process `json:"each"`
	// LoadGeneratorCPUSeconds is this process's own CPU over the journey: on a small machine it
	// competes with shipflow for the same cores.
	LoadGeneratorCPUSeconds float64 `json:"load_generator_cpu_seconds"`
	// Per1000Orders is CPU seconds per 1,000 orders, for shipflow's processes and for the
	// Temporal server's (when the run started it) apart.
	Per1000Orders map[string]float64 `json:"cpu_seconds_per_1000_orders,omitempty"`
}

// per1000 splits the processes' CPU between shipflow and Temporal, per 1,000 orders.
func (p Processes) per1000(orders int) map[string]float64 {
	if orders == 0 {
		return nil
	}
	out := map[string]float64{}
	for _, pr := range p.Each {
		who := "shipflow"
		if strings.HasPrefix(pr.Name, "temporal") {
			who = "temporal"
		}
		out[who] += pr.CPUSeconds * 1000 / float64(orders)
	}
	return out
}

// Process is one of shipflow's processes.
type Process struct {
	PID        int     `json:"pid"`
	Name       string  `json:"name"`
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
}

// Engine is the bare engine's ceilings.
type Engine struct {
	StartsPerSecond         float64    `json:"starts_per_second"`
	SignalsPerSecond        float64    `json:"signals_accepted_per_second"`
	SignalsAppliedPerSecond float64    `json:"signals_applied_per_second"` // the same burst, until applied
	SustainedSignalRate     float64    `json:"sustained_signal_rate"`      // highest offered rate applied fresh
	Steps                   []RateStep `json:"sustained_steps"`
	PGReadsPerSecond        float64    `json:"pg_reads_per_second"`
	PGRead                  Latency    `json:"pg_read"`
}

// RateStep is one offered signal rate and how it was applied.
type RateStep struct {
	Offered  float64 `json:"offered"`
	Achieved float64 `json:"achieved"`
	Apply    Latency `json:"apply"`
	Fresh    bool    `json:"fresh"`
	// Tries are every try of the rate, in the order run, when there were several: the step is
	// the one with the median p99.
	Tries []RateStep `json:"tries,omitempty"`
}

// Build is the version control state of the binary that ran, from its build info. A binary
// built outside a checkout, or a test binary, has none: Revision is then "unknown".
type Build struct {
	Revision string `json:"vcs_revision"`
	Time     string `json:"vcs_time,omitempty"`
	// Modified says the checkout had changes not committed: the JSON then measured more than
	// Revision.
	Modified *bool `json:"vcs_modified,omitempty"`
}

func buildOf() Build {
	b := Build{Revision: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			m := s.Value == "true"
			b.Modified = &m
		}
	}
	return b
}

func (b Build) String() string {
	s := "commit " + b.Revision
	if b.Modified != nil && *b.Modified {
		s += " with changes not committed"
	}
	return s
}

// Ratios put shipflow's figures against the engine's.
type Ratios struct {
	AckVsSignals       float64 `json:"acks_vs_signals_accepted"`
	AppliedVsSustained float64 `json:"applied_vs_sustained_signals"`
	AppliedVsDrained   float64 `json:"applied_vs_signals_applied"`
	VoiceVsPGReadP50   float64 `json:"voice_p50_vs_pg_read_p50"`
	VoiceVsPGReadP99   float64 `json:"voice_p99_vs_pg_read_p99"`
}

// Latency is a distribution in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func latencyOf(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Latency{N: len(s), P50: ms(s[len(s)/2]), P99: ms(s[len(s)*99/100]), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error { return writeJSON(path, "the report", r) }

// writeJSON writes v, indented for diffs of committed runs, to path.
func writeJSON(path, what string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) {
	j, e, p := r.Journey, r.Engine, r.Processes
	lat := func(l Latency) string { return fmt.Sprintf("%.1f / %.1f ms", l.P50, l.P99) }
	rate := "as fast as acknowledged"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%.0f events/s", r.Rate)
	}
	fmt.Fprintf(w, "\nshipflow loadtest: %d orders, %d events, %s, %d orders in flight; Temporal: %s\n\n",
		r.Orders, r.Events, rate, r.Concurrency, r.Temporal)
	rows := [][3]string{
		{"events acknowledged per second", fmt.Sprintf("%.0f", j.AckPerSecond), fmt.Sprintf("%.2f x signals accepted/s (%.0f)", r.Ratios.AckVsSignals, e.SignalsPerSecond)},
		{"ack p50 / p99", lat(j.Ack), fmt.Sprintf("%d retried attempts, answers %s", j.FailedAttempts, counts(j.Answers))},
		{"events applied per second", fmt.Sprintf("%.0f", j.AppliedPerSecond), fmt.Sprintf("%.2f x sustained fresh signals/s (%.0f); %.2f x burst applied (%.0f)", r.Ratios.AppliedVsSustained, e.SustainedSignalRate, r.Ratios.AppliedVsDrained, e.SignalsAppliedPerSecond)},
	}
	for _, ph := range j.Phases {
		rows = append(rows, [3]string{"  " + ph.Name, fmt.Sprintf("%.0f / %.0f", ph.AckPerSecond, ph.AppliedPerSecond),
			fmt.Sprintf("acked / applied per s; %d events sent in %.1fs, applied in %.1fs", ph.Events, ph.SendSeconds, ph.AppliedSeconds)})
	}
	rows = append(rows,
		[3]string{"event to notification p50 / p99", lat(j.EventToNotification), byMilestone(j.ByMilestone)},
		[3]string{"  by stage p50 / p99", "", stagesLine(j.Stages)},
		[3]string{"notifications received", fmt.Sprintf("%d of %d", j.Notifications.Received, j.Notifications.Expected),
			fmt.Sprintf("%d missing (%d in doubt after a kill), unexpected %s", j.Notifications.Missing, j.Notifications.InDoubt, counts(j.Notifications.Unexpected))},
		[3]string{"duplicate messages", fmt.Sprint(j.Notifications.Duplicates), "per recipient and milestone; must be 0"},
		[3]string{"voice lookup p50 / p99", lat(j.Voice), fmt.Sprintf("%.0f/s (paced %.0f/s, up to %d at once), answers %s; %.1f / %.1f x PG point read",
			j.VoicePerSecond, r.VoiceRate, r.VoiceConcurrency, counts(j.VoiceAnswers), r.Ratios.VoiceVsPGReadP50, r.Ratios.VoiceVsPGReadP99)},
		[3]string{"  its Postgres steps p50 / p99", "", voiceStepsLine(j.VoiceSteps)},
		[3]string{"outbound deliveries per second", fmt.Sprintf("%.0f", j.Deliveries.PerSecond),
			fmt.Sprintf("%d arrived of %d recorded (%d nominal), %d failed, %d repeats, %d bad signatures",
				j.Deliveries.Arrived, j.Deliveries.Recorded, j.Deliveries.Nominal, j.Deliveries.Failed, j.Deliveries.Repeats, j.Deliveries.BadSignatures)},
		[3]string{"orders not in final state", fmt.Sprint(j.NotFinal), "must be 0 " + strings.Join(j.NotFinalExamples, ", ")},
		[3]string{"shipflow CPU", fmt.Sprintf("%.1f s", p.CPUSeconds), fmt.Sprintf("%.2f cores over %.0fs of journey; %s", p.CPUCores, j.Seconds, processes(p.Each))},
		[3]string{"  per 1,000 orders", fmt.Sprintf("%.0f s", p.Per1000Orders["shipflow"]+p.Per1000Orders["temporal"]),
			fmt.Sprintf("shipflow %.0f s, Temporal %.0f s", p.Per1000Orders["shipflow"], p.Per1000Orders["temporal"])},
		[3]string{"shipflow peak memory", fmt.Sprintf("%.0f MiB", p.PeakRSSMiB), fmt.Sprintf("sum of each process's peak; %.0f MiB at once", p.PeakConcurrentRSSMiB)},
		[3]string{"load generator CPU", fmt.Sprintf("%.1f s", p.LoadGeneratorCPUSeconds), "this process, on the same cores"},
		[3]string{"Temporal workflows run", fmt.Sprint(total(j.Workflows)), counts64(j.Workflows) + "; mean history events " + means(j.HistoryLength)},
		[3]string{"  order history events", fmt.Sprintf("%.1f", j.History[workflows.OrderName].Length),
			fmt.Sprintf("limit %.1f for %.1f signals; %s", j.HistoryLimit, j.History[workflows.OrderName].Events[signalEvent], breakdown(j.History[workflows.OrderName].Events))},
		[3]string{"  Cloud actions per order", fmt.Sprintf("%.1f", j.Cost.ActionsPerOrder),
			fmt.Sprintf("$%.3f per 1,000 orders at $50 per million; order workflow: %s", j.Cost.USDPer1000Orders, breakdown(j.History[workflows.OrderName].Actions))},
		[3]string{"", "", ""},
		[3]string{"bare engine: starts/s", fmt.Sprintf("%.0f", e.StartsPerSecond), "empty workflow, 32 at once (docs/BENCHMARKS.md: 71-78 on a dev server)"},
		[3]string{"bare engine: signals accepted/s", fmt.Sprintf("%.0f", e.SignalsPerSecond), fmt.Sprintf("32 at once (docs/BENCHMARKS.md: 201-216); applied %.0f/s", e.SignalsAppliedPerSecond)},
		[3]string{"bare engine: sustained signals/s", fmt.Sprintf("%.0f", e.SustainedSignalRate), "highest rate applied with p99 <= 100 ms (docs/BENCHMARKS.md: ~50) " + steps(e.Steps)},
		[3]string{"bare PG point read p50 / p99", lat(e.PGRead), fmt.Sprintf("%.0f/s at concurrency 8", e.PGReadsPerSecond)},
	)
	for _, row := range rows {
		fmt.Fprintf(w, "%-34s %-18s %s\n", row[0], row[1], row[2])
	}
	writeWindows(w, r.Windows)
	r.Replicas.write(w, j)
	fmt.Fprintf(w, "\n%s; %s\n", r.Machine, r.Build)
	for _, wr := range r.Warnings {
		fmt.Fprintln(w, "warning: "+wr)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "all checks passed")
		return
	}
	fmt.Fprintln(w, "PROBLEMS:")
	for _, pr := range r.Problems {
		fmt.Fprintln(w, "  - "+pr)
	}
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", orNone(k), m[k]))
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func byMilestone(m map[string]Latency) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.0f/%.0f", k, m[k].P50, m[k].P99))
	}
	return strings.Join(parts, ", ")
}

func processes(ps []Process) string {
	var parts []string
	for _, p := range ps {
		if p.CPUSeconds >= 0.05 {
			parts = append(parts, fmt.Sprintf("%s %.1fs %.0fMiB", p.Name, p.CPUSeconds, p.PeakRSSMiB))
		}
	}
	return strings.Join(parts, ", ")
}

// stagesLine is each stage's p50 / p99 and its median in the tail, in seconds.
func stagesLine(ss []Stage) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s %.2f/%.2f (tail %.2f)", s.Name, s.Latency.P50/1000, s.Latency.P99/1000, s.TailP50/1000))
	}
	return strings.Join(parts, ", ") + " s"
}

func voiceStepsLine(ss []VoiceStep) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s %.1f/%.1f", s.Name, s.Latency.P50, s.Latency.P99))
	}
	return strings.Join(parts, ", ") + " ms"
}

func steps(ss []RateStep) string {
	var parts []string
	for _, s := range ss {
		part := fmt.Sprintf("%.0f:%.0fms", s.Offered, s.Apply.P99)
		if len(s.Tries) > 0 {
			tries := make([]string, len(s.Tries))
			for k, t := range s.Tries {
				tries[k] = fmt.Sprintf("%.0f", t.Apply.P99)
			}
			part += "(" + strings.Join(tries, ",") + ")"
		}
		parts = append(parts, part)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func counts64(m map[string]int64) string {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = int(v)
	}
	return counts(c)
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func means(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

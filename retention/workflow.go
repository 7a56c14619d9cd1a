package retention

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// WorkflowName is the Prune workflow's registered name, which the schedule starts.
const WorkflowName = "RetentionPrune"

// Defaults of a run's bounds.
const (
	// DefaultBatchSize rows per statement keep each delete's locks and WAL short next to the
	// traffic, and the number of activities of a day's rows small.
	DefaultBatchSize = 1000
	// DefaultMaxBatches per kind per run bounds a run after a long pause (or the first run
	// over years of rows) to a million rows of each kind: the rest waits for the next run.
	DefaultMaxBatches = 1000
	// historyLimit is the events of history past which a run goes on as a new run: each
	// batch adds a few, and a short history replays fast on any worker.
	historyLimit = 2000
)

// Input is what a run prunes, and, across continue-as-new, how far it got.
type Input struct {
	Ages       []Age `json:"ages"`
	BatchSize  int   `json:"batch_size,omitempty"`  // 0: DefaultBatchSize
	MaxBatches int   `json:"max_batches,omitempty"` // per kind; 0: DefaultMaxBatches
	// HistoryLimit overrides historyLimit (tests).
	HistoryLimit int `json:"history_limit,omitempty"`

	// Set by the run itself for the run it continues as.
	Started time.Time    `json:"started,omitzero"` // the cutoffs count back from it
	Next    int          `json:"next,omitempty"`   // the index in Ages of the kind under way
	Pass    int          `json:"pass,omitempty"`   // and of its pass
	Current KindResult   `json:"current,omitzero"` // that kind's count so far
	Done    []KindResult `json:"done,omitempty"`
}

// KindResult is what a run did to one kind.
type KindResult struct {
	Kind    Kind      `json:"kind"`
	Cutoff  time.Time `json:"cutoff"`
	Pruned  int64     `json:"pruned"`
	Batches int       `json:"batches"`
	// Capped: the run stopped at MaxBatches with rows left for the next.
	Capped bool   `json:"capped,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Result is a run's outcome, shown in the Temporal UI.
type Result struct {
	Started time.Time    `json:"started"`
	Kinds   []KindResult `json:"kinds"`
}

// Workflow prunes each kind of in.Ages kept for less than for ever, batch by batch, until a
// batch comes back short or the kind's cap is reached. The cutoffs are counted once, from
// the run's start in workflow time, so a replay and a continued run see the same ones. A kind
// that fails after its retries is reported and the others still run; the run then fails,
// which the schedule's recent runs show.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	if in.Started.IsZero() {
		in.Started = workflow.Now(ctx).UTC()
	}
	size := cmpOr(in.BatchSize, DefaultBatchSize)
	maxBatches := cmpOr(in.MaxBatches, DefaultMaxBatches)
	limit := cmpOr(in.HistoryLimit, historyLimit)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	var a *Activities
	on := map[Kind]bool{}
	for _, age := range in.Ages {
		on[age.Kind] = age.Keep > 0
	}
	for ; in.Next < len(in.Ages); in.Next, in.Pass, in.Current = in.Next+1, 0, (KindResult{}) {
		age := in.Ages[in.Next]
		if age.Keep <= 0 {
			continue
		}
		cur := &in.Current
		cur.Kind, cur.Cutoff = age.Kind, in.Started.Add(-age.Keep)
		passes := passesOf(age.Kind)
		if passes == nil {
			cur.Error = fmt.Sprintf("unknown kind %q", age.Kind)
		}
	kind:
		for ; in.Pass < len(passes) && cur.Error == ""; in.Pass++ {
			for {
				if cur.Batches >= maxBatches {
					cur.Capped = true
					break kind
				}
				if workflow.GetInfo(ctx).GetCurrentHistoryLength() >= limit {
					return Result{}, workflow.NewContinueAsNewError(ctx, WorkflowName, in)
				}
				b := Batch{Pass: passes[in.Pass], Cutoff: cur.Cutoff, Limit: size,
					Notifications: on[KindNotifications], Inbox: on[KindInbox]}
				var n int64
				if err := workflow.ExecuteActivity(ctx, a.PruneBatch, b).Get(ctx, &n); err != nil {
					cur.Error = err.Error()
					break kind
				}
				cur.Batches++
				cur.Pruned += n
				if n < int64(size) {
					break
				}
			}
		}
		run := Run{Kind: age.Kind, ID: workflow.GetInfo(ctx).WorkflowExecution.ID + "@" + in.Started.Format(time.RFC3339Nano),
			At: in.Started, Pruned: cur.Pruned}
		if err := workflow.ExecuteActivity(ctx, a.RecordRun, run).Get(ctx, nil); err != nil && cur.Error == "" {
			cur.Error = err.Error()
		}
		in.Done = append(in.Done, *cur)
	}
	res := Result{Started: in.Started, Kinds: in.Done}
	var errs []error
	for _, k := range in.Done {
		if k.Error != "" {
			errs = append(errs, fmt.Errorf("%s: %s", k.Kind, k.Error))
		}
	}
	if len(errs) > 0 {
		return res, temporal.NewNonRetryableApplicationError("retention: some kinds failed", "RetentionFailed", errors.Join(errs...), res)
	}
	return res, nil
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// Order is the workflow of one order, from order.created until its journey is over: it feeds
// every commerce event and carrier update to the lifecycle rules (package order), answers the
// status query from its own state, and carries out the rules' effects as activities. It runs
// for weeks, continuing as new whenever Temporal suggests, and completes once the order is
// cancelled, or delivered or returned and the review-request delay has passed.
func Order(ctx workflow.Context, in OrderInput) error {
	w, fx, err := newOrderWorkflow(ctx, in)
	if err != nil {
		return err
	}
	return w.run(ctx, fx)
}

// orderWorkflow is one run's state. Only state and the revision bookkeeping cross into the
// next run; everything else is rebuilt.
type orderWorkflow struct {
	state    order.Order
	settings OrderSettings

	revision  int64 // grows with every change of state
	projected int64 // the revision the read model has
	// sentEntries is the highest timeline entry Seq handed to the read model.
	sentEntries int64
	inflight    int // effect activities not finished yet
	// unrecorded are published events project has yet to write (runs since compactHistory).
	unrecorded []outbound.Event
	applied    int // events applied in this run
	finalSince *time.Time
	search     searchValues // what was last upserted
	quiet      *quietWindow // the customer's quiet hours as last recorded (see quietWait)
	// searchStale: the state changed since (runs since compactHistory; see keepSearch).
	searchStale bool

	pollers map[string]*poller // by shipment id
	// registering are the registrations in flight, by shipment id and tracking key.
	registering map[string]bool
	stopping    bool // the run is ending: polls and detection stand down
	// waitAfterNews: a poll restarted by news waits its interval first (see pollAfterNews).
	waitAfterNews bool
	// localStore: this run writes to Postgres with local activities (see localStoreChange).
	localStore bool
	// compact: this run started under compactHistory, so it follows every change before it
	// without asking its marker, and the history cuts that came with it.
	compact bool
	// journey: this run started at journeyVersion of compactHistory or later, so it issues
	// the commands of issue 19's journey (parcel registration and the rest); older runs
	// replay without them.
	journey bool
	// daily: this run started at dailyVersion or later, so it keeps the daily update's clock
	// (keepDaily) and records when each message left (order.Order.Sent); older runs replay
	// without them.
	daily bool
	// cancelAtOnce: this run started at cancelVersion or later, so the cancellation message
	// goes whatever the hour (order.Milestone.Urgent) and the order completes when cancelled;
	// older runs held it for the customer's quiet hours and replay so.
	cancelAtOnce bool

	logger log.Logger
}

func newOrderWorkflow(ctx workflow.Context, in OrderInput) (*orderWorkflow, []order.Effect, error) {
	w := &orderWorkflow{settings: in.Settings, logger: workflow.GetLogger(ctx)}
	if in.State != nil {
		w.state = *in.State
		w.revision, w.projected = in.Revision, in.Revision
		w.sentEntries = in.State.Recorded
		w.finalSince = in.FinalSince
		return w, nil, nil
	}
	if in.Created == nil {
		return nil, nil, temporal.NewNonRetryableApplicationError("order workflow started without order.created or state", "InvalidInput", nil)
	}
	st, fx, err := order.New(*in.Created)
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError("invalid order.created: "+err.Error(), "InvalidInput", err)
	}
	w.state = st
	return w, fx, nil
}

func (w *orderWorkflow) run(ctx workflow.Context, fx []order.Effect) error {
	v := workflow.GetVersion(ctx, compactHistory, workflow.DefaultVersion, cancelVersion)
	w.compact = v >= compactVersion
	w.journey = v >= journeyVersion
	w.daily = v >= dailyVersion
	w.cancelAtOnce = v >= cancelVersion
	w.localStore = w.since(ctx, localStoreChange)
	if w.compact {
		w.search = searchValuesIn(workflow.GetTypedSearchAttributes(ctx))
	}
	if err := w.handle(ctx); err != nil {
		return err
	}
	if fx != nil { // a new order, not a continued run
		fx = append(fx, w.estimateOrder(ctx)...)
	}
	w.listen(ctx)
	workflow.Go(ctx, w.project)
	if w.compact {
		workflow.Go(ctx, w.keepSearch)
	}
	if w.watching(ctx) {
		workflow.Go(ctx, w.pollCarriers)
		workflow.Go(ctx, w.detectTrouble)
	}
	if w.registers() {
		workflow.Go(ctx, w.registerParcels)
	}
	if w.daily {
		workflow.Go(ctx, w.keepDaily)
	}
	w.changed(ctx, fx)

	for {
		if err := workflow.Await(ctx, func() bool { return w.closing() || w.state.Final() || w.shouldContinueAsNew(ctx) }); err != nil {
			return err
		}
		switch {
		case w.state.CancelledAt != nil:
			return w.finish(ctx)
		case w.state.Final():
			done, err := w.linger(ctx)
			if err != nil || done {
				return err
			}
		}
		if w.shouldContinueAsNew(ctx) {
			return w.continueAsNew(ctx)
		}
	}
}

// compactHistory marks the change that let a run follow every earlier change at once. Each
// workflow.GetVersion costs a run two history events the first time it is asked (a marker and
// an upsert of TemporalChangeVersion): the seven changes an order met cost fourteen of its
// 100-odd events. A run started since records this one marker and asks no other; runs
// recorded before it (and runs an older worker started during a rolling upgrade, which never
// record it) ask each change's own marker, as they did.
//
// Later changes raise its version instead of asking markers of their own, so a run still
// records one marker: a command a new version adds is issued only by runs at that version
// (w.journey), and a rule the order follows differently is switched by OrderSettings, whose
// zero value is the old behaviour, since a replay reads the settings its run started with.
const compactHistory = "compact-history"

// Versions of compactHistory.
const (
	compactVersion = 1 // the compact history itself
	journeyVersion = 2 // parcel registration and the rest of issue 19's journey
	dailyVersion   = 3 // daily updates (issue 20): their timer, and the time of each message sent
	cancelVersion  = 4 // the cancellation message is urgent, so a cancelled order completes at once (issue 15)
)

// since reports whether this run follows change (one of the GetVersion changes before
// compactHistory, each introduced as DefaultVersion to 1).
func (w *orderWorkflow) since(ctx workflow.Context, change string) bool {
	return w.compact || workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) == 1
}

// closing is true once nothing more can happen to the order: it was cancelled.
func (w *orderWorkflow) closing() bool { return w.state.CancelledAt != nil }

// linger waits out the review-request delay after the journey ended, still applying late
// events (a parcel reported returned after delivery reopens the order), then asks for the
// review and finishes. It returns false when the order left its final state or a new run is
// due first.
func (w *orderWorkflow) linger(ctx workflow.Context) (bool, error) {
	if ok, err := w.awaitReturn(ctx); err != nil || !ok {
		return false, err
	}
	wait := w.settings.ReviewRequestDelay - workflow.Now(ctx).Sub(*w.finalSince)
	if wait > 0 {
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{Summary: "review request delay"})
		err := workflow.Await(ctx, func() bool {
			return timer.IsReady() || !w.state.Final() || w.closing() || w.shouldContinueAsNew(ctx) || w.returning(ctx)
		})
		cancel()
		if err != nil {
			return false, err
		}
		if !timer.IsReady() || !w.state.Final() {
			return false, nil // a return parcel announced meanwhile is waited for first (awaitReturn)
		}
	}
	w.changed(ctx, w.state.ReviewRequest())
	return true, w.finish(ctx)
}

// defaultReturnWatch is OrderSettings.ReturnWatch when unset: long enough for a customer to
// take a parcel to the post office, short of keeping a workflow for ever.
const defaultReturnWatch = 30 * 24 * time.Hour

// steps are the journey's rules this run follows: the settings' in runs at journeyVersion,
// the old rules in runs before (a run an older worker started may carry the settings without
// having recorded the version, and must replay as it ran).
func (w *orderWorkflow) steps() order.Steps {
	if !w.journey {
		return order.Steps{}
	}
	return w.settings.Steps
}

// returning reports whether a return parcel is on its way back and still waited for, in runs
// that wait for one.
func (w *orderWorkflow) returning(ctx workflow.Context) bool {
	due, ok := w.returnDue()
	return ok && workflow.Now(ctx).Before(due)
}

// returnDue is when the wait for the return parcel on its way back ends, if there is one.
func (w *orderWorkflow) returnDue() (time.Time, bool) {
	if !w.journey {
		return time.Time{}, false
	}
	last, ok := w.state.ReturnPending()
	if !ok {
		return time.Time{}, false
	}
	watch := w.settings.ReturnWatch
	if watch <= 0 {
		watch = defaultReturnWatch
	}
	return last.Add(watch), true
}

// awaitReturn keeps a returned order's run going while its return parcel is on the way back,
// polled and told about, until it is delivered back or has had no news for ReturnWatch. It
// returns false when the order left its final state or a new run is due first.
func (w *orderWorkflow) awaitReturn(ctx workflow.Context) (bool, error) {
	for {
		due, ok := w.returnDue()
		now := workflow.Now(ctx)
		if !ok {
			return true, nil
		}
		if !now.Before(due) {
			w.logger.Warn("return parcel not heard of in time; no longer waited for", "until", due)
			return true, nil
		}
		rev := w.revision
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, due.Sub(now), workflow.TimerOptions{Summary: "return parcel watch"})
		err := workflow.Await(ctx, func() bool {
			return timer.IsReady() || w.revision != rev || !w.state.Final() || w.closing() || w.shouldContinueAsNew(ctx)
		})
		cancel()
		if err != nil {
			return false, err
		}
		if !w.state.Final() || w.closing() || w.shouldContinueAsNew(ctx) {
			return false, nil
		}
	}
}

// settle waits until every update handler returned, every effect finished and the read model
// is current, applying any signal that arrived meanwhile, so that completing or continuing as
// new loses nothing.
func (w *orderWorkflow) settle(ctx workflow.Context) error {
	w.stopping = true // polls are restartable: the next run, if any, starts them again
	for {
		err := workflow.Await(ctx, func() bool {
			return workflow.AllHandlersFinished(ctx) && w.inflight == 0 && w.projected == w.revision &&
				len(w.unrecorded) == 0 && !w.searchStale
		})
		if err != nil {
			return err
		}
		if !w.drain(ctx) {
			return nil
		}
	}
}

func (w *orderWorkflow) finish(ctx workflow.Context) error {
	if err := w.settle(ctx); err != nil {
		return err
	}
	w.logger.Info("order finished", "status", w.state.Status)
	return nil
}

func (w *orderWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	if n := w.settings.ContinueAsNewAfter; n > 0 && w.applied >= n {
		return true
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

func (w *orderWorkflow) continueAsNew(ctx workflow.Context) error {
	if err := w.settle(ctx); err != nil {
		return err
	}
	w.logger.Info("continuing as new", "revision", w.revision, "applied", w.applied)
	return workflow.NewContinueAsNewError(ctx, OrderName, OrderInput{
		Settings: w.settings, State: &w.state, Revision: w.revision, FinalSince: w.finalSince,
	})
}

// changed records a change of state and sets its effects going.
func (w *orderWorkflow) changed(ctx workflow.Context, fx []order.Effect) {
	w.revision++
	switch final := w.state.Final(); {
	case final && w.finalSince == nil:
		now := workflow.Now(ctx)
		w.finalSince = &now
	case !final:
		w.finalSince = nil
	}
	if w.compact {
		w.searchStale = true // keepSearch upserts once for the whole workflow task
	} else {
		w.upsertSearch(ctx)
	}
	workflow.SetCurrentDetails(ctx, currentDetails(&w.state))
	for _, e := range fx {
		w.carryOut(ctx, e)
	}
}

// errCanceled tells effect coroutines apart from real failures when the run ends under them.
func canceled(err error) bool {
	var ce *temporal.CanceledError
	return errors.As(err, &ce)
}

package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/order"
)

// Escalation names.
const (
	EscalationName = "Escalation"
	// CloseEscalationSignal carries the resolution (a string) that closed the exception.
	CloseEscalationSignal = "close"
)

// DefaultEscalationSLA is the SLA of an order started without one: how long an exception may
// stay open before it escalates a level.
const DefaultEscalationSLA = 24 * time.Hour

// EscalationLevel is the level an exception open for age has reached under sla, as Escalation
// raises it: 1 when raised, one more each time the SLA passes with it still open. The level is
// not stored anywhere; the console reads it off the age.
func EscalationLevel(age, sla time.Duration) int {
	if sla <= 0 {
		sla = DefaultEscalationSLA
	}
	if age < 0 {
		return 1
	}
	return 1 + int(age/sla)
}

// EscalationInput is one exception of one order, as staff need it.
type EscalationInput struct {
	OrderID        string          `json:"order_id"`
	Exception      order.Exception `json:"exception"`
	Carrier        string          `json:"carrier,omitempty"`
	TrackingNumber string          `json:"tracking_number,omitempty"`
	SLA            time.Duration   `json:"sla"`
	Channels       []string        `json:"channels,omitempty"`
	Tickets        bool            `json:"tickets,omitempty"`
}

// Escalation brings staff in on an order's exception and keeps them in: an alert in every
// configured chat and a Zendesk or Freshdesk ticket when it opens; a higher priority and a second alert each
// time the SLA passes with it still open; a closing comment and message when the order says it
// closed. It is a workflow of its own so the order's history carries only its start and close.
func Escalation(ctx workflow.Context, in EscalationInput) error {
	e := &escalation{in: in, level: 1}
	return e.run(ctx)
}

type escalation struct {
	in     EscalationInput
	level  int
	ticket string

	// beside: this run started at alertsBeside, so its alerts and ticket calls run beside the
	// SLA timer (in wg) and the ticket's updates wait in updates for the ticket to open.
	beside  bool
	wg      workflow.WaitGroup
	updates []escalate.Update
	closing bool // no more updates will be queued
}

var escalationOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
}

// maxAlertRetry bounds how long one alert or ticket call is retried. Never more than half the
// SLA: an alert of one level is given up before the next level's.
const maxAlertRetry = time.Hour

// alertsBeside marks the change from waiting for each level's alerts (and the ticket's
// opening) before the SLA timer starts, and before a close signal is read, to running them
// beside it: a chat down for its hour of retries made every level start that much late and
// held the resolution up as long.
const alertsBeside = "escalation-alerts-beside"

func (e *escalation) run(ctx workflow.Context) error {
	e.beside = workflow.GetVersion(ctx, alertsBeside, workflow.DefaultVersion, 1) == 1
	e.wg = workflow.NewWaitGroup(ctx)
	ctx = workflow.WithActivityOptions(ctx, e.options())
	// levels carries the alerts of the open exception: once it closes, one still retrying
	// would tell staff of a level that no longer matters.
	levels, stopLevels := workflow.WithCancel(ctx)
	e.alert(levels, "")
	e.openTicket(ctx)
	closed := workflow.GetSignalChannel(ctx, CloseEscalationSignal)
	for {
		var resolution string
		ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: e.in.SLA, TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("SLA, level %d", e.level)},
		}, func() bool { return closed.Len() > 0 })
		if err != nil {
			return err
		}
		if ok {
			closed.ReceiveAsync(&resolution)
			if e.beside {
				stopLevels()
			}
			e.alert(ctx, resolution)
			e.update(ctx, escalate.Update{Comment: "Exception closed: " + resolution, Status: "solved"})
			e.finish(ctx)
			return nil
		}
		e.level++
		e.alert(levels, "")
		e.update(ctx, escalate.Update{
			Comment:  fmt.Sprintf("Still open after %s: escalated to level %d.", time.Duration(e.level-1)*e.in.SLA, e.level),
			Priority: priority(e.level),
		})
	}
}

// alert posts to every chat at once; one chat failing does not hold up the others. Since
// alertsBeside nothing waits for them here.
func (e *escalation) alert(ctx workflow.Context, resolution string) {
	al := escalate.Alert{
		OrderID: e.in.OrderID, Reason: string(e.in.Exception.Reason), Message: e.in.Exception.Message,
		Carrier: e.in.Carrier, TrackingNumber: e.in.TrackingNumber, Level: e.level,
		Resolved: resolution != "", Resolution: resolution,
	}
	var fs []workflow.Future
	for _, ch := range e.in.Channels {
		actx := withOptions(ctx, e.options(), fmt.Sprintf("alert %s level %d", ch, e.level))
		fs = append(fs, workflow.ExecuteActivity(actx, a.AlertStaff, ch, al))
	}
	for i, f := range fs {
		wait := func(ctx workflow.Context) {
			if err := f.Get(ctx, nil); err != nil && !canceled(err) {
				workflow.GetLogger(ctx).Error("alert staff", "channel", e.in.Channels[i], "error", err)
			}
		}
		if e.beside {
			e.wg.Go(ctx, wait)
		} else {
			wait(ctx)
		}
	}
}

// openTicket opens the exception's ticket, when tickets are on. Since alertsBeside it opens
// beside the SLA timer, and then applies the updates queued meanwhile, in order.
func (e *escalation) openTicket(ctx workflow.Context) {
	if !e.in.Tickets {
		return
	}
	open := func(ctx workflow.Context) {
		tctx := withOptions(ctx, e.options(), "open ticket")
		if err := workflow.ExecuteActivity(tctx, a.OpenTicket, e.ticketOf()).Get(ctx, &e.ticket); err != nil {
			workflow.GetLogger(ctx).Error("open ticket", "error", err)
		}
	}
	if !e.beside {
		open(ctx)
		return
	}
	e.wg.Go(ctx, func(ctx workflow.Context) {
		open(ctx)
		e.keepTicket(ctx)
	})
}

// keepTicket applies the queued updates to the ticket one at a time, until the escalation
// closes and none is left. A ticket that never opened takes none.
func (e *escalation) keepTicket(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return len(e.updates) > 0 || e.closing }); err != nil {
			return
		}
		if len(e.updates) == 0 {
			return
		}
		u := e.updates[0]
		e.updates = e.updates[1:]
		e.applyUpdate(ctx, u)
	}
}

func (e *escalation) update(ctx workflow.Context, u escalate.Update) {
	if e.beside {
		if e.in.Tickets {
			e.updates = append(e.updates, u)
		}
		return
	}
	e.applyUpdate(ctx, u)
}

func (e *escalation) applyUpdate(ctx workflow.Context, u escalate.Update) {
	if e.ticket == "" {
		return
	}
	uctx := withOptions(ctx, e.options(), "update ticket")
	if err := workflow.ExecuteActivity(uctx, a.UpdateTicket, e.ticket, u).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("update ticket", "error", err)
	}
}

// finish waits for what runs beside (the closing alerts, the ticket's last updates), each
// within its deadline, so that the escalation ends having said it closed.
func (e *escalation) finish(ctx workflow.Context) {
	if !e.beside {
		return
	}
	e.closing = true
	e.wg.Wait(ctx)
}

// options are escalationOptions with the overall deadline of this escalation's calls.
func (e *escalation) options() workflow.ActivityOptions {
	o := escalationOptions
	o.ScheduleToCloseTimeout = maxAlertRetry
	if half := e.in.SLA / 2; half > 0 && half < maxAlertRetry {
		o.ScheduleToCloseTimeout = half
	}
	return o
}

func (e *escalation) ticketOf() escalate.Ticket {
	x := e.in.Exception
	return escalate.Ticket{
		OrderID:  e.in.OrderID,
		Reason:   string(x.Reason), // an activity input's new field: replays unchanged
		Subject:  fmt.Sprintf("Order %s: %s", e.in.OrderID, x.Reason),
		Body:     fmt.Sprintf("%s\n\nCarrier %s, tracking number %s, raised %s.", x.Message, e.in.Carrier, e.in.TrackingNumber, x.RaisedAt.Format(time.RFC3339)),
		Priority: priority(1),
		Tags:     []string{"shipflow", "exception", string(x.Reason)},
	}
}

// priority rises a step each time the SLA passes.
func priority(level int) string {
	switch {
	case level <= 1:
		return "normal"
	case level == 2:
		return "high"
	}
	return "urgent"
}

// EscalationID is the id of the escalation of an order's exception raised at raisedAt.
func EscalationID(orderID string, raisedAt time.Time) string {
	return fmt.Sprintf("escalation-%s-%d", orderID, raisedAt.Unix())
}

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
}

var escalationOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
}

// maxAlertRetry bounds how long one alert or ticket call is retried: the escalation waits for
// its alerts before it watches the SLA and the close signal again, so a chat that is down must
// not hold it. Never more than half the SLA, so no level is skipped for it.
const maxAlertRetry = time.Hour

func (e *escalation) run(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, e.options())
	e.alert(ctx, "")
	if e.in.Tickets {
		tctx := withOptions(ctx, e.options(), "open ticket")
		if err := workflow.ExecuteActivity(tctx, a.OpenTicket, e.ticketOf()).Get(ctx, &e.ticket); err != nil {
			workflow.GetLogger(ctx).Error("open ticket", "error", err)
		}
	}
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
			e.alert(ctx, resolution)
			e.update(ctx, escalate.Update{Comment: "Exception closed: " + resolution, Status: "solved"})
			return nil
		}
		e.level++
		e.alert(ctx, "")
		e.update(ctx, escalate.Update{
			Comment:  fmt.Sprintf("Still open after %s: escalated to level %d.", time.Duration(e.level-1)*e.in.SLA, e.level),
			Priority: priority(e.level),
		})
	}
}

// alert posts to every chat at once; one chat failing does not hold up the others.
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
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("alert staff", "channel", e.in.Channels[i], "error", err)
		}
	}
}

func (e *escalation) update(ctx workflow.Context, u escalate.Update) {
	if e.ticket == "" {
		return
	}
	uctx := withOptions(ctx, e.options(), "update ticket")
	if err := workflow.ExecuteActivity(uctx, a.UpdateTicket, e.ticket, u).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("update ticket", "error", err)
	}
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

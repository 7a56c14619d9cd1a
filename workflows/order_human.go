package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/order"
)

// ReasonCallbackRequested is the reason code staff see on a customer's request for a call back,
// in chats and on tickets.
const ReasonCallbackRequested = "callback_requested"

// defaultCallbackDeadline bounds the retries of a call-back request's alerts and ticket when the
// order has no escalation SLA: past the time staff promised to call, a late alert helps nobody.
const defaultCallbackDeadline = 24 * time.Hour

// askStaff carries out order.AskStaff: an alert in each staff chat the order started with and a
// note on the order's ticket when Zendesk or Freshdesk is configured, each retried on its own until the
// deadline. A chat without idempotency may show a retried alert twice; the ticket is the
// order's (external id), so a retry never opens a second one.
func (w *orderWorkflow) askStaff(ctx workflow.Context, e order.AskStaff) {
	r := e.Request
	deadline := w.settings.EscalationSLA
	if deadline <= 0 {
		deadline = defaultCallbackDeadline
	}
	opts := escalateOptions
	opts.ScheduleToCloseTimeout = deadline
	msg := "The customer asked for a person to call them back"
	if r.Reason != "" {
		msg += ": " + r.Reason
	}
	msg += fmt.Sprintf(" (call %s, %s).", r.ID, r.At.Format(time.RFC3339))
	al := escalate.Alert{OrderID: w.state.ID, Reason: ReasonCallbackRequested, Message: msg, Level: 1}
	for _, ch := range w.settings.AlertChannels {
		w.spawn(ctx, func(ctx workflow.Context) {
			actx := withOptions(ctx, opts, "call-back request: alert "+ch)
			w.wait(ctx, workflow.ExecuteActivity(actx, a.AlertStaff, ch, al), "call-back alert "+ch)
		})
	}
	if !w.settings.Tickets {
		return
	}
	t := escalate.Ticket{
		OrderID:  w.state.ID,
		Subject:  fmt.Sprintf("Order %s: %s", w.state.ID, ReasonCallbackRequested),
		Body:     "A customer asked for a person to call them back about this order.",
		Priority: priority(1),
		Tags:     []string{"shipflow", ReasonCallbackRequested},
	}
	w.spawn(ctx, func(ctx workflow.Context) {
		actx := withOptions(ctx, opts, "call-back request: open ticket")
		var id string
		if err := workflow.ExecuteActivity(actx, a.OpenTicket, t).Get(ctx, &id); err != nil {
			if !canceled(err) {
				w.logger.Error("call-back ticket failed", "error", err)
			}
			return
		}
		// The order may already have had a ticket (an exception's): the note puts the request
		// on whichever one Open found.
		actx = withOptions(ctx, opts, "call-back request: note on ticket")
		w.wait(ctx, workflow.ExecuteActivity(actx, a.UpdateTicket, id, escalate.Update{Comment: msg}), "call-back ticket note")
	})
}

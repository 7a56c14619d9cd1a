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

// askStaff carries out order.AskStaff with the order's staff settings (askStaffOn).
func (w *orderWorkflow) askStaff(ctx workflow.Context, e order.AskStaff) {
	s := Staffing{AlertChannels: w.settings.AlertChannels, Tickets: w.settings.Tickets, Deadline: w.settings.EscalationSLA}
	askStaffOn(ctx, w.spawn, w.state.ID, e.Request, s)
}

// Staffing is who hears of a customer's call-back request: the staff chats by name, and
// Zendesk or Freshdesk when Tickets. Deadline bounds the retries of each call (the escalation
// SLA; zero is defaultCallbackDeadline).
type Staffing struct {
	AlertChannels []string      `json:"alert_channels,omitempty"`
	Tickets       bool          `json:"tickets,omitempty"`
	Deadline      time.Duration `json:"deadline,omitempty"`
}

// askStaffOn puts a call-back request before staff: an alert in each chat of s and a note on
// the order's ticket when tickets are on, each retried on its own until the deadline, each in
// a coroutine of spawn's. A chat without idempotency may show a retried alert twice; the
// ticket is the order's (external id), so a retry never opens a second one. The order's
// workflow and, once it has finished, HumanRequest both ask through here.
func askStaffOn(ctx workflow.Context, spawn func(workflow.Context, func(workflow.Context)), orderID string, r order.HumanRequest, s Staffing) {
	logger := workflow.GetLogger(ctx)
	deadline := s.Deadline
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
	al := escalate.Alert{OrderID: orderID, Reason: ReasonCallbackRequested, Message: msg, Level: 1}
	for _, ch := range s.AlertChannels {
		spawn(ctx, func(ctx workflow.Context) {
			actx := withOptions(ctx, opts, "call-back request: alert "+ch)
			if err := workflow.ExecuteActivity(actx, a.AlertStaff, ch, al).Get(ctx, nil); err != nil && !canceled(err) {
				logger.Error("call-back alert "+ch+" failed", "error", err)
			}
		})
	}
	if !s.Tickets {
		return
	}
	t := escalate.Ticket{
		OrderID:  orderID,
		Subject:  fmt.Sprintf("Order %s: %s", orderID, ReasonCallbackRequested),
		Body:     "A customer asked for a person to call them back about this order.",
		Priority: priority(1),
		Tags:     []string{"shipflow", ReasonCallbackRequested},
	}
	spawn(ctx, func(ctx workflow.Context) {
		actx := withOptions(ctx, opts, "call-back request: open ticket")
		var id string
		if err := workflow.ExecuteActivity(actx, a.OpenTicket, t).Get(ctx, &id); err != nil {
			if !canceled(err) {
				logger.Error("call-back ticket failed", "error", err)
			}
			return
		}
		// The order may already have had a ticket (an exception's): the note puts the request
		// on whichever one Open found.
		actx = withOptions(ctx, opts, "call-back request: note on ticket")
		err := workflow.ExecuteActivity(actx, a.UpdateTicket, id, escalate.Update{Comment: msg}).Get(ctx, nil)
		if err != nil && !canceled(err) {
			logger.Error("call-back ticket note failed", "error", err)
		}
	})
}

package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// handleResend registers resend_notification: staff send one of the customer's messages
// again. The update is new, so only runs that receive it issue its commands, and histories
// recorded before it replay unchanged without a version marker.
//
// The message is the milestone's as the order tells it now (today's ETA, today's contact
// details), sent at once (quiet hours are for messages nobody asked for) through the same
// send as every milestone: a local activity first, then an activity retried for a day. Its
// key carries the update's id, so the notification log sends it once per update whatever is
// retried, and Temporal answers a repeated update id with the first answer. The handler
// returns once the send is under way; the spawned send counts as in flight, so the run does
// not end or continue as new before it finishes.
func (w *orderWorkflow) handleResend(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, ResendNotificationUpdate,
		func(ctx workflow.Context, r ResendRequest) (ResendResult, error) {
			if err := w.state.Resent(r.message(), r.Channel, r.By, workflow.Now(ctx)); err != nil {
				return ResendResult{}, typed(err)
			}
			w.changed(ctx, nil)
			n := w.notification(r.message())
			n.Resend = workflow.GetCurrentUpdateInfo(ctx).ID
			one := n
			one.Channel = r.Channel
			w.spawn(ctx, func(ctx workflow.Context) {
				failures, ok := w.sendMilestone(ctx, n, []order.Channel{r.Channel})
				if ok && len(failures) > 0 {
					w.logger.Warn("resent notification not sent", "milestone", r.Milestone, "channel", r.Channel, "why", failures[0])
				}
			})
			return ResendResult{Key: notify.Key(one)}, nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, r ResendRequest) error {
				return typed(w.state.CheckResend(r.message(), r.Channel))
			},
			Description: "Staff send one of the customer's messages again, on one channel.",
		})
}

package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
)

// handle registers the query and the updates. It runs before the first blocking call, so no
// request that arrives with the first workflow task is turned away.
func (w *orderWorkflow) handle(ctx workflow.Context) error {
	err := workflow.SetQueryHandlerWithOptions(ctx, StatusQuery, func() (order.View, error) {
		return w.state.View(), nil
	}, workflow.QueryHandlerOptions{Description: "The order's current view (docs/reference/api.md)."})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, ResolveExceptionUpdate,
		func(ctx workflow.Context, r ResolveRequest) (UpdateResult, error) {
			fx, err := w.state.ResolveException(r.Note, r.By, workflow.Now(ctx))
			if err != nil {
				return UpdateResult{}, typed(err)
			}
			w.changed(ctx, fx)
			return w.result(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, r ResolveRequest) error {
				if w.state.Exception == nil {
					return typed(order.ErrNoException)
				}
				return nil
			},
			Description: "Staff close the open exception.",
		})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, SetChannelsUpdate,
		func(ctx workflow.Context, r ChannelsRequest) (UpdateResult, error) {
			var fx []order.Effect
			if !r.dailyOnly() {
				var err error
				if fx, err = w.state.SetChannels(r.Channels, workflow.Now(ctx)); err != nil {
					return UpdateResult{}, typed(err)
				}
			}
			w.state.SetDailyUpdates(r.DailyUpdates, workflow.Now(ctx))
			w.changed(ctx, fx)
			return w.result(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, r ChannelsRequest) error {
				if r.dailyOnly() {
					return nil
				}
				return typed(w.state.CheckChannels(r.Channels))
			},
			Description: "Replace the channels the customer is notified on, and switch their daily updates on or off.",
		})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, RequestHumanUpdate,
		func(ctx workflow.Context, r order.HumanRequest) (HumanResult, error) {
			fx, repeat, err := w.state.HumanRequested(humanAt(ctx, r))
			if err != nil {
				return HumanResult{}, typed(err)
			}
			if len(fx) > 0 {
				w.changed(ctx, fx)
			}
			return HumanResult{Recorded: true, Repeat: repeat, Chats: slices.Clone(w.settings.AlertChannels), Ticket: w.settings.Tickets}, nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, r order.HumanRequest) error {
				return typed(w.state.CheckHumanRequest(humanAt(ctx, r)))
			},
			Description: "A customer asks for a person to call them back.",
		})
	if err != nil {
		return err
	}
	if err := w.handleResend(ctx); err != nil {
		return err
	}
	if err := w.handleErase(ctx); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, ReportDelayUpdate,
		func(ctx workflow.Context, d order.Delay) (UpdateResult, error) {
			var rules order.DelayRules
			if !w.since(ctx, everyDelayPublishes) {
				rules.QuietRepeats = true
			}
			if !w.since(ctx, returnedParcelFinal) {
				rules.ReturnedOpen = true
			}
			fx, err := w.state.ReportDelayAs(delayAt(ctx, d), rules)
			if err != nil {
				return UpdateResult{}, typed(err)
			}
			w.changed(ctx, fx)
			return w.result(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, d order.Delay) error {
				return typed(w.state.CheckDelay(delayAt(ctx, d)))
			},
			Description: "A driver reports a shipment will be late.",
		})
}

// everyDelayPublishes marks the change from publishing only the driver reports that raised an
// exception or moved the ETA to publishing every one (order.ReportDelay).
const everyDelayPublishes = "every-delay-publishes"

// returnedParcelFinal marks the change from accepting a driver's delay for a parcel returning
// to its sender to refusing it, as finished (order.ShipmentStatus.Final): the customer was
// told "delayed" about a parcel that was not coming.
const returnedParcelFinal = "returned-parcel-final"

// delayAt dates a report that came without a time to the moment it reached the workflow.
func delayAt(ctx workflow.Context, d order.Delay) order.Delay {
	if d.At.IsZero() {
		d.At = workflow.Now(ctx)
	}
	return d
}

// humanAt dates a request that came without a time to the moment it reached the workflow.
func humanAt(ctx workflow.Context, r order.HumanRequest) order.HumanRequest {
	if r.At.IsZero() {
		r.At = workflow.Now(ctx)
	}
	return r
}

func (w *orderWorkflow) result() UpdateResult {
	r := UpdateResult{Status: w.state.Status, Channels: append([]order.Channel{}, w.state.Notify...)}
	if d := w.state.DailyUpdates; d != nil {
		v := *d
		r.DailyUpdates = &v
	}
	if x := w.state.Exception; x != nil {
		c := *x
		r.Exception = &c
	}
	return r
}

// listen applies signals as they arrive. It never blocks in Receive: the SDK hands a signal
// straight to a coroutine blocked there, where a drain before continue-as-new cannot see it
// and the signal would be lost if the run ended first. Waiting on Len and taking values with
// ReceiveAsync keeps every signal in the channel until the moment it is applied.
func (w *orderWorkflow) listen(ctx workflow.Context) {
	commerce := workflow.GetSignalChannel(ctx, CommerceSignal)
	tracking := workflow.GetSignalChannel(ctx, TrackingSignal)
	batch := workflow.GetSignalChannel(ctx, TrackingBatchSignal)
	events := workflow.GetSignalChannel(ctx, EventsSignal)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool {
				return commerce.Len() > 0 || tracking.Len() > 0 || batch.Len() > 0 || events.Len() > 0
			}); err != nil {
				return
			}
			w.drain(ctx)
		}
	})
}

// drain applies signals already delivered but not yet received; it reports whether there
// were any.
func (w *orderWorkflow) drain(ctx workflow.Context) bool {
	any := false
	for {
		var c order.CommerceEvent
		if workflow.GetSignalChannel(ctx, CommerceSignal).ReceiveAsync(&c) {
			w.onCommerce(ctx, c)
			any = true
			continue
		}
		var t order.TrackingEvent
		if workflow.GetSignalChannel(ctx, TrackingSignal).ReceiveAsync(&t) {
			w.onTracking(ctx, t)
			any = true
			continue
		}
		var ts []order.TrackingEvent
		if workflow.GetSignalChannel(ctx, TrackingBatchSignal).ReceiveAsync(&ts) {
			for _, t := range ts {
				w.onTracking(ctx, t)
			}
			any = true
			continue
		}
		var es []Inbound
		if workflow.GetSignalChannel(ctx, EventsSignal).ReceiveAsync(&es) {
			for _, e := range es {
				switch {
				case e.Commerce != nil:
					w.onCommerce(ctx, *e.Commerce)
				case e.Tracking != nil:
					w.onTracking(ctx, *e.Tracking)
				}
			}
			any = true
			continue
		}
		return any
	}
}

// onCommerce applies one commerce event. The HTTP layer validated it already; a payload that
// is still invalid (a corrupt signal decodes to a zero value) is logged and dropped, since a
// signal cannot be refused.
func (w *orderWorkflow) onCommerce(ctx workflow.Context, e order.CommerceEvent) {
	if err := e.Validate(); err != nil {
		w.logger.Error("dropping invalid commerce event", "event_id", e.ID, "error", err)
		return
	}
	est := w.estimateFor(ctx, e)
	w.applied++
	before := w.state.Recorded
	fx := w.state.ApplyCommerceAs(e, w.steps())
	if est != nil {
		fx = append(fx, w.state.Estimated(*est)...)
	}
	if len(fx) > 0 || w.state.Recorded != before {
		w.changed(ctx, fx)
	}
}

func (w *orderWorkflow) onTracking(ctx workflow.Context, e order.TrackingEvent) {
	if err := e.Validate(); err != nil {
		w.logger.Error("dropping invalid tracking event", "event_id", e.ID, "error", err)
		return
	}
	w.applied++
	before := w.state.Recorded
	fx := w.state.ApplyTrackingAs(e, w.steps())
	if len(fx) > 0 || w.state.Recorded != before {
		w.changed(ctx, fx)
	}
}

// handleErase registers erase_customer. The handler waits until the read model holds the
// erased order: the caller redacts what the projection does not rewrite (old timeline rows,
// the notification log) after it, and must not be overtaken by a projection of the state
// before.
func (w *orderWorkflow) handleErase(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, EraseCustomerUpdate,
		func(ctx workflow.Context, r EraseRequest) (UpdateResult, error) {
			w.state.EraseCustomer(workflow.Now(ctx), r.By, r.Terms...)
			w.changed(ctx, nil)
			rev := w.revision
			if err := workflow.Await(ctx, func() bool { return w.projected >= rev }); err != nil {
				return UpdateResult{}, err
			}
			return w.result(), nil
		},
		workflow.UpdateHandlerOptions{Description: "Erase the customer's personal details (a privacy request)."})
}

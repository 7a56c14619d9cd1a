package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
)

// Search attributes let operators filter orders in the Temporal UI ("every order in exception
// with DPD"). They must be registered on the namespace before a workflow upserts them:
// `shipflow migrate` and `shipflow dev` do that with engine.EnsureSearchAttributes.
var (
	OrderStatusKey       = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	CarrierKey           = temporal.NewSearchAttributeKeyKeywordList("Carrier")
	TrackingNumbersKey   = temporal.NewSearchAttributeKeyKeywordList("TrackingNumbers")
	HasOpenExceptionKey  = temporal.NewSearchAttributeKeyBool("HasOpenException")
	EstimatedDeliveryKey = temporal.NewSearchAttributeKeyTime("EstimatedDelivery")
)

// SearchAttributes lists every key above, for registration.
var SearchAttributes = []temporal.SearchAttributeKey{
	OrderStatusKey, CarrierKey, TrackingNumbersKey, HasOpenExceptionKey, EstimatedDeliveryKey,
}

func initialSearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		OrderStatusKey.ValueSet(string(order.StatusCreated)),
		HasOpenExceptionKey.ValueSet(false),
	)
}

// searchValues are an order's search attribute values; the workflow upserts only those that
// changed, since every upsert is an event in the history.
type searchValues struct {
	status    string
	carriers  []string
	tracking  []string
	exception bool
	eta       *time.Time
	set       bool // upserted at least once in this run
}

// searchValuesIn is what the run's search attributes say now: those it started with (the
// initial ones, or what continue-as-new carried) before its first upsert. A run since
// compactHistory starts its bookkeeping from them, so that its first change upserts only what
// differs (at an order's start, usually nothing) rather than all five.
func searchValuesIn(sa temporal.SearchAttributes) searchValues {
	v := searchValues{set: true}
	v.status, _ = sa.GetKeyword(OrderStatusKey)
	v.carriers, _ = sa.GetKeywordList(CarrierKey)
	v.tracking, _ = sa.GetKeywordList(TrackingNumbersKey)
	v.exception, _ = sa.GetBool(HasOpenExceptionKey)
	if t, ok := sa.GetTime(EstimatedDeliveryKey); ok {
		v.eta = &t
	}
	return v
}

// oneETARule marks the change from this file's own copy of "is the shipment still coming" to
// order's (ShipmentStatus.Final), under which a parcel returned to its sender has no ETA in
// the Temporal UI either, as in the read model and on the voice line.
const oneETARule = "one-eta-rule"

// searchValuesOf is what the order's search attributes say; oneRule takes order's rule for
// which shipments are still coming, as runs recorded after oneETARule do.
func searchValuesOf(o *order.Order, oneRule bool) searchValues {
	v := searchValues{status: string(o.Status), exception: o.Exception != nil, set: true}
	for _, s := range o.Shipments {
		if s.Carrier != "" && !slices.Contains(v.carriers, s.Carrier) {
			v.carriers = append(v.carriers, s.Carrier)
		}
		if s.TrackingNumber != "" && !slices.Contains(v.tracking, s.TrackingNumber) {
			v.tracking = append(v.tracking, s.TrackingNumber)
		}
	}
	v.eta = o.ETA()
	if !oneRule {
		v.eta = etaBeforeOneRule(o)
	}
	return v
}

// etaBeforeOneRule is the order's ETA as runs recorded before oneETARule upserted it: a
// returning parcel's estimate still counted. Replaying them must upsert what they did.
func etaBeforeOneRule(o *order.Order) *time.Time {
	var eta *time.Time
	for _, s := range o.Shipments {
		coming := s.Status != order.ShipmentDelivered && s.Status != order.ShipmentCancelled
		if coming && s.EstimatedDelivery != nil && (eta == nil || s.EstimatedDelivery.After(*eta)) {
			eta = s.EstimatedDelivery
		}
	}
	return eta
}

// keepSearch upserts the search attributes after the changes of a workflow task, once: a
// signal carrying five events upserts once, not five times. It runs in runs since
// compactHistory; coroutines run before the task completes, so the attributes are never a
// task behind.
func (w *orderWorkflow) keepSearch(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return w.searchStale }); err != nil {
			return
		}
		w.searchStale = false
		w.upsertSearch(ctx)
	}
}

func (w *orderWorkflow) upsertSearch(ctx workflow.Context) {
	oneRule := w.since(ctx, oneETARule)
	now, was := searchValuesOf(&w.state, oneRule), w.search
	var up []temporal.SearchAttributeUpdate
	if !was.set || now.status != was.status {
		up = append(up, OrderStatusKey.ValueSet(now.status))
	}
	if !was.set || !slices.Equal(now.carriers, was.carriers) {
		up = append(up, CarrierKey.ValueSet(now.carriers))
	}
	if !was.set || !slices.Equal(now.tracking, was.tracking) {
		up = append(up, TrackingNumbersKey.ValueSet(now.tracking))
	}
	if !was.set || now.exception != was.exception {
		up = append(up, HasOpenExceptionKey.ValueSet(now.exception))
	}
	switch {
	case now.eta != nil && (was.eta == nil || !now.eta.Equal(*was.eta)):
		up = append(up, EstimatedDeliveryKey.ValueSet(*now.eta))
	case now.eta == nil && (was.eta != nil || !was.set):
		up = append(up, EstimatedDeliveryKey.ValueUnset())
	}
	if len(up) == 0 {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, up...); err != nil {
		w.logger.Error("upsert search attributes", "error", err)
		return
	}
	w.search = now
}

// currentDetails is the one-glance line the Temporal UI shows for a running order.
func currentDetails(o *order.Order) string {
	s := fmt.Sprintf("**%s**, %d shipment(s)", o.Status, len(o.Shipments))
	if x := o.Exception; x != nil {
		s += fmt.Sprintf(", exception %s", x.Reason)
	}
	for _, sh := range o.Shipments {
		s += fmt.Sprintf("\n- %s %s: %s", sh.Carrier, sh.TrackingNumber, sh.Status)
		if sh.EstimatedDelivery != nil {
			s += ", ETA " + sh.EstimatedDelivery.Format(time.RFC3339)
		}
	}
	return s
}

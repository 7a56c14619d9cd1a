package workflows_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

var updateHistories = flag.Bool("update-histories", false, "rewrite testdata/histories from the integration tests' runs")

// live is an order workflow on the package's real Temporal dev server with a real worker.
type live struct {
	t       *testing.T
	c       client.Client
	ch      *channels
	tq      string
	orderID string
}

func newLive(t *testing.T) *live { return newLiveWith(t, nil, workflows.OrderSettings{}) }

// newLiveWith is newLive with a carrier for the order to poll.
func newLiveWith(t *testing.T, tracker track.Tracker, _ workflows.OrderSettings) *live {
	t.Helper()
	l := &live{t: t, c: testenv.Temporal(t), ch: &channels{}, tq: testenv.TaskQueue(t),
		orderID: fmt.Sprintf("live-%d", time.Now().UnixNano())}
	w := sdkworker.New(l.c, l.tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: testenv.DB(t), Notifier: l.ch, Escalator: l.ch, Tracker: tracker})
	testenv.StartWorker(t, w)
	return l
}

func (l *live) created() order.CommerceEvent {
	e := (&run{orderID: l.orderID}).created()
	e.Timestamp = time.Now().UTC()
	return e
}

// agree waits until the workflow's query, the read model and the search attributes all say
// the order is in status want (the read model and visibility trail the workflow a little).
func (l *live) agree(want order.Status, exception bool) {
	l.t.Helper()
	ctx := context.Background()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v, err := workflows.QueryOrder(ctx, l.c, l.orderID)
		if err != nil {
			l.t.Fatalf("query: %v", err)
		}
		rv, _, err := db.GetOrder(ctx, testenv.DB(l.t), l.orderID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			l.t.Fatal(err)
		}
		sa := l.searchAttributes()
		last = fmt.Sprintf("query %s (exception %v), read model %s, search %v", v.Status, v.Exception != nil, rv.Status, sa)
		if v.Status == want && rv.Status == want && sa["OrderStatus"] == string(want) &&
			(v.Exception != nil) == exception && (rv.Exception != nil) == exception && sa["HasOpenException"] == exception &&
			slices.Equal(trackingOf(v), sa["TrackingNumbers"].([]string)) {
			return
		}
	}
	l.t.Fatalf("want %s (exception %v) everywhere; %s", want, exception, last)
}

func trackingOf(v order.View) []string {
	out := []string{}
	for _, s := range v.Shipments {
		out = append(out, s.TrackingNumber)
	}
	return out
}

func (l *live) searchAttributes() map[string]any {
	l.t.Helper()
	d, err := l.c.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(l.orderID), "")
	if err != nil {
		l.t.Fatal(err)
	}
	out := map[string]any{"TrackingNumbers": []string{}}
	dc := converter.GetDefaultDataConverter()
	for k, p := range d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields() {
		switch k {
		case "OrderStatus":
			var s string
			_ = dc.FromPayload(p, &s)
			out[k] = s
		case "HasOpenException":
			var b bool
			_ = dc.FromPayload(p, &b)
			out[k] = b
		case "TrackingNumbers", "Carrier":
			var s []string
			_ = dc.FromPayload(p, &s)
			out[k] = append([]string{}, s...)
		}
	}
	return out
}

func (l *live) commerce(e order.CommerceEvent) {
	l.t.Helper()
	if err := workflows.SignalCommerce(context.Background(), l.c, e); err != nil {
		l.t.Fatal(err)
	}
}

func (l *live) scan(e order.TrackingEvent) {
	l.t.Helper()
	if err := workflows.SignalTracking(context.Background(), l.c, l.orderID, e); err != nil {
		l.t.Fatal(err)
	}
}

func TestOrderFromCreatedToCompletionOnTemporalAndPostgres(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	now := time.Now().UTC()
	ev := func(typ order.EventType) order.CommerceEvent {
		return order.CommerceEvent{ID: string(typ), Type: typ, Timestamp: time.Now().UTC(), OrderID: l.orderID}
	}
	scan := func(id string, st order.ShipmentStatus, ago time.Duration) order.TrackingEvent {
		return order.TrackingEvent{ID: id, Source: "generic", Carrier: "DPD", TrackingNumber: "TN-LIVE",
			Status: st, OccurredAt: now.Add(-ago), Location: order.Location{City: "Kaunas", Country: "LT"}}
	}

	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{ReviewRequestDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l.agree(order.StatusCreated, false)
	if _, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{}); !errors.Is(err, workflows.ErrOrderExists) {
		t.Errorf("second start of a running order: %v, want ErrOrderExists", err)
	}

	l.commerce(ev(order.EventConfirmed))
	l.agree(order.StatusConfirmed, false)
	l.commerce(ev(order.EventPacked))
	l.agree(order.StatusPacked, false)
	shipped := ev(order.EventShipped)
	shipped.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-LIVE"}
	l.commerce(shipped)
	l.agree(order.StatusShipped, false)
	l.scan(scan("c1", order.ShipmentInTransit, 50*time.Minute))
	l.agree(order.StatusInTransit, false)
	l.scan(scan("c2", order.ShipmentException, 40*time.Minute))
	l.agree(order.StatusException, true)

	// A rejected update leaves no trace in the history.
	if _, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.SetChannelsUpdate, workflows.ChannelsRequest{Channels: []order.Channel{"fax"}}); err == nil {
		t.Error("invalid channels accepted")
	}
	res, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ResolveExceptionUpdate, workflows.ResolveRequest{Note: "driver called", By: "ops"})
	if err != nil || res.Exception != nil {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	l.agree(order.StatusInTransit, false)
	// The workflow's refusals come back as the order sentinels, carried by their type code.
	if _, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ResolveExceptionUpdate, workflows.ResolveRequest{Note: "again"}); !errors.Is(err, order.ErrNoException) {
		t.Errorf("resolve with none open: %v, want ErrNoException", err)
	}
	if _, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ReportDelayUpdate, order.Delay{TrackingNumber: "NOPE"}); !errors.Is(err, order.ErrUnknownShipment) {
		t.Errorf("delay for an unknown parcel: %v, want ErrUnknownShipment", err)
	}
	l.scan(scan("c3", order.ShipmentOutForDelivery, 30*time.Minute))
	l.agree(order.StatusOutForDelivery, false)
	l.scan(scan("c4", order.ShipmentDelivered, 20*time.Minute))
	l.agree(order.StatusDelivered, false)

	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	l.ch.wantAnyOrder(t, "confirmed/", "shipped/S1", "delayed/S1", "out_for_delivery/S1", "delivered/S1", "review_request/")

	// Finished: a late order.created cannot resurrect it, and signals are refused.
	if _, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{}); !errors.Is(err, workflows.ErrOrderExists) {
		t.Errorf("start of a finished order: %v, want ErrOrderExists", err)
	}
	if err := workflows.SignalCommerce(ctx, l.c, ev(order.EventRefundProcessed)); !errors.Is(err, workflows.ErrOrderNotRunning) {
		t.Errorf("signal to a finished order: %v, want ErrOrderNotRunning", err)
	}
	if _, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ReportDelayUpdate, order.Delay{TrackingNumber: "TN-LIVE"}); !errors.Is(err, workflows.ErrOrderNotRunning) {
		t.Errorf("update of a finished order: %v, want ErrOrderNotRunning", err)
	}
	if v, err := workflows.QueryOrder(ctx, l.c, l.orderID); err != nil || v.Status != order.StatusDelivered {
		t.Errorf("query of a finished order: %s, %v", v.Status, err)
	}

	h := l.history(run.GetRunID())
	for _, e := range h.Events {
		if e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED && e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName() == workflows.SetChannelsUpdate {
			t.Error("the rejected update was written to the history")
		}
	}
	l.saveHistory("order_lifecycle", h)
}

func TestContinueAsNewUnderASignalBurstOnTemporal(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{ReviewRequestDelay: time.Hour, ContinueAsNewAfter: 5})
	if err != nil {
		t.Fatal(err)
	}
	shipped := order.CommerceEvent{ID: "ship", Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: l.orderID,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-BURST"}}
	l.commerce(shipped)
	const burst = 40
	start := time.Now().UTC().Add(-time.Hour)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			l.scan(order.TrackingEvent{ID: fmt.Sprintf("burst-%02d", i), Source: "generic", Carrier: "DPD", TrackingNumber: "TN-BURST",
				Status: order.ShipmentInTransit, Description: fmt.Sprintf("hub %d", i), OccurredAt: start.Add(time.Duration(i) * time.Second)})
		})
	}
	wg.Wait()
	var v order.View
	current := run.GetRunID()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		v, err = workflows.QueryOrder(ctx, l.c, l.orderID)
		d, derr := l.c.DescribeWorkflowExecution(ctx, workflows.WorkflowID(l.orderID), "")
		if derr != nil {
			t.Fatal(derr)
		}
		current = d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		if err == nil && len(v.Timeline) == burst+2 && current != run.GetRunID() {
			break
		}
	}
	if len(v.Timeline) != burst+2 {
		t.Fatalf("timeline has %d entries, want %d: signals were lost across runs", len(v.Timeline), burst+2)
	}
	if current == run.GetRunID() {
		t.Error("the workflow never continued as new")
	}
	l.saveHistory("order_continue_as_new", l.history(run.GetRunID()))
	if err := l.c.TerminateWorkflow(ctx, workflows.WorkflowID(l.orderID), "", "test over"); err != nil {
		t.Fatal(err)
	}
}

// TestPollsWithoutNewsCostNoHistory counts the events of an order's history while its parcel
// is polled with nothing new to say: the count after 16 polls equals the count after 4, so a
// ten-day journey polled every 30 minutes (480 polls) costs the history only the parcel's real
// changes. The dev server retries at most about once a second, so the test takes ~20 s.
func TestPollsWithoutNewsCostNoHistory(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit, order.ShipmentDelivered},
		stepAt: []int{1, 1 << 30}, start: time.Now().UTC().Add(-time.Hour)}
	l := newLiveWith(t, c, workflows.OrderSettings{})
	ctx := context.Background()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{
		ReviewRequestDelay: time.Hour, PollInterval: 100 * time.Millisecond, StaleAfter: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l.commerce(order.CommerceEvent{ID: "ship", Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: l.orderID,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-QUIET"}})
	lengthAfter := func(polls int) int {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); c.count() < polls; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d polls happened", c.count(), polls)
			}
		}
		time.Sleep(300 * time.Millisecond) // let the workflow settle whatever the last poll brought
		return len(l.history(run.GetRunID()).Events)
	}
	early, late := lengthAfter(4), lengthAfter(16)
	t.Logf("history: %d events after 4 polls, %d after %d polls", early, late, c.count())
	if late != early {
		t.Errorf("history grew from %d to %d events over polls that brought no news", early, late)
	}
	l.saveHistory("order_polling", l.history(run.GetRunID())) // the only stored run that polls
	if err := l.c.TerminateWorkflow(ctx, workflows.WorkflowID(l.orderID), "", "test over"); err != nil {
		t.Fatal(err)
	}
}

func (l *live) history(runID string) *historypb.History {
	l.t.Helper()
	return historyOf(l.t, l.c, workflows.WorkflowID(l.orderID), runID)
}

// historyOf is a workflow run's whole history.
func historyOf(t *testing.T, c client.Client, workflowID, runID string) *historypb.History {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

func (l *live) saveHistory(name string, h *historypb.History) {
	l.t.Helper()
	saveHistory(l.t, name, h)
}

// saveHistory keeps a real run's history for the replay test when -update-histories is set.
func saveHistory(t *testing.T, name string, h *historypb.History) {
	t.Helper()
	if !*updateHistories {
		return
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "histories", name+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

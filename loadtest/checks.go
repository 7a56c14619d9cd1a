package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/workflows"
)

// nominalDeliveries is what one order's journey publishes: order.created, order.confirmed,
// order.packed, order.shipped, then shipment.updated for in_transit, out_for_delivery and
// delivered, shipment.out_for_delivery and order.delivered. The sim carrier's label scan
// changes no status and publishes nothing.
const nominalDeliveries = 9

// notFinal asks the order API about every order and returns how many are not delivered with
// every shipment delivered, with a few examples.
func notFinal(ctx context.Context, j *journey, adminToken string) (int, []string) {
	var mu sync.Mutex
	var bad []string
	forEach(j.n, 8, func(i int) {
		id := j.orderID(i)
		why := orderState(ctx, j, id, adminToken)
		if why == "" {
			return
		}
		mu.Lock()
		bad = append(bad, id+": "+why)
		mu.Unlock()
	})
	slices.Sort(bad)
	return len(bad), bad[:min(len(bad), 5)]
}

// orderState is why order id is not in its final state, or "" when it is.
func orderState(ctx context.Context, j *journey, id, adminToken string) string {
	resp, _, _, err := j.lb.do(ctx, j.client, func(base string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/orders/"+id, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+adminToken)
		return req, nil
	})
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("GET answered %d", resp.StatusCode)
	}
	var v struct {
		Status    string
		Shipments []struct{ Status string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "unreadable order: " + err.Error()
	}
	if v.Status != "delivered" || len(v.Shipments) != 1 || v.Shipments[0].Status != "delivered" {
		ships := make([]string, len(v.Shipments))
		for k, s := range v.Shipments {
			ships[k] = s.Status
		}
		return fmt.Sprintf("status %s, shipments %v", v.Status, ships)
	}
	return ""
}

// notifications compares what the stand-ins received with what every order owed, and times
// each expected message from the event that caused it.
func notifications(j *journey, arrivals map[messageKey][]time.Time) (Notifications, Latency, map[string]Latency) {
	var out Notifications
	out.Unexpected = map[string]int{}
	all := []time.Duration{}
	per := map[string][]time.Duration{}
	for i := range j.n {
		for milestone, s := range milestoneSteps {
			for _, k := range []messageKey{{"sms", phone(i), milestone}, {"email", email(i), milestone}} {
				out.Expected++
				times := arrivals[k]
				delete(arrivals, k)
				if len(times) == 0 {
					out.Missing++
					continue
				}
				out.Received += len(times)
				out.Duplicates += len(times) - 1
				if sent := j.sentAt[i][s]; !sent.IsZero() {
					d := slices.MinFunc(times, func(a, b time.Time) int { return a.Compare(b) }).Sub(sent)
					all = append(all, d)
					per[milestone] = append(per[milestone], d)
				}
			}
		}
	}
	for k, times := range arrivals { // messages no order owed: another milestone, or unrecognised
		out.Received += len(times)
		out.Duplicates += len(times) - 1
		out.Unexpected[k.Channel+" "+k.Milestone] += len(times)
	}
	byMilestone := map[string]Latency{}
	for m, ds := range per {
		byMilestone[m] = latencyOf(ds)
	}
	return out, latencyOf(all), byMilestone
}

// problems lists what makes the run a failure.
func problems(r *Report, lastErr error) []string {
	var p []string
	j := r.Journey
	add := func(ok bool, format string, args ...any) {
		if !ok {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(j.NotFinal == 0, "%d orders not delivered: %v", j.NotFinal, j.NotFinalExamples)
	add(j.Notifications.Duplicates == 0, "%d duplicate customer messages", j.Notifications.Duplicates)
	add(j.Notifications.Missing <= j.Notifications.InDoubt, "%d expected customer messages never arrived (%d in doubt after a kill)",
		j.Notifications.Missing, j.Notifications.InDoubt)
	add(len(j.Notifications.Unexpected) == 0, "customer messages no order owed: %s", counts(j.Notifications.Unexpected))
	add(j.FailedAttempts == 0, "%d webhook requests got no 200 and were retried (last: %v)", j.FailedAttempts, lastErr)
	// An event a dying replica stored, resent by the balancer to another, is answered duplicate.
	add(j.Answers["accepted"]+j.ReroutedDuplicates == r.Events, "%d of %d events answered accepted (%s; %d duplicates after a reroute)",
		j.Answers["accepted"], r.Events, counts(j.Answers), j.ReroutedDuplicates)
	refused := 0
	for status, n := range j.VoiceAnswers {
		if status == noAnswer || strings.HasPrefix(status, "http ") || status == "unreadable" {
			refused += n
		}
	}
	add(refused == 0, "%d voice lookups got no usable answer (%s)", refused, counts(j.VoiceAnswers))
	// The journey asks only about orders already acknowledged: the inbox must answer received.
	add(j.VoiceAnswers["not_found"] == 0, "%d voice lookups answered not_found for orders already acknowledged", j.VoiceAnswers["not_found"])
	d := j.Deliveries
	add(d.BadSignatures == 0, "%d outbound deliveries failed signature verification", d.BadSignatures)
	add(d.Recorded >= d.Nominal, "%d outbound deliveries recorded, %d expected", d.Recorded, d.Nominal)
	add(d.Arrived >= d.Recorded, "%d of %d recorded outbound deliveries arrived", d.Arrived, d.Recorded)
	add(d.Failed == 0, "%d outbound deliveries failed", d.Failed)
	// A replica killed mid-task leaves timed-out workflow tasks in some histories: not the
	// journey's cost.
	if h, ok := j.History[workflows.OrderName]; ok && (r.Replicas == nil || len(r.Replicas.Kills) == 0) {
		add(h.Length <= j.HistoryLimit, "order histories average %.1f events in %.1f signals, past the %.1f the journey may cost (%s)",
			h.Length, h.Events[signalEvent], j.HistoryLimit, breakdown(h.Events))
	}
	return p
}

// signalEvent is the history event of a signal received, by the name History.Events keeps.
const signalEvent = "WorkflowExecutionSignaled"

// MaxOrderHistory is the most history events the journey's order (seven events, two
// channels, polling on) may average when the relay batches its events as a burst lets it:
// issue 18's target. Every event is a write the engine makes and, on Temporal Cloud, often an
// action billed; docs/BENCHMARKS.md accounts for each.
//
// MaxPacedOrderHistory is the same when nothing batches (a paced run, or a small run on a
// machine fast enough to relay every event before the next is sent): each event comes alone,
// in a signal and a workflow task of its own: 64 measured, the 60 missed by the
// signals batching cannot merge (docs/BENCHMARKS.md).
const (
	MaxOrderHistory      = 60
	MaxPacedOrderHistory = 70
)

// historyLimit is the most events the order histories may average when their events came in
// signals signals per order (the mean of the sample). How many signals an order's events take
// depends on timing alone: how many of its events the relay finds waiting together. A fixed
// limit would fail a run for being fast (every event relayed alone) or pass a regression for
// being slow, so the limit follows the batching measured in the same histories.
//
// order.created starts the workflow and the six other events come in signals: six when none
// batches (paced: 6.0 signals, 64.0 events, on the dev server), about four in a burst (3.8-4.25
// signals, 47-50 events, in eleven 300- and 2,000-order runs). A signal more costs about 7.5
// events: its own, its workflow task's three, the markers and upserts of one more task. The
// limit goes from MaxOrderHistory at four signals to MaxPacedOrderHistory at six, 5 events a
// signal, so it sits at least 6 events above what the measured runs cost at every degree of
// batching (11 at four, 8.5 at five, 6 at six): room for timing, never a failure for a fast or
// slow machine. It guards the target, not every event: a change costing an order more than
// that room fails it (one signal per event again, an activity per event); smaller ones show
// in the history breakdown the report and docs/BENCHMARKS.md keep.
func historyLimit(signals float64) float64 {
	const batched, alone = 4.0, float64(stepCount - 1)
	share := min(max((signals-batched)/(alone-batched), 0), 1)
	return MaxOrderHistory + share*(MaxPacedOrderHistory-MaxOrderHistory)
}

// warnings are what a caller or operator would notice without the run failing: a voice answer
// that missed its deadline is an apology to the caller, not a lost order.
func warnings(r *Report) []string {
	var w []string
	j := r.Journey
	if n := j.VoiceAnswers["error"]; n > 0 {
		w = append(w, fmt.Sprintf("%d of %d voice lookups answered \"error\" (the deadline passed before an answer)", n, j.Voice.N))
	}
	return w
}

// workflowCounts counts the workflows shipflow ran on its task queue, by type: what one order
// costs the engine is the order's workflow and every workflow it causes (webhook deliveries,
// escalations). Types the server cannot count are left out.
func workflowCounts(ctx context.Context, tc client.Client, namespace, queue string) map[string]int64 {
	out := map[string]int64{}
	for _, typ := range []string{workflows.OrderName, outbound.DeliveryName, workflows.EscalationName} {
		resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: namespace, Query: fmt.Sprintf("TaskQueue = %q AND WorkflowType = %q", queue, typ),
		})
		if err == nil {
			out[typ] = resp.GetCount()
		}
	}
	return out
}

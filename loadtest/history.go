package loadtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/workflows"
)

// ActionPrice is Temporal Cloud's published list price of one action in US dollars: $50 per
// million, the first pay-as-you-go tier (volume tiers go down to $25; docs.temporal.io/cloud/
// pricing). Cost per 1,000 orders is reported at it.
const ActionPrice = 50.0 / 1e6

// History is what a sample of one workflow type cost the engine, per workflow: its history
// events, by type, and the Temporal Cloud actions they bill.
type History struct {
	Sampled int     `json:"sampled"`
	Length  float64 `json:"length"`
	// Events is the mean count of each history event type, by its name (WorkflowTaskStarted).
	Events map[string]float64 `json:"events"`
	// Actions is the mean of the billable actions by Cloud category; ActionsTotal their sum.
	Actions      map[string]float64 `json:"actions"`
	ActionsTotal float64            `json:"actions_total"`
}

// Cost is the engine's bill for the run's orders, per order, from the sampled histories and
// the count of each workflow type run.
type Cost struct {
	ActionsPerOrder float64 `json:"actions_per_order"`
	// USDPer1000Orders is ActionsPerOrder x 1,000 x ActionPrice. Queries (voice lookups that
	// reach a workflow) are billed too but leave no history; they are not in it.
	USDPer1000Orders float64 `json:"usd_per_1000_orders"`
}

// histories samples up to 20 order workflows and 20 delivery workflows of the run.
func histories(ctx context.Context, tc client.Client, pool *pgxpool.Pool, j *journey, endpointID string) map[string]History {
	ids := map[string][]string{}
	for i := range min(j.n, 20) {
		ids[workflows.OrderName] = append(ids[workflows.OrderName], workflows.WorkflowID(j.orderID(i)))
	}
	if rows, err := pool.Query(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id LIMIT 20`, endpointID); err == nil {
		deliveries, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		for _, id := range deliveries {
			ids[outbound.DeliveryName] = append(ids[outbound.DeliveryName], outbound.DeliveryWorkflowID(id))
		}
	}
	out := map[string]History{}
	for typ, list := range ids {
		var sample []*historypb.History
		for _, id := range list {
			if h, err := history(ctx, tc, id); err == nil {
				sample = append(sample, h)
			}
		}
		if len(sample) > 0 {
			out[typ] = summarize(sample)
		}
	}
	return out
}

// history reads a workflow's latest run in full.
func history(ctx context.Context, tc client.Client, id string) (*historypb.History, error) {
	it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

func summarize(sample []*historypb.History) History {
	s := History{Sampled: len(sample), Events: map[string]float64{}, Actions: map[string]float64{}}
	n := float64(len(sample))
	for _, h := range sample {
		s.Length += float64(len(h.Events)) / n
		for _, e := range h.Events {
			s.Events[strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")] += 1 / n
		}
		for cat, a := range actions(h) {
			s.Actions[cat] += float64(a) / n
			s.ActionsTotal += float64(a) / n
		}
	}
	return s
}

// actions counts the Temporal Cloud actions a history bills, by category, as
// docs.temporal.io/cloud/actions maps them onto history events: a start (client, child or
// continue-as-new) 1, a child start 2 (its intent and its attempt), a signal received 1 (one
// sent to another workflow bills there), an accepted update 1, a search attribute upsert 1
// (not the TemporalChangeVersion one a version marker brings),
// a timer 1, an activity scheduled 1 plus 1 per retry, and every marker a workflow task
// records (local activities, side effects, versions) 1 for the task, plus 1 per local
// activity retry.
func actions(h *historypb.History) map[string]int {
	a := map[string]int{}
	markedTasks := map[int64]bool{}
	for _, e := range h.Events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			a["workflow started"]++
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			a["child workflow"] += 2
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			a["signal"]++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			a["update"]++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			// The upsert of TemporalChangeVersion a version marker brings is not billed.
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, ok := fields["TemporalChangeVersion"]; !ok || len(fields) > 1 {
				a["search attributes"]++
			}
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			a["timer"]++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a["activity"]++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if n := e.GetActivityTaskStartedEventAttributes().GetAttempt(); n > 1 {
				a["activity"] += int(n - 1)
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			markedTasks[e.GetMarkerRecordedEventAttributes().GetWorkflowTaskCompletedEventId()] = true
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if n := e.GetWorkflowTaskCompletedEventAttributes().GetMeteringMetadata().GetNonfirstLocalActivityExecutionAttempts(); n > 0 {
				a["local activity"] += int(n)
			}
		}
	}
	a["local activity"] += len(markedTasks)
	if a["local activity"] == 0 {
		delete(a, "local activity")
	}
	return a
}

// cost is the run's bill per order: each workflow type's mean actions times how many of it
// ran, over the orders.
func cost(h map[string]History, counts map[string]int64, orders int) Cost {
	if orders == 0 {
		return Cost{}
	}
	var total float64
	for typ, s := range h {
		total += s.ActionsTotal * float64(counts[typ])
	}
	per := total / float64(orders)
	return Cost{ActionsPerOrder: per, USDPer1000Orders: per * 1000 * ActionPrice}
}

// breakdown is a history's events, most frequent first, for the table.
func breakdown(m map[string]float64) string {
	type kv struct {
		k string
		v float64
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return cmp.Or(cmp.Compare(b.v, a.v), strings.Compare(a.k, b.k)) })
	parts := make([]string, len(kvs))
	for i, p := range kvs {
		parts[i] = fmt.Sprintf("%s %.1f", strings.ToLower(p.k), p.v)
	}
	return strings.Join(parts, ", ")
}

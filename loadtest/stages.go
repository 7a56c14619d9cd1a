package loadtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/order"
)

// Event to notification is one figure made of several waits. Issue 18 asked where the last
// percent of it waits; guessing from the configuration named three suspects in turn, so the
// run times each stage of every message it was owed from stamps that already exist: its own
// clock when it sent the webhook and when the stand-in received the message, and between them
// the columns Postgres keeps. The load generator and Postgres read the same machine's clock;
// Postgres's now() is the start of the transaction that wrote the row.
//
// The stages, in order (their durations add up to event to notification):
//
//   - stageInbox: the webhook sent, until its row is in the inbox (inbound_events.received_at);
//     the 2xx follows that commit.
//   - stageRelay: the inbox row, until the relay's signal carrying it was accepted by Temporal
//     (inbound_events.applied_at): the inbox's queue and the relay's batch. The relay stamps
//     the row after the signal call returned, in an update of its own.
//   - stageWorkflow: the row stamped applied, until the order's workflow task ran and its
//     SendMilestone wrote the message's row in the notification log
//     (notifications.created_at): the engine's task queue, the workflow task and whatever
//     holds that order's task open before it. The workflow may take the signal before the
//     relay's stamp commits, so on an idle engine this stage reads near zero, or just below.
//   - stageProvider: the log row, until the stand-in received the message: rendering and the
//     provider call.
//
// stageProjection is timed beside them, not between: from the signal accepted until Persist
// wrote the read model and the milestone's published event (webhook_deliveries.created_at of
// the run's one subscriber, written in the same local activity as the projection; the order
// row keeps only its latest update, the delivery row one per event). The projection and the
// message are started by the same workflow task and run side by side.
const (
	stageInbox      = "inbox"
	stageRelay      = "relay"
	stageWorkflow   = "workflow"
	stageProvider   = "provider"
	stageProjection = "projection"
)

// milestoneEvents is the outbound event each milestone's triggering event publishes, whose
// delivery row dates the projection.
var milestoneEvents = map[string]order.PublishType{
	string(order.MilestoneConfirmed):      order.PublishOrderConfirmed,
	string(order.MilestonePacked):         order.PublishOrderPacked,
	string(order.MilestoneShipped):        order.PublishOrderShipped,
	string(order.MilestoneOutForDelivery): order.PublishShipmentOutForDelivery,
	string(order.MilestoneDelivered):      order.PublishOrderDelivered,
}

// Stage is one stage of event to notification over every message of the run (or of one
// milestone). TailP50 is the stage's median among the slowest hundredth of those messages end
// to end: where the tail waits, which a stage's own p99 alone does not say, since the slowest
// messages of two stages need not be the same ones.
type Stage struct {
	Name    string  `json:"name"`
	Latency Latency `json:"latency"`
	TailP50 float64 `json:"tail_p50_ms"`
}

// messageStamps are the moments one message passed, zero where no row said.
type messageStamps struct {
	milestone                                           string
	sent, accepted, relayed, projected, logged, arrived time.Time
}

func (m messageStamps) complete() bool {
	for _, t := range []time.Time{m.sent, m.accepted, m.relayed, m.projected, m.logged, m.arrived} {
		if t.IsZero() {
			return false
		}
	}
	return true
}

// stageDurations are m's stages in the order of Stages, projection last.
func (m messageStamps) stageDurations() []time.Duration {
	return []time.Duration{m.accepted.Sub(m.sent), m.relayed.Sub(m.accepted), m.logged.Sub(m.relayed),
		m.arrived.Sub(m.logged), m.projected.Sub(m.relayed)}
}

var stageNames = []string{stageInbox, stageRelay, stageWorkflow, stageProvider, stageProjection}

// messageStages times the stages of every message the journey owed and received, for all of
// them and by milestone. Messages some stamp is missing for (none, in a passing run) are left
// out; Latency.N says how many were timed.
func messageStages(ctx context.Context, pool *pgxpool.Pool, j *journey, endpointID string, arrivals map[messageKey][]time.Time) ([]Stage, map[string][]Stage, error) {
	type stamps struct{ received, applied time.Time }
	inboxRows := map[string]stamps{}
	rows, err := pool.Query(ctx, `SELECT event_id, received_at, applied_at FROM inbound_events WHERE event_id LIKE $1 || '%'`, j.prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("read the inbox's stamps: %w", err)
	}
	for rows.Next() {
		var id string
		var received time.Time
		var applied *time.Time
		if err := rows.Scan(&id, &received, &applied); err != nil {
			return nil, nil, fmt.Errorf("read the inbox's stamps: %w", err)
		}
		s := stamps{received: received}
		if applied != nil {
			s.applied = *applied
		}
		inboxRows[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read the inbox's stamps: %w", err)
	}
	type logKey struct{ order, milestone, channel string }
	logged := map[logKey]time.Time{}
	rows, err = pool.Query(ctx, `
		SELECT order_id, milestone, channel, min(created_at) FROM notifications
		WHERE order_id LIKE $1 || '%' GROUP BY 1, 2, 3`, j.prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("read the notification log's stamps: %w", err)
	}
	for rows.Next() {
		var k logKey
		var at time.Time
		if err := rows.Scan(&k.order, &k.milestone, &k.channel, &at); err != nil {
			return nil, nil, fmt.Errorf("read the notification log's stamps: %w", err)
		}
		logged[k] = at
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read the notification log's stamps: %w", err)
	}
	type eventKey struct{ order, typ string }
	projected := map[eventKey]time.Time{}
	rows, err = pool.Query(ctx, `
		SELECT order_id, type, min(created_at) FROM webhook_deliveries
		WHERE endpoint_id = $1 AND order_id LIKE $2 || '%' GROUP BY 1, 2`, endpointID, j.prefix)
	if err != nil {
		return nil, nil, fmt.Errorf("read the deliveries' stamps: %w", err)
	}
	for rows.Next() {
		var k eventKey
		var at time.Time
		if err := rows.Scan(&k.order, &k.typ, &at); err != nil {
			return nil, nil, fmt.Errorf("read the deliveries' stamps: %w", err)
		}
		projected[k] = at
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read the deliveries' stamps: %w", err)
	}

	var all []messageStamps
	for i := range j.n {
		id := j.orderID(i)
		for milestone, s := range milestoneSteps {
			ev := inboxRows[id+"-"+stepNames[s]] // the event's webhook-id, as send signs it
			for _, k := range []messageKey{{string(order.ChannelSMS), phone(i), milestone}, {string(order.ChannelEmail), email(i), milestone}} {
				m := messageStamps{milestone: milestone, sent: j.sentAt[i][s], accepted: ev.received, relayed: ev.applied,
					projected: projected[eventKey{id, string(milestoneEvents[milestone])}],
					logged:    logged[logKey{id, milestone, k.Channel}]}
				if times := arrivals[k]; len(times) > 0 {
					m.arrived = slices.MinFunc(times, func(a, b time.Time) int { return a.Compare(b) })
				}
				if m.complete() {
					all = append(all, m)
				}
			}
		}
	}
	byMilestone := map[string][]Stage{}
	for milestone := range milestoneSteps {
		var some []messageStamps
		for _, m := range all {
			if m.milestone == milestone {
				some = append(some, m)
			}
		}
		if len(some) > 0 {
			byMilestone[milestone] = stagesOf(some)
		}
	}
	return stagesOf(all), byMilestone, nil
}

// stagesOf is each stage's distribution over ms, and its median over the slowest hundredth of
// ms end to end (at least one message).
func stagesOf(ms []messageStamps) []Stage {
	if len(ms) == 0 {
		return nil
	}
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b messageStamps) int { return cmp.Compare(a.arrived.Sub(a.sent), b.arrived.Sub(b.sent)) })
	tail := ms[len(ms)-max(1, len(ms)/100):]
	out := make([]Stage, len(stageNames))
	for k, name := range stageNames {
		ds := make([]time.Duration, len(ms))
		for i, m := range ms {
			ds[i] = m.stageDurations()[k]
		}
		ts := make([]time.Duration, len(tail))
		for i, m := range tail {
			ts[i] = m.stageDurations()[k]
		}
		out[k] = Stage{Name: name, Latency: latencyOf(ds), TailP50: latencyOf(ts).P50}
	}
	return out
}

package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/config"
)

// ScheduleID is the retention schedule's id in the namespace: one for every replica.
const ScheduleID = "shipflow-retention"

// Schedule is the schedule a deployment wants: its settings and the task queue its
// workers poll.
type Schedule struct {
	Retention config.Retention
	TaskQueue string
}

// Note is the schedule's note in the Temporal UI: what it prunes and how often, in the
// settings' words. It is also how a starting worker tells whether the schedule is already
// the one wanted: same note, same schedule.
func (s Schedule) Note() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shipflow retention (README \"Retention\"): every %s, on task queue %s, prunes", s.Retention.Every, s.TaskQueue)
	for i, a := range Ages(s.Retention) {
		sep := ","
		if i == 0 {
			sep = ""
		}
		keep := "kept"
		if a.Keep > 0 {
			keep = fmt.Sprintf("%dd", a.Keep/config.Day)
		}
		fmt.Fprintf(&b, "%s %s %s", sep, a.Kind, keep)
	}
	b.WriteString(". Set by SHIPFLOW_RETENTION_*; a worker starting with other settings updates it.")
	return b.String()
}

// Paused is the note of the schedule while SHIPFLOW_RETENTION is off.
const pausedNote = "shipflow retention is off (SHIPFLOW_RETENTION=false): nothing is pruned. A worker started with it on resumes this schedule."

func (s Schedule) spec() client.ScheduleSpec {
	return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.Retention.Every}}}
}

func (s Schedule) action() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:        ScheduleID,
		Workflow:  WorkflowName,
		Args:      []any{Input{Ages: Ages(s.Retention)}},
		TaskQueue: s.TaskQueue,
		// A run is bounded by MaxBatches; one that hangs past an interval is ended so the
		// next can start.
		WorkflowRunTimeout: max(s.Retention.Every, time.Hour),
		StaticSummary:      "Prune data past its retention",
	}
}

// Ensure makes the namespace's retention schedule the one s wants, at every worker's
// start: it creates it, updates it if another start left other settings, or, with retention
// off, pauses it. Replicas starting together all succeed: the one that loses the race to
// create updates what the winner made, to the same thing.
func Ensure(ctx context.Context, c client.Client, s Schedule) error {
	h := c.ScheduleClient().GetHandle(ctx, ScheduleID)
	if !s.Retention.On {
		err := h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			st := in.Description.Schedule.State
			if st.Paused && st.Note == pausedNote {
				return nil, temporal.ErrSkipScheduleUpdate
			}
			st.Paused, st.Note = true, pausedNote
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		}})
		var notFound *serviceerror.NotFound
		if err != nil && !errors.As(err, &notFound) {
			return fmt.Errorf("pause schedule %s: %w", ScheduleID, err)
		}
		return nil
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      ScheduleID,
		Spec:    s.spec(),
		Action:  s.action(),
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    s.Note(),
		Memo:    map[string]any{"description": "Prunes shipflow's data past its retention (package retention)"},
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", ScheduleID, err)
	}
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		cur := in.Description.Schedule
		if cur.State != nil && !cur.State.Paused && cur.State.Note == s.Note() {
			return nil, temporal.ErrSkipScheduleUpdate
		}
		spec := s.spec()
		cur.Spec = &spec
		cur.Action = s.action()
		cur.Policy = &client.SchedulePolicies{Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP}
		cur.State = &client.ScheduleState{Note: s.Note()}
		return &client.ScheduleUpdate{Schedule: &cur}, nil
	}})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", ScheduleID, err)
	}
	return nil
}

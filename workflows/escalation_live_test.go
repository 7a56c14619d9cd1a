package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// downChat is a staff chat that answers every alert with a 503.
type downChat struct{}

func (downChat) Name() string { return "down" }
func (downChat) Alert(context.Context, escalate.Alert) error {
	return errors.New("503 from the chat")
}

// Issue 15, finding 8: a chat that is down for good does not hold the escalation up. Its alerts
// are given up after their deadline (half the SLA at most), and the escalation still rises a
// level when the SLA passes and tells the chats that work. On the real Temporal server, where
// a retry policy without a deadline retries for ever.
func TestEscalationGoesOnWhenAChatIsDownOnTemporal(t *testing.T) {
	c, tq := testenv.Temporal(t), testenv.TaskQueue(t)
	st := &staff{}
	w := sdkworker.New(c, tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: testenv.DB(t), Alerters: map[string]escalate.Alerter{"down": downChat{}, "chat": st}})
	testenv.StartWorker(t, w)
	id := fmt.Sprintf("esc-down-%d", time.Now().UnixNano())
	x := order.Exception{Reason: order.ReasonStale, ShipmentID: "S1", Message: "no news", RaisedAt: time.Now().UTC(), Source: "system"}
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "escalation-" + id, TaskQueue: tq},
		workflows.Escalation, workflows.EscalationInput{OrderID: id, Exception: x, SLA: 4 * time.Second, Channels: []string{"down", "chat"}})
	if err != nil {
		t.Fatal(err)
	}
	levels := func() []int {
		st.mu.Lock()
		defer st.mu.Unlock()
		var out []int
		for _, a := range st.alerts {
			out = append(out, a.Level)
		}
		return out
	}
	risen := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !risen; time.Sleep(100 * time.Millisecond) {
		l := levels()
		risen = len(l) >= 2 && l[1] == 2
	}
	if !risen {
		_ = c.TerminateWorkflow(context.Background(), run.GetID(), "", "test over")
		t.Fatalf("the working chat got levels %v within 20 s of a 4 s SLA: the dead chat held the escalation", levels())
	}
	// Closed, it ends once the dead chat's closing alert is given up (half the SLA).
	if err := c.SignalWorkflow(context.Background(), run.GetID(), "", workflows.CloseEscalationSignal, order.ResolvedByStaff); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	saveHistory(t, "escalation_down_chat", historyOf(t, c, run.GetID(), run.GetRunID()))
}

package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// t0 is when every test order is created; events are dated from it.
var t0 = time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)

const reviewDelay = 72 * time.Hour

// channels stands in for the customer and staff channels (Twilio, SendGrid, Slack, Zendesk),
// which have their own packages and tests; it records what the workflow asked them to do. It
// keeps notify.Service's contract: at most one message per notify.Key, a refusal answered as
// a *notify.PermanentError.
type channels struct {
	mu      sync.Mutex
	done    map[string]bool // notify.Key of every message sent or superseded
	notes   []string        // "milestone/shipment", one per channel sent on
	sends   []notify.Request
	changes []activities.ExceptionChange
	fail    map[order.Channel]bool // channels that refuse, permanently
	flaky   map[order.Channel]int  // failures for now each channel answers before it works
	// superseded are the "milestone/shipment" messages logged as stale instead of sent.
	superseded []string
}

func (c *channels) Notify(_ context.Context, n notify.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail[n.Channel] {
		return &notify.PermanentError{Err: errors.New(string(n.Channel) + " refused")}
	}
	if c.done[notify.Key(n)] {
		return nil
	}
	if c.flaky[n.Channel] > 0 {
		c.flaky[n.Channel]--
		return errors.New("503 from the provider")
	}
	if c.done == nil {
		c.done = map[string]bool{}
	}
	c.done[notify.Key(n)] = true
	if n.Superseded != "" {
		c.superseded = append(c.superseded, string(n.Milestone)+"/"+n.ShipmentID)
		return nil
	}
	c.notes = append(c.notes, string(n.Milestone)+"/"+n.ShipmentID)
	c.sends = append(c.sends, n)
	return nil
}

func (c *channels) ExceptionChanged(_ context.Context, x activities.ExceptionChange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes = append(c.changes, x)
	return nil
}

// want checks the customer was told exactly these "milestone/shipment" messages, in order.
func (c *channels) want(t *testing.T, want ...string) {
	t.Helper()
	if got := c.sent(); !slices.Equal(got, want) {
		t.Errorf("notifications %v, want %v", got, want)
	}
}

// wantAnyOrder is want for a real worker, where each message's activity may finish before or
// after another's.
func (c *channels) wantAnyOrder(t *testing.T, want ...string) {
	t.Helper()
	got := c.sent()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("notifications %v, want %v in any order", got, want)
	}
}

func (c *channels) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.notes...)
}

// staff stands in for the staff chats and Zendesk (their clients have their own tests against
// stand-ins of the real services): it records alerts and ticket changes.
type staff struct {
	mu      sync.Mutex
	alerts  []escalate.Alert
	tickets map[string][]escalate.Update // by ticket id; the first entry is the opening
	opened  int
}

func (s *staff) Name() string { return "chat" }

func (s *staff) Alert(_ context.Context, a escalate.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alerts = append(s.alerts, a)
	return nil
}

func (s *staff) Open(_ context.Context, t escalate.Ticket) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tickets == nil {
		s.tickets = map[string][]escalate.Update{}
	}
	if _, ok := s.tickets[t.OrderID]; !ok {
		s.opened++
		s.tickets[t.OrderID] = []escalate.Update{{Comment: t.Body, Priority: t.Priority}}
	}
	return t.OrderID, nil
}

func (s *staff) Update(_ context.Context, id string, u escalate.Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickets[id] = append(s.tickets[id], u)
	return nil
}

// run is one order workflow in the SDK's time-skipping test environment, with its activities
// writing to this package's real Postgres database.
type run struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	ch       *channels
	staff    *staff
	orderID  string
	settings workflows.OrderSettings
	// createdWith, when set, changes the order.created the run starts with.
	createdWith func(*order.CommerceEvent)
}

func newRun(t *testing.T) *run { return newRunWith(t, nil) }

// newRunWith is newRun with a carrier for the order to poll.
func newRunWith(t *testing.T, tracker track.Tracker) *run {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(testenv.SDKLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	ch, st := &channels{}, &staff{}
	worker.Register(env, worker.Deps{DB: testenv.DB(t), Notifier: ch, Escalator: ch, Tracker: tracker,
		Alerters: map[string]escalate.Alerter{"chat": st}, Tickets: st, Estimates: &merchantRules})
	return &run{
		t: t, env: env, ch: ch, staff: st,
		orderID:  fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()),
		settings: workflows.OrderSettings{ReviewRequestDelay: reviewDelay},
	}
}

// at runs f once the workflow's clock is d past t0.
func (r *run) at(d time.Duration, f func()) { r.env.RegisterDelayedCallback(f, d) }

func (r *run) commerce(d time.Duration, e order.CommerceEvent) {
	r.at(d, func() { r.env.SignalWorkflow(workflows.CommerceSignal, e) })
}

func (r *run) scan(d time.Duration, e order.TrackingEvent) {
	r.at(d, func() { r.env.SignalWorkflow(workflows.TrackingSignal, e) })
}

// start runs the workflow to its end (or until the test environment's clock stops).
func (r *run) start() {
	e := r.created()
	if r.createdWith != nil {
		r.createdWith(&e)
	}
	r.env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Created: &e, Settings: r.settings})
}

func (r *run) query() order.View {
	r.t.Helper()
	res, err := r.env.QueryWorkflow(workflows.StatusQuery)
	if err != nil {
		r.t.Fatalf("query: %v", err)
	}
	var v order.View
	if err := res.Get(&v); err != nil {
		r.t.Fatalf("decode view: %v", err)
	}
	return v
}

// checkStatus queries at d and compares the order status.
func (r *run) checkStatus(d time.Duration, want order.Status) {
	r.at(d, func() {
		if got := r.query().Status; got != want {
			r.t.Errorf("at %s: status %s, want %s", d, got, want)
		}
	})
}

func (r *run) completed() {
	r.t.Helper()
	if !r.env.IsWorkflowCompleted() {
		r.t.Fatal("workflow did not complete")
	}
	if err := r.env.GetWorkflowError(); err != nil {
		r.t.Fatalf("workflow failed: %v", err)
	}
}

func (r *run) created() order.CommerceEvent {
	return order.CommerceEvent{
		ID: r.orderID + "-created", Type: order.EventCreated, Timestamp: t0, OrderID: r.orderID,
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com", Phone: "+37060000000", Locale: "lt", TimeZone: "Europe/Vilnius"},
		Notify:   []order.Channel{order.ChannelSMS},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}, {SKU: "JACKET-1", Name: "Jacket", Quantity: 1}},
	}
}

func (r *run) event(typ order.EventType, d time.Duration) order.CommerceEvent {
	return order.CommerceEvent{ID: fmt.Sprintf("%s-%s-%s", r.orderID, typ, d), Type: typ, Timestamp: t0.Add(d), OrderID: r.orderID}
}

func (r *run) shipped(d time.Duration, shipmentID, tracking string, eta time.Duration, skus ...string) order.CommerceEvent {
	e := r.event(order.EventShipped, d)
	e.ID += shipmentID
	due := t0.Add(eta)
	e.Shipment = &order.ShipmentInfo{ID: shipmentID, Carrier: "DPD", TrackingNumber: tracking, Items: skus, EstimatedDelivery: &due}
	return e
}

func tracking(id, tn string, st order.ShipmentStatus, at time.Duration) order.TrackingEvent {
	return order.TrackingEvent{
		ID: id, Source: "generic", Carrier: "DPD", TrackingNumber: tn, Status: st,
		Description: string(st), Location: order.Location{City: "Kaunas", Country: "LT"}, OccurredAt: t0.Add(at),
	}
}

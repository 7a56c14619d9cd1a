package voice

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// The fakes stand in for shipflow's Postgres read model, Temporal updates
// and shared memo, which have tests of their own.

type fakeSource struct {
	mu     sync.Mutex
	orders map[string]order.View
	// received are orders known only from their accepted order.created (Found.Received).
	received map[string]order.View
	tracking map[string]string
	sleep    time.Duration // answers this late, ignoring the context, as a stuck backend would
	err      error
	lookups  int
}

func (s *fakeSource) Order(ctx context.Context, id string) (Found, error) {
	s.mu.Lock()
	s.lookups++
	sleep, err := s.sleep, s.err
	v, ok := s.orders[id]
	r, received := s.received[id]
	s.mu.Unlock()
	time.Sleep(sleep)
	switch {
	case err != nil:
		return Found{}, err
	case ok:
		return Found{View: v}, nil
	case received:
		return Found{View: r, Received: true}, nil
	}
	return Found{}, ErrNotFound
}

func (s *fakeSource) OrderForTracking(ctx context.Context, tn string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.tracking[tn]; ok {
		return id, nil
	}
	return "", ErrNotFound
}

type humanRequest struct{ orderID, callID, reason string }

type fakeActions struct {
	mu       sync.Mutex
	channels map[string][]order.Channel
	delays   []order.Delay
	humans   []humanRequest
	staffed  *Staffed // who RequestHuman says it reached; nil is one chat
	calls    int
	sleep    time.Duration
	err      error
}

func (a *fakeActions) begin() error {
	a.mu.Lock()
	a.calls++
	sleep, err := a.sleep, a.err
	a.mu.Unlock()
	time.Sleep(sleep)
	return err
}

func (a *fakeActions) SetChannels(ctx context.Context, orderID string, chs []order.Channel) error {
	if err := a.begin(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.channels == nil {
		a.channels = map[string][]order.Channel{}
	}
	a.channels[orderID] = slices.Clone(chs)
	return nil
}

func (a *fakeActions) ReportDelay(ctx context.Context, orderID string, d order.Delay) error {
	if err := a.begin(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delays = append(a.delays, d)
	return nil
}

func (a *fakeActions) RequestHuman(ctx context.Context, orderID string, r order.HumanRequest) (Staffed, error) {
	if err := a.begin(); err != nil {
		return Staffed{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.humans = append(a.humans, humanRequest{orderID, r.ID, r.Reason})
	if a.staffed != nil {
		return *a.staffed, nil
	}
	return Staffed{Chats: 1}, nil
}

func (a *fakeActions) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

type fakeMemo struct {
	mu   sync.Mutex
	m    map[string][]byte
	ttls []time.Duration
	err  error
}

func (m *fakeMemo) Get(ctx context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, false, m.err
	}
	b, ok := m.m[key]
	return slices.Clone(b), ok, nil
}

func (m *fakeMemo) Put(ctx context.Context, key string, answer []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[key] = slices.Clone(answer)
	m.ttls = append(m.ttls, ttl)
	return nil
}

func (m *fakeMemo) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

// The moment every test call happens: Thursday 7 May 2026, 13:30 in Vilnius.
var testNow = time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)

func tp(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

const phone = "+37060000000"

func customer(locale string) order.Customer {
	return order.Customer{Name: "Ona Petraitytė", Phone: phone, Email: "ona@example.com", Locale: locale, TimeZone: "Europe/Vilnius"}
}

// orders are the orders the fake Source knows, by id.
func testOrders() map[string]order.View {
	inTransit := func(id, locale string) order.View {
		return order.View{
			OrderID: id, Status: order.StatusInTransit, Customer: customer(locale),
			Notify: order.NotifyView{Channels: []order.Channel{order.ChannelEmail}},
			Items:  []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
			Shipments: []order.ShipmentView{{
				ShipmentID: "shp_1", Carrier: "DPD", TrackingNumber: "05212345678901", Status: order.ShipmentInTransit,
				LastLocation: &order.Location{City: "KAUNAS", Country: "LT"}, EstimatedDelivery: tp("2026-05-08T14:00:00Z"),
				Items: []string{"SHOE-1"},
			}},
		}
	}
	m := map[string]order.View{
		"123456": inTransit("123456", "en"),
		"223456": inTransit("223456", "lt-LT"),
	}

	split := order.View{
		OrderID: "2001", Status: order.StatusInTransit, Customer: customer("en"),
		Notify: order.NotifyView{Channels: []order.Channel{order.ChannelSMS}},
		Items: []order.Item{
			{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}, {SKU: "SOCK-1", Name: "Socks", Quantity: 2},
			{SKU: "JACK-1", Name: "Jacket", Quantity: 1}, {SKU: "HAT-1", Name: "Hat", Quantity: 1},
		},
		Shipments: []order.ShipmentView{
			{
				ShipmentID: "shp_1", Carrier: "DPD", TrackingNumber: "DPD1", Status: order.ShipmentInTransit,
				LastLocation: &order.Location{City: "Kaunas", Country: "LT"}, EstimatedDelivery: tp("2026-05-08T14:00:00Z"),
				Items: []string{"SHOE-1", "SOCK-1"},
			},
			{
				ShipmentID: "shp_2", Carrier: "Omniva", TrackingNumber: "CE1LT", Status: order.ShipmentDelivered,
				LastLocation: &order.Location{City: "Vilnius", Country: "LT"}, DeliveredAt: tp("2026-05-06T11:14:00Z"),
				Items: []string{"JACK-1"},
			},
		},
	}
	m["2001"] = split
	splitLT := split
	splitLT.OrderID, splitLT.Customer = "2002", customer("lt")
	m["2002"] = splitLT

	delayed := inTransit("3001", "en")
	delayed.Status = order.StatusException
	delayed.Shipments[0].EstimatedDelivery = tp("2026-05-08T15:30:00Z")
	delayed.Exception = &order.Exception{Reason: order.ReasonDriverDelay, ShipmentID: "shp_1", Message: "traffic (near Kaunas)", RaisedAt: testNow, Source: "driver"}
	m["3001"] = delayed

	carrierProblem := inTransit("3002", "en")
	carrierProblem.Status = order.StatusException
	carrierProblem.Shipments[0].Status = order.ShipmentException
	carrierProblem.Shipments[0].EstimatedDelivery = nil
	carrierProblem.Exception = &order.Exception{Reason: order.ReasonCarrierException, ShipmentID: "shp_1", Message: "Address incomplete", RaisedAt: testNow}
	m["3002"] = carrierProblem
	carrierLT := carrierProblem
	carrierLT.OrderID, carrierLT.Customer = "3003", customer("lt")
	m["3003"] = carrierLT

	delivered := inTransit("4001", "en")
	delivered.Status = order.StatusDelivered
	delivered.Shipments[0].Status = order.ShipmentDelivered
	delivered.Shipments[0].DeliveredAt = tp("2026-05-06T11:14:00Z")
	delivered.DeliveredAt = tp("2026-05-06T11:14:00Z")
	m["4001"] = delivered
	deliveredLT := delivered
	deliveredLT.OrderID, deliveredLT.Customer = "4002", customer("lt")
	m["4002"] = deliveredLT

	m["5001"] = order.View{OrderID: "5001", Status: order.StatusCancelled, Customer: customer("en"), CancelledAt: tp("2026-05-05T08:00:00Z"), CancelReason: "fraud check"}
	m["5002"] = order.View{
		OrderID: "5002", Status: order.StatusReturned, Customer: customer("en"), ReturnedAt: tp("2026-05-06T09:00:00Z"),
		Refunds: []order.Refund{{Amount: "49.99", Currency: "EUR", At: *tp("2026-05-07T08:00:00Z")}},
	}
	m["6001"] = order.View{
		OrderID: "6001", Status: order.StatusConfirmed, Customer: customer("en"),
		Notify: order.NotifyView{Channels: []order.Channel{order.ChannelEmail}}, PromisedDelivery: tp("2026-05-12T00:00:00Z"),
	}
	noPhone := inTransit("7001", "en")
	noPhone.Customer.Phone = ""
	m["7001"] = noPhone
	noEmail := inTransit("7002", "en")
	noEmail.Customer.Email = ""
	noEmail.Notify.Channels = []order.Channel{order.ChannelSMS}
	m["7002"] = noEmail
	appUser := inTransit("7003", "en")
	appUser.Customer.ExternalID = "app-user-7003"
	m["7003"] = appUser

	twoOpen := split
	twoOpen.OrderID = "8001"
	twoOpen.Shipments = slices.Clone(split.Shipments)
	twoOpen.Shipments[1].Status, twoOpen.Shipments[1].DeliveredAt = order.ShipmentInTransit, nil
	m["8001"] = twoOpen
	return m
}

type fixture struct {
	h       *Handler
	source  *fakeSource
	actions *fakeActions
	memo    *fakeMemo
	logs    *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		source: &fakeSource{orders: testOrders(), tracking: map[string]string{
			"05212345678901": "123456", "DPD1": "2001", "CE1LT": "2001",
		}},
		actions: &fakeActions{},
		memo:    &fakeMemo{},
		logs:    &bytes.Buffer{},
	}
	f.h = &Handler{
		Source: f.source, Actions: f.actions, Memo: f.memo,
		Now:    func() time.Time { return testNow },
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: f.logs}, nil)),
	}
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// post sends body to the handler and returns the status and body.
func post(t *testing.T, h http.Handler, body string) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/voice/tools", bytes.NewBufferString(body)))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	return rec.Code, rec.Body.Bytes()
}

// poskai is a request body (docs/reference/voice.md).
func poskai(callID, tool string, params map[string]any) string {
	b, err := json.Marshal(map[string]any{
		"event": "tool.invoked", "call_id": callID, "tool_name": tool, "parameters": params,
		"metadata": map[string]any{"timestamp": "2026-05-07T10:30:00Z"},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

type answer struct {
	Status         string         `json:"status"`
	Data           map[string]any `json:"data"`
	AIInstructions string         `json:"ai_instructions"`
}

func decodeAnswer(t *testing.T, b []byte) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, b)
	}
	if a.Data == nil {
		t.Fatalf("answer has no data object: %s", b)
	}
	return a
}

// asDriver serves h as to a driver's token (AsDriver), the way the server
// marks one.
func asDriver(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(AsDriver(r.Context())))
	})
}

// callPOSKAI posts a POSKAI call that must be answered 200; report_delay
// is posted as a driver's.
func (f *fixture) callPOSKAI(t *testing.T, callID, tool string, params map[string]any) (answer, []byte) {
	t.Helper()
	h := f.h.POSKAI()
	if tool == ToolReportDelay {
		h = asDriver(h)
	}
	code, body := post(t, h, poskai(callID, tool, params))
	if code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", code, body)
	}
	return decodeAnswer(t, body), body
}

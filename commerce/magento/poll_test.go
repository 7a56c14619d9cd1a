package magento_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shipflow/shipflow/commerce/magento"
	"github.com/shipflow/shipflow/commerce/magento/magentotest"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// setup starts a stand-in and returns a poller on it over a fresh poll state: the package's
// tests share one commerce_polls row, so they run one after another, each from scratch.
func setup(t *testing.T) (*magentotest.Server, *magento.Poller, *pgxpool.Pool, *prometheus.Registry) {
	t.Helper()
	pool := testenv.DB(t)
	if _, err := pool.Exec(context.Background(), `DELETE FROM commerce_polls`); err != nil {
		t.Fatal(err)
	}
	s := magentotest.New()
	t.Cleanup(s.Close)
	reg := prometheus.NewRegistry()
	p := newPoller(s, pool)
	if err := p.Register(reg); err != nil {
		t.Fatal(err)
	}
	return s, p, pool, reg
}

func newPoller(s *magentotest.Server, pool *pgxpool.Pool) *magento.Poller {
	return &magento.Poller{
		Client: magento.New(magento.Config{URL: s.URL, Token: magentotest.Token}, nil),
		Inbox:  inbox.New(pool), DB: pool, Interval: time.Millisecond, PageSize: 2,
		Logger: testenv.QuietLogger(),
	}
}

// once runs a pass, waiting out the interval so that it is due.
func once(t *testing.T, p *magento.Poller) magento.Pass {
	t.Helper()
	time.Sleep(5 * time.Millisecond)
	pass, err := p.Once(context.Background())
	if err != nil {
		t.Fatalf("pass: %v", err)
	}
	if !pass.Polled {
		t.Fatal("the pass did not poll")
	}
	return pass
}

// stored lists the inbox's magento deliveries whose event id has the prefix.
func stored(t *testing.T, pool *pgxpool.Pool, prefix string) []inbox.Delivery {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT delivery FROM inbound_events WHERE source = 'magento' AND event_id LIKE $1 || '%' ORDER BY id`, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []inbox.Delivery
	for rows.Next() {
		var d inbox.Delivery
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestPollOrdersAndShipments: a new order and its shipment become deliveries, the order's
// first; a second pass reads nothing new; a changed order is read again as a new version.
func TestPollOrdersAndShipments(t *testing.T) {
	s, p, pool, reg := setup(t)
	now := time.Now().UTC().Truncate(time.Second)
	s.Put(magento.ResourceOrders, magentotest.Order(101, "000000101", "processing", now.Add(-time.Minute)), time.Time{})
	s.Put(magento.ResourceShipments, magentotest.Shipment(201, "000000201", 101, now, magentotest.Track{ID: 301, Carrier: "ups", Num: "1ZPOLL101"}), time.Time{})
	s.Put(magento.ResourceOrders, magentotest.Order(102, "000000102", "pending_payment", now), time.Time{})

	pass := once(t, p)
	if pass.Read[magento.OutcomeStored] != 2 || pass.Read[magento.OutcomeIgnored] != 1 {
		t.Fatalf("first pass = %+v", pass.Read)
	}
	orders, shipments := stored(t, pool, "order/101/"), stored(t, pool, "shipment/201/")
	if len(orders) != 1 || len(shipments) != 1 {
		t.Fatalf("stored %d orders, %d shipments", len(orders), len(shipments))
	}
	if e := shipments[0].Commerce[0]; e.OrderID != "000000101" || e.Shipment.TrackingNumber != "1ZPOLL101" || e.Shipment.Carrier != "ups" {
		t.Errorf("shipped = %+v %+v", e, e.Shipment)
	}
	if pass := once(t, p); len(pass.Read) != 0 {
		t.Errorf("second pass read %+v, want nothing", pass.Read)
	}
	o := s.Get(magento.ResourceOrders, 101)
	o["state"], o["status"] = "canceled", "canceled"
	s.Put(magento.ResourceOrders, o, now.Add(time.Second))
	if pass := once(t, p); pass.Read[magento.OutcomeStored] != 1 {
		t.Errorf("pass after a change = %+v", pass.Read)
	}
	if got := stored(t, pool, "order/101/"); len(got) != 2 || got[1].Commerce[0].ID != "magento/order/000000101/cancelled" {
		t.Errorf("versions = %+v", got)
	}
	if n := testenv.Counter(t, reg, "shipflow_commerce_poll_entities_total", "feed", "orders", "outcome", "stored"); n != 2 {
		t.Errorf("stored orders counted %v", n)
	}
	// Every request carried the keyset search Magento is asked for.
	q := s.Requests()[0]
	for _, want := range []string{
		"searchCriteria[filter_groups][0][filters][0][field]=updated_at", "searchCriteria[filter_groups][0][filters][0][condition_type]=gteq",
		"searchCriteria[filter_groups][1][filters][1][field]=entity_id", "searchCriteria[sortOrders][0][field]=updated_at",
	} {
		if !strings.Contains(unescape(q), want) {
			t.Errorf("request %s lacks %s", unescape(q), want)
		}
	}
}

// TestPollCursorPagesThroughOneInstant: more entities than a page share one updated_at; the
// keyset (updated_at, entity_id) reads each once, over several pages, and a restart that lost
// the cursor stores nothing twice.
func TestPollCursorPagesThroughOneInstant(t *testing.T) {
	s, p, pool, _ := setup(t)
	at := time.Now().UTC().Truncate(time.Second)
	for id := int64(110); id < 117; id++ {
		s.Put(magento.ResourceOrders, magentotest.Order(id, magentotest.Number(id), "new", at), time.Time{})
	}
	pass := once(t, p)
	if pass.Read[magento.OutcomeStored] != 7 {
		t.Fatalf("pass = %+v", pass.Read)
	}
	if n := len(s.Requests()); n < 4 {
		t.Errorf("%d requests for 7 orders in pages of 2", n)
	}
	var cursorID int64
	var cursorAt time.Time
	if err := pool.QueryRow(context.Background(), `SELECT orders_at, orders_id FROM commerce_polls`).Scan(&cursorAt, &cursorID); err != nil {
		t.Fatal(err)
	}
	if cursorID != 116 || !cursorAt.Equal(at) {
		t.Errorf("cursor = %s/%d, want %s/116", cursorAt, cursorID, at)
	}
	// The cursor lost (a restore, a replica that stored and died before saving it): all read
	// again, none stored again.
	if _, err := pool.Exec(context.Background(), `DELETE FROM commerce_polls`); err != nil {
		t.Fatal(err)
	}
	if pass := once(t, p); pass.Read[magento.OutcomeDuplicate] != 7 || pass.Read[magento.OutcomeStored] != 0 {
		t.Errorf("re-read = %+v", pass.Read)
	}
	if n := len(stored(t, pool, "order/11")); n != 7 {
		t.Errorf("%d deliveries stored, want 7", n)
	}
}

// TestPollOneReplicaAtATime: pollers on several replicas at once: one polls, the others find
// the lease held, and the pass is not repeated before the interval.
func TestPollOneReplicaAtATime(t *testing.T) {
	s, _, pool, _ := setup(t)
	s.Put(magento.ResourceOrders, magentotest.Order(120, "000000120", "new", time.Now().UTC()), time.Time{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	polled := 0
	for i := range 4 {
		p := newPoller(s, pool)
		p.Interval = time.Hour
		p.Owner = "replica-" + string(rune('a'+i))
		wg.Go(func() {
			pass, err := p.Once(context.Background())
			if err != nil {
				t.Error(err)
			}
			if pass.Polled {
				mu.Lock()
				polled++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if polled != 1 {
		t.Errorf("%d replicas polled, want 1", polled)
	}
	// Two list requests (orders, shipments) and nothing more: one pass.
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if n := len(stored(t, pool, "order/120/")); n != 1 {
		t.Errorf("%d deliveries", n)
	}
	var owner string
	var next time.Time
	if err := pool.QueryRow(context.Background(), `SELECT leased_by, next_poll_at FROM commerce_polls`).Scan(&owner, &next); err != nil {
		t.Fatal(err)
	}
	if owner != "" || time.Until(next) < 50*time.Minute {
		t.Errorf("after the pass: leased_by %q, next poll in %s", owner, time.Until(next))
	}
}

// TestPollSkipsBrokenEntity: an order whose JSON is broken makes its page unreadable; the
// poller reads the page's keys, then each order alone, skips the broken one (counted) and goes
// on, and the cursor moves past it so later passes do not stall on it.
func TestPollSkipsBrokenEntity(t *testing.T) {
	s, p, pool, reg := setup(t)
	at := time.Now().UTC().Truncate(time.Second)
	for id := int64(130); id < 134; id++ {
		s.Put(magento.ResourceOrders, magentotest.Order(id, magentotest.Number(id), "new", at), time.Time{})
	}
	s.Break(magento.ResourceOrders, 131)
	pass := once(t, p)
	if pass.Read[magento.OutcomeStored] != 3 || pass.Read[magento.OutcomeSkipped] != 1 {
		t.Fatalf("pass = %+v", pass.Read)
	}
	if n := testenv.Counter(t, reg, "shipflow_commerce_poll_entities_total", "feed", "orders", "outcome", "skipped"); n != 1 {
		t.Errorf("skipped counted %v", n)
	}
	if pass := once(t, p); len(pass.Read) != 0 {
		t.Errorf("next pass read %+v: the broken order stalls the poll", pass.Read)
	}
	if n := len(stored(t, pool, "order/13")); n != 3 {
		t.Errorf("%d stored", n)
	}
	// An order field that breaks shipflow's rules (a NUL in the name) is skipped the same way.
	o := magentotest.Order(134, "000000134", "new", at.Add(time.Second))
	o["customer_firstname"] = "Ona\x00"
	s.Put(magento.ResourceOrders, o, time.Time{})
	if pass := once(t, p); pass.Read[magento.OutcomeSkipped] != 1 {
		t.Errorf("hostile name: %+v", pass.Read)
	}
}

// TestPollErrors: a refused token and an outage fail the pass without moving the cursor; the
// lease is released, a Retry-After is honoured for the next pass, and the pass after recovers.
func TestPollErrors(t *testing.T) {
	s, p, pool, reg := setup(t)
	s.Put(magento.ResourceOrders, magentotest.Order(140, "000000140", "new", time.Now().UTC()), time.Time{})
	s.SetToken("reauthorized")
	time.Sleep(5 * time.Millisecond)
	_, err := p.Once(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Magento_Sales::actions_view") {
		t.Fatalf("refused token: %v", err)
	}
	if !errors.Is(err, magento.ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
	if n := testenv.Counter(t, reg, "shipflow_commerce_poll_passes_total", "outcome", "error"); n != 1 {
		t.Errorf("failed passes counted %v", n)
	}
	s.SetToken(magentotest.Token)
	s.FailNext(1, http.StatusServiceUnavailable, "120")
	time.Sleep(5 * time.Millisecond)
	if _, err := p.Once(context.Background()); err == nil {
		t.Fatal("outage: no error")
	}
	var next time.Time
	var lastErr string
	if err := pool.QueryRow(context.Background(), `SELECT next_poll_at, last_error FROM commerce_polls`).Scan(&next, &lastErr); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(next); d < 100*time.Second || d > 121*time.Second || !strings.Contains(lastErr, "503") {
		t.Errorf("after a 503 with Retry-After 120: next poll in %s, last error %q", d, lastErr)
	}
	if pass, err := p.Once(context.Background()); err != nil || pass.Polled {
		t.Errorf("polled before Retry-After: %+v %v", pass, err)
	}
	if _, err := pool.Exec(context.Background(), `UPDATE commerce_polls SET next_poll_at = now()`); err != nil {
		t.Fatal(err)
	}
	if pass := once(t, p); pass.Read[magento.OutcomeStored] != 1 {
		t.Errorf("recovery = %+v", pass.Read)
	}
}

// TestPollDelivered: an order whose status says delivered marks each of its shipments'
// parcels delivered.
func TestPollDelivered(t *testing.T) {
	s, p, pool, _ := setup(t)
	now := time.Now().UTC().Truncate(time.Second)
	s.Put(magento.ResourceShipments, magentotest.Shipment(250, "000000250", 150, now.Add(-time.Minute), magentotest.Track{ID: 350, Carrier: "dhl", Num: "JD0150"}), time.Time{})
	o := magentotest.Order(150, "000000150", "complete", now.Add(-2*time.Minute))
	o["status"] = "delivered"
	s.Put(magento.ResourceOrders, o, now)
	once(t, p)
	got := stored(t, pool, "order/150/")
	if len(got) != 2 || got[1].Commerce[0].ShipmentID != "000000250" {
		t.Fatalf("deliveries = %+v", got)
	}
}

func unescape(q string) string {
	r := strings.NewReplacer("%5B", "[", "%5D", "]", "%3A", ":", "+", " ", "%2C", ",")
	return r.Replace(q)
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/workflows"
)

// benchDeliveries measures outbound webhooks of a running shipflow (`make dev`): for each
// endpoint count it registers that many endpoints on a local receiver, publishes events by
// starting orders, and reports deliveries per second and the time from an order event to its
// first delivery attempt.
func benchDeliveries(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench deliveries", flag.ContinueOnError)
	counts := fs.String("endpoints", "1,10,100", "endpoint counts to measure, comma-separated")
	deliveries := fs.Int("deliveries", 1000, "deliveries per endpoint count (orders = deliveries / endpoints)")
	rate := fs.Float64("rate", 0, "orders started per second; 0 starts them all at once (a burst)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	cfg, err := config.LoadFlags(fs, args, e.getenv)
	if err != nil {
		return err
	}
	if len(cfg.SecretKeys) == 0 {
		// Run beside shipflow dev, the endpoints are sealed as dev seals them.
		cfg.SecretKeys = devSecretKeys()
	}
	var ks []int
	for _, s := range strings.Split(*counts, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 1 {
			return fmt.Errorf("-endpoints: %q is not a positive number", s)
		}
		ks = append(ks, k)
	}
	a, err := connect(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.close()
	eps, err := outbound.ListEndpoints(ctx, a.db)
	if err != nil {
		return err
	}
	others := 0
	for _, ep := range eps {
		if ep.Enabled {
			others++
		}
	}
	if others > 0 {
		return fmt.Errorf("%d enabled webhook endpoints exist; they would receive the bench's events too: disable them first", others)
	}

	rc := newBenchReceiver()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	res := deliveriesResult{Machine: machine()}
	for _, k := range ks {
		r, err := runDeliveries(ctx, a, rc, base, k, max(*deliveries/k, 1), *rate, e)
		if err != nil {
			return err
		}
		res.Runs = append(res.Runs, r)
	}
	fmt.Fprintf(e.stdout, "\n%-10s %8s %11s %14s %18s %18s\n", "endpoints", "orders", "deliveries", "deliveries/s", "first attempt p50", "first attempt p99")
	for _, r := range res.Runs {
		fmt.Fprintf(e.stdout, "%-10d %8d %11d %14.0f %15.0f ms %15.0f ms\n", r.Endpoints, r.Orders, r.Deliveries, r.PerSecond, r.FirstP50, r.FirstP99)
	}
	pace := "all orders started at once"
	if *rate > 0 {
		pace = fmt.Sprintf("%.0f orders started per second", *rate)
	}
	fmt.Fprintf(e.stdout, "\none event per order (order.created), %s; receiver on 127.0.0.1 answering 204; %s\n", pace, res.Machine)
	if *jsonOut != "" {
		out, _ := json.MarshalIndent(res, "", "  ")
		return os.WriteFile(*jsonOut, out, 0o644)
	}
	return nil
}

type deliveriesResult struct {
	Machine string        `json:"machine"`
	Runs    []deliveryRun `json:"runs"`
}

type deliveryRun struct {
	Endpoints  int     `json:"endpoints"`
	Orders     int     `json:"orders"`
	Deliveries int     `json:"deliveries"`
	Rate       float64 `json:"orders_per_second,omitempty"` // 0: a burst
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"deliveries_per_second"`
	FirstP50   float64 `json:"event_to_first_attempt_p50_ms"`
	FirstP99   float64 `json:"event_to_first_attempt_p99_ms"`
}

// runDeliveries is one endpoint count: k endpoints, n orders, k*n deliveries.
func runDeliveries(ctx context.Context, a *app, rc *benchReceiver, base string, k, n int, rate float64, e env) (deliveryRun, error) {
	run := deliveryRun{Endpoints: k, Orders: n, Deliveries: k * n, Rate: rate}
	prefix := fmt.Sprintf("dl-%d-%d-", k, time.Now().UnixNano())
	var eps []string
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		for _, id := range eps {
			_ = outbound.DeleteEndpoint(cctx, a.db, id)
		}
		_ = forEach(n, 16, func(i int) error {
			return a.temporal.TerminateWorkflow(cctx, workflows.WorkflowID(fmt.Sprintf("%s%05d", prefix, i)), "", "bench over")
		})
	}()
	for i := range k {
		ep, err := outbound.CreateEndpoint(ctx, a.db, a.secrets, fmt.Sprintf("%s/%s/%d", base, prefix, i), "bench deliveries", nil)
		if err != nil {
			return run, err
		}
		eps = append(eps, ep.ID)
	}
	rc.reset(prefix)
	fmt.Fprintf(e.stdout, "%d endpoints: starting %d orders for %d deliveries...\n", k, n, run.Deliveries)
	start := time.Now()
	err := forEach(n, 16, func(i int) error {
		if rate > 0 { // pace: order i starts i/rate seconds in
			time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		}
		id := fmt.Sprintf("%s%05d", prefix, i)
		_, err := workflows.StartOrder(ctx, a.temporal, a.cfg.Temporal.TaskQueue, order.CommerceEvent{
			ID: id + "-created", Type: order.EventCreated, Timestamp: time.Now().UTC(), OrderID: id,
			Customer: &order.Customer{Name: "Bench", Locale: "en", TimeZone: "UTC"},
			Items:    []order.Item{{SKU: "SKU-1", Name: "Thing", Quantity: 1}},
		}, a.orderSettings())
		return err
	})
	if err != nil {
		return run, err
	}
	for deadline := time.Now().Add(10 * time.Minute); rc.count() < run.Deliveries; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			return run, fmt.Errorf("%d endpoints: %d of %d deliveries arrived within 10 minutes: is `shipflow worker` running?", k, rc.count(), run.Deliveries)
		}
	}
	last, firsts := rc.result()
	run.Seconds = last.Sub(start).Seconds()
	run.PerSecond = float64(run.Deliveries) / run.Seconds
	slices.Sort(firsts)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	run.FirstP50, run.FirstP99 = ms(firsts[len(firsts)/2]), ms(firsts[len(firsts)*99/100])
	return run, nil
}

// benchReceiver answers every delivery 204 and notes, per (endpoint, event), how long after
// the event its first attempt arrived. It does not verify signatures: the tests do, and here
// the receiver must not be the bottleneck.
type benchReceiver struct {
	mu     sync.Mutex
	prefix string
	first  map[string]time.Duration
	last   time.Time
}

func newBenchReceiver() *benchReceiver { return &benchReceiver{first: map[string]time.Duration{}} }

func (b *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	var body outbound.Body
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !strings.HasPrefix(body.Metadata.OrderID, b.prefix) {
		return // a straggler of an earlier run
	}
	key := r.URL.Path + " " + body.Metadata.EventID
	if _, seen := b.first[key]; !seen {
		b.first[key] = now.Sub(body.Timestamp)
		b.last = now
	}
}

func (b *benchReceiver) reset(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prefix, b.first, b.last = prefix, map[string]time.Duration{}, time.Time{}
}

func (b *benchReceiver) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.first)
}

func (b *benchReceiver) result() (time.Time, []time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ds []time.Duration
	for _, d := range b.first {
		ds = append(ds, d)
	}
	return b.last, ds
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// runBench measures a running shipflow (start one with `make dev`).
func runBench(ctx context.Context, args []string, e env) error {
	if len(args) > 0 {
		switch args[0] {
		case "status-query":
			return benchStatusQuery(ctx, args[1:], e)
		case "webhooks":
			return benchWebhooks(ctx, args[1:], e)
		case "voice":
			return benchVoice(ctx, args[1:], e)
		case "deliveries":
			return benchDeliveries(ctx, args[1:], e)
		case "insight":
			return benchInsight(ctx, args[1:], e)
		}
	}
	return errors.New("usage: shipflow bench status-query|webhooks|voice|deliveries|insight [flags]")
}

// benchStatusQuery holds N live orders in transit and times the status query against them,
// next to the read model's point read of the same order.
func benchStatusQuery(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench status-query", flag.ContinueOnError)
	orders := fs.Int("orders", 1000, "live orders to hold")
	queries := fs.Int("queries", 5000, "queries to time per path")
	concurrency := fs.Int("concurrency", 8, "queries in flight at once")
	keep := fs.Bool("keep", false, "leave the orders running afterwards")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	a, err := openAppFlags(ctx, fs, args, e)
	if err != nil {
		return err
	}
	defer a.close()

	b := &statusBench{app: a, prefix: fmt.Sprintf("bench-%d-", time.Now().Unix()), n: *orders}
	fmt.Fprintf(e.stdout, "starting %d orders and moving them in transit...\n", b.n)
	start := time.Now()
	if err := b.populate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d orders live and projected in %s\n", b.n, time.Since(start).Round(time.Millisecond))
	if !*keep {
		defer b.cleanup(e)
	}
	res := benchResult{Orders: b.n, Concurrency: *concurrency, Queries: *queries, Machine: machine()}
	res.Query = measure(ctx, *queries, *concurrency, func(ctx context.Context) error {
		_, err := workflows.QueryOrder(ctx, a.temporal, b.orderID(rand.IntN(b.n)))
		return err
	})
	res.ReadModel = measure(ctx, *queries, *concurrency, func(ctx context.Context) error {
		_, _, err := db.GetOrder(ctx, a.db, b.orderID(rand.IntN(b.n)))
		return err
	})
	fmt.Fprintf(e.stdout, "\n%-28s %8s %8s %8s %10s %6s\n", "path", "p50 ms", "p99 ms", "max ms", "per sec", "errors")
	for _, r := range []struct {
		name string
		l    latencies
	}{{"workflow status query", res.Query}, {"read model point read", res.ReadModel}} {
		fmt.Fprintf(e.stdout, "%-28s %8.2f %8.2f %8.2f %10.0f %6d\n", r.name, r.l.P50, r.l.P99, r.l.Max, r.l.PerSecond, r.l.Errors)
	}
	fmt.Fprintf(e.stdout, "\n%d live orders, concurrency %d, %d queries per path; %s\n", b.n, *concurrency, *queries, res.Machine)
	return writeResults(*jsonOut, res)
}

type statusBench struct {
	*app
	prefix string
	n      int
}

func (b *statusBench) orderID(i int) string { return fmt.Sprintf("%s%05d", b.prefix, i) }

// populate starts every order, ships it and scans it in transit, then waits until the read
// model has them all, so the workflows are idle and cached when timing starts.
func (b *statusBench) populate(ctx context.Context) error {
	if err := forEach(b.n, 16, func(i int) error { return b.one(ctx, b.orderID(i)) }); err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		n, err := db.CountOrders(ctx, b.db, b.prefix, order.StatusInTransit)
		if err != nil {
			return err
		}
		if n == b.n {
			return nil
		}
	}
	return errors.New("orders were not all projected within 5 minutes: is `shipflow worker` running?")
}

func (b *statusBench) one(ctx context.Context, id string) error {
	now := time.Now().UTC()
	created := order.CommerceEvent{
		ID: id + "-created", Type: order.EventCreated, Timestamp: now, OrderID: id,
		Customer: &order.Customer{Name: "Bench", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
		Items:    []order.Item{{SKU: "SKU-1", Name: "Thing", Quantity: 1}},
	}
	if _, err := workflows.StartOrder(ctx, b.temporal, b.cfg.Temporal.TaskQueue, created, b.orderSettings()); err != nil {
		return err
	}
	eta := now.Add(48 * time.Hour)
	shipped := order.CommerceEvent{ID: id + "-shipped", Type: order.EventShipped, Timestamp: now, OrderID: id,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN" + id, EstimatedDelivery: &eta}}
	if err := workflows.SignalCommerce(ctx, b.temporal, shipped); err != nil {
		return err
	}
	return workflows.SignalTracking(ctx, b.temporal, id, order.TrackingEvent{
		ID: id + "-scan", Source: "generic", Carrier: "DPD", TrackingNumber: "TN" + id, Status: order.ShipmentInTransit,
		Description: "Arrived at sorting hub", Location: order.Location{City: "Kaunas", Country: "LT"}, OccurredAt: now,
	})
}

func (b *statusBench) cleanup(e env) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.terminate(ctx, e, b.n, b.orderID)
	_ = db.DeleteOrders(ctx, b.db, b.prefix)
}

// terminate ends the workflows of a benchmark's n orders, the i-th of which is id(i).
func (a *app) terminate(ctx context.Context, e env, n int, id func(int) string) {
	fmt.Fprintf(e.stdout, "terminating the %d bench orders (-keep leaves them)...\n", n)
	_ = forEach(n, 16, func(i int) error {
		return a.temporal.TerminateWorkflow(ctx, workflows.WorkflowID(id(i)), "", "bench over")
	})
}

// writeResults writes a benchmark's results as JSON to path, unless path is empty (no -json).
func writeResults(path string, results any) error {
	if path == "" {
		return nil
	}
	out, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// forEach calls f for 0..n-1 with at most parallel calls at once and returns one of the
// errors, if any.
func forEach(n, parallel int, f func(int) error) error {
	var failed atomic.Value
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(i); err != nil {
				failed.Store(err)
			}
		})
	}
	wg.Wait()
	err, _ := failed.Load().(error)
	return err
}

type benchResult struct {
	Orders      int       `json:"orders"`
	Concurrency int       `json:"concurrency"`
	Queries     int       `json:"queries"`
	Machine     string    `json:"machine"`
	Query       latencies `json:"workflow_query"`
	ReadModel   latencies `json:"read_model"`
}

type latencies struct {
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
	PerSecond float64 `json:"per_second"`
	Errors    int     `json:"errors"`
}

// measure runs f n times from c goroutines and reports its latency distribution.
func measure(ctx context.Context, n, c int, f func(context.Context) error) latencies {
	times := make([]time.Duration, n)
	var next, errs atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t := time.Now()
				if err := f(ctx); err != nil {
					errs.Add(1)
				}
				times[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return latencies{
		P50: ms(times[n/2]), P99: ms(times[n*99/100]), Max: ms(times[n-1]),
		PerSecond: float64(n) / elapsed.Seconds(), Errors: int(errs.Load()),
	}
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, %d CPUs, %s/%s, %s", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

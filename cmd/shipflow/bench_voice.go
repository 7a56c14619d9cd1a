package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/workflows"
)

// benchVoice holds N live orders and times voice lookups over HTTP for both answer paths: the
// read model first (the default) and the workflow query first. It serves the voice tools from
// two HTTP servers of its own, one per path, against the running system's Postgres, Temporal
// and worker.
func benchVoice(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench voice", flag.ContinueOnError)
	orders := fs.Int("orders", 10000, "live orders to hold")
	lookups := fs.Int("lookups", 5000, "lookups per path and concurrency")
	keep := fs.Bool("keep", false, "leave the orders running afterwards")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	a, err := openAppFlags(ctx, fs, args, e)
	if err != nil {
		return err
	}
	defer a.close()
	cfg := a.cfg

	prefix := fmt.Sprintf("voice-%d-", time.Now().Unix())
	id := func(i int) string { return fmt.Sprintf("%s%05d", prefix, i) }
	fmt.Fprintf(e.stdout, "starting %d orders...\n", *orders)
	start := time.Now()
	err = forEach(*orders, 32, func(i int) error {
		_, err := workflows.StartOrder(ctx, a.temporal, cfg.Temporal.TaskQueue, order.CommerceEvent{
			ID: id(i) + "-created", Type: order.EventCreated, Timestamp: time.Now().UTC(), OrderID: id(i),
			Customer: &order.Customer{Name: "Ona", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
			Items:    []order.Item{{SKU: "SKU-1", Name: "Thing", Quantity: 1}},
		}, workflows.OrderSettings{ReviewRequestDelay: time.Hour})
		return err
	})
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Minute); ; time.Sleep(time.Second) {
		n, err := db.CountOrders(ctx, a.db, prefix, "")
		if err != nil {
			return err
		}
		if n == *orders {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("orders not all projected in 30 minutes: is the worker running?")
		}
	}
	fmt.Fprintf(e.stdout, "%d orders live and projected in %s\n", *orders, time.Since(start).Round(time.Second))
	if !*keep {
		defer a.terminate(context.Background(), e, *orders, id)
	}

	type row struct {
		Path        string    `json:"path"`
		Concurrency int       `json:"concurrency"`
		Latency     latencies `json:"latency"`
	}
	var rows []row
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Second}
	var seq atomic.Int64
	for _, path := range []string{"readmodel", "workflow"} {
		c := *cfg
		c.VoiceSource = path
		c.VoiceTokens = []string{"bench"}
		c.Limits.Voice = config.RateLimit{} // one client asking thousands of times a second: the limit is for the public
		url, stop, err := serveLocal(&c, a)
		if err != nil {
			return err
		}
		for _, conc := range []int{8, 64} {
			l := measure(ctx, *lookups, conc, func(ctx context.Context) error {
				body, _ := json.Marshal(map[string]any{"event": "tool.invoked", "call_id": fmt.Sprintf("bench-%d", seq.Add(1)),
					"tool_name": "lookup_shipment_status", "parameters": map[string]any{"order_number": id(rand.IntN(*orders)), "caller_phone": "+37060000000"}})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/voice/tools", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer bench")
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				var out struct{ Status string }
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Status != "success" {
					return fmt.Errorf("lookup answered %d %q", resp.StatusCode, out.Status)
				}
				return nil
			})
			rows = append(rows, row{path, conc, l})
		}
		stop()
	}
	fmt.Fprintf(e.stdout, "\n%-12s %5s %8s %8s %8s %10s %6s\n", "path", "conc", "p50 ms", "p99 ms", "max ms", "per sec", "errors")
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "%-12s %5d %8.2f %8.2f %8.2f %10.0f %6d\n", r.Path, r.Concurrency, r.Latency.P50, r.Latency.P99, r.Latency.Max, r.Latency.PerSecond, r.Latency.Errors)
	}
	fmt.Fprintf(e.stdout, "\n%d live orders, %d lookups per row over HTTP; %s\n", *orders, *lookups, machine())
	return writeResults(*jsonOut, map[string]any{"orders": *orders, "machine": machine(), "rows": rows})
}

// serveLocal serves shipflow's HTTP app for cfg on a free loopback port.
func serveLocal(cfg *config.Config, a *app) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	m, err := telemetry.NewMetrics() // each app registers its own HTTP metrics
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: server.New(server.Deps{Config: cfg, DB: a.db, Temporal: a.temporal, Logger: a.log, Metrics: m})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

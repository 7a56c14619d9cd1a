package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
)

// benchWebhooks drives signed commerce and carrier webhooks over HTTP at a running shipflow,
// as fast as it acknowledges them, and reports acknowledgements per second and ack latency;
// then it waits until every event was applied and checks every order reached delivered.
func benchWebhooks(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench webhooks", flag.ContinueOnError)
	orders := fs.Int("orders", 300, "orders to drive from order.created to delivered (7 events each)")
	concurrency := fs.Int("concurrency", 32, "requests in flight at once")
	url := fs.String("url", "http://localhost:8080", "base URL of the running API")
	keep := fs.Bool("keep", false, "leave the orders running afterwards")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	cfg, err := config.LoadFlags(fs, args, devEnv(e.getenv))
	if err != nil {
		return err
	}
	devDefaults(cfg, e.getenv) // the secrets `shipflow dev` uses, unless the environment sets others
	a, err := connect(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.close()

	prefix := fmt.Sprintf("wh-%d-", time.Now().Unix())
	reqs := webhookRequests(cfg, prefix, *orders)
	fmt.Fprintf(e.stdout, "sending %d signed webhooks for %d orders at concurrency %d...\n", len(reqs), *orders, *concurrency)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency}, Timeout: 30 * time.Second}
	times := make([]time.Duration, len(reqs))
	var next, failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range *concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(reqs)) {
					return
				}
				t := time.Now()
				err := reqs[i].send(client, *url)
				times[i] = time.Since(t)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		fmt.Fprintf(e.stdout, "first failure: %v\n", err)
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res := webhookResult{
		Events: len(reqs), Orders: *orders, Concurrency: *concurrency, Machine: machine(),
		AckPerSecond: float64(len(reqs)) / elapsed.Seconds(),
		AckP50:       ms(times[len(times)/2]), AckP99: ms(times[len(times)*99/100]), AckMax: ms(times[len(times)-1]),
		Failed: int(failed.Load()),
	}

	fmt.Fprintf(e.stdout, "acknowledged in %s; waiting for every event to be applied...\n", elapsed.Round(time.Millisecond))
	applyStart := time.Now()
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		var err error
		if res.Applied, res.NotApplied, err = inbox.CountApplied(ctx, a.db, prefix); err != nil {
			return err
		}
		if res.Delivered, err = db.CountOrders(ctx, a.db, prefix, order.StatusDelivered); err != nil {
			return err
		}
		if (res.Applied == len(reqs) && res.Delivered == *orders) || time.Now().After(deadline) {
			break
		}
	}
	res.AppliedPerSecond = float64(res.Applied) / time.Since(start).Seconds()
	res.ApplyLag = time.Since(applyStart).Round(time.Millisecond).String()

	fmt.Fprintf(e.stdout, "\n%-34s %10s\n", "figure", "value")
	for _, row := range [][2]string{
		{"events acknowledged per second", fmt.Sprintf("%.0f", res.AckPerSecond)},
		{"ack latency p50 / p99 / max (ms)", fmt.Sprintf("%.2f / %.2f / %.2f", res.AckP50, res.AckP99, res.AckMax)},
		{"requests failed", fmt.Sprint(res.Failed)},
		{"events applied (of sent)", fmt.Sprintf("%d of %d", res.Applied, len(reqs))},
		{"events applied per second", fmt.Sprintf("%.0f", res.AppliedPerSecond)},
		{"applied after the last ack", res.ApplyLag},
		{"orders delivered (of driven)", fmt.Sprintf("%d of %d", res.Delivered, *orders)},
	} {
		fmt.Fprintf(e.stdout, "%-34s %10s\n", row[0], row[1])
	}
	fmt.Fprintf(e.stdout, "\n%s\n", res.Machine)
	if err := writeResults(*jsonOut, res); err != nil {
		return err
	}
	if !*keep {
		a.terminate(ctx, e, *orders, func(i int) string { return fmt.Sprintf("%s%05d", prefix, i) })
	}
	if res.Failed > 0 || res.Applied != len(reqs) || res.Delivered != *orders {
		return fmt.Errorf("events lost or refused: %d failed, %d of %d applied, %d of %d orders delivered",
			res.Failed, res.Applied, len(reqs), res.Delivered, *orders)
	}
	return nil
}

type webhookResult struct {
	Events           int     `json:"events"`
	Orders           int     `json:"orders"`
	Concurrency      int     `json:"concurrency"`
	Machine          string  `json:"machine"`
	AckPerSecond     float64 `json:"ack_per_second"`
	AckP50           float64 `json:"ack_p50_ms"`
	AckP99           float64 `json:"ack_p99_ms"`
	AckMax           float64 `json:"ack_max_ms"`
	Failed           int     `json:"failed"`
	Applied          int     `json:"applied"`
	NotApplied       int     `json:"not_applied"`
	AppliedPerSecond float64 `json:"applied_per_second"`
	ApplyLag         string  `json:"applied_after_last_ack"`
	Delivered        int     `json:"orders_delivered"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are encoded here
	}
	return b
}

// webhookRequest is one signed delivery, ready to send.
type webhookRequest struct {
	path   string
	secret string
	id     string
	body   []byte
}

func (r webhookRequest) send(c *http.Client, base string) error {
	h, err := signature.Headers([]string{r.secret}, r.id, time.Now(), r.body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return err
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %d %s", r.path, r.id, resp.StatusCode, msg)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// webhookRequests builds every order's journey: four commerce events and three carrier scans.
// They are sent step by step across all orders, so most arrive for orders that exist, as in
// production, while the inbox still has to hold the scans that outrun their shipment.
func webhookRequests(cfg *config.Config, prefix string, n int) []webhookRequest {
	now := time.Now().UTC()
	stamp := now.Format(time.RFC3339)
	commerce := func(orderID, step, typ string, data map[string]any) webhookRequest {
		data["order_id"] = orderID
		body, _ := json.Marshal(map[string]any{"type": typ, "timestamp": stamp, "data": data})
		return webhookRequest{path: "/webhooks/commerce", secret: cfg.CommerceWebhookSecret, id: orderID + "-" + step, body: body}
	}
	scan := func(orderID, step, status string, at time.Duration) webhookRequest {
		body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": stamp, "data": map[string]any{
			"carrier": "DPD", "tracking_number": "TN" + orderID, "status": status, "description": status,
			"location": map[string]any{"city": "Kaunas", "country": "LT"}, "occurred_at": now.Add(at).Format(time.RFC3339),
		}})
		return webhookRequest{path: "/webhooks/carriers/generic", secret: cfg.CarrierWebhookSecret, id: orderID + "-" + step, body: body}
	}
	steps := []func(id string) webhookRequest{
		func(id string) webhookRequest {
			return commerce(id, "created", "order.created", map[string]any{
				"customer": map[string]any{"name": "Bench", "email": "bench@example.com", "phone": "+37060000000", "locale": "en", "time_zone": "Europe/Vilnius"},
				"notify":   map[string]any{"channels": []string{"sms"}},
				"items":    []map[string]any{{"sku": "SKU-1", "name": "Thing", "quantity": 1}},
			})
		},
		func(id string) webhookRequest { return commerce(id, "confirmed", "order.confirmed", map[string]any{}) },
		func(id string) webhookRequest { return commerce(id, "packed", "order.packed", map[string]any{}) },
		func(id string) webhookRequest {
			return commerce(id, "shipped", "order.shipped", map[string]any{"shipment": map[string]any{
				"shipment_id": "S1", "carrier": "DPD", "tracking_number": "TN" + id, "items": []string{"SKU-1"},
			}})
		},
		func(id string) webhookRequest { return scan(id, "scan1", "in_transit", -3*time.Hour) },
		func(id string) webhookRequest { return scan(id, "scan2", "out_for_delivery", -2*time.Hour) },
		func(id string) webhookRequest { return scan(id, "scan3", "delivered", -time.Hour) },
	}
	var reqs []webhookRequest
	for _, step := range steps {
		for i := range n {
			reqs = append(reqs, step(fmt.Sprintf("%s%05d", prefix, i)))
		}
	}
	return reqs
}

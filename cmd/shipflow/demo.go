package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carriers/sim"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// demoOrder is one order of the demo and the state it should end in.
type demoOrder struct {
	id, story string
	want      order.Status
	events    []webhookRequest
}

// runDemo creates a handful of orders on the sim carrier against a running `shipflow dev`: one
// smooth, one split in two parcels (one with a failed delivery attempt), one that goes quiet
// and becomes an exception, one cancelled. It watches them until each reaches its state, so a
// newcomer sees every state in the Temporal UI within a few minutes.
func runDemo(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	url := fs.String("url", "http://localhost:8080", "base URL of the running API")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for every order to reach its state")
	cfg, err := config.LoadFlags(fs, args, devEnv(e.getenv))
	if err != nil {
		return err
	}
	devDefaults(cfg, e.getenv)
	a, err := connect(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.close()

	orders := demoOrders(cfg, fmt.Sprintf("demo-%d", time.Now().Unix()))
	client := &http.Client{Timeout: 10 * time.Second}
	for _, o := range orders {
		for _, r := range o.events {
			if err := r.send(client, *url); err != nil {
				return fmt.Errorf("demo order %s: %w", o.id, err)
			}
		}
		fmt.Fprintf(e.stdout, "created %-28s %s\n", o.id, o.story)
	}
	fmt.Fprintf(e.stdout, "\nwatching (Temporal UI: http://localhost:%d/namespaces/%s/workflows?query=WorkflowId+STARTS_WITH+%%22order-demo%%22)\n\n",
		cfg.TemporalUIPort, cfg.Temporal.Namespace)
	deadline := time.Now().Add(*timeout)
	for {
		done, line := 0, []string{}
		for _, o := range orders {
			st := order.Status("not started")
			if v, err := workflows.QueryOrder(ctx, a.temporal, o.id); err == nil {
				st = v.Status
			}
			if st == o.want {
				done++
			}
			line = append(line, fmt.Sprintf("%s=%s", strings.TrimPrefix(o.id, orders[0].id[:strings.LastIndex(orders[0].id, "-")+1]), st))
		}
		fmt.Fprintf(e.stdout, "%s  %s\n", time.Now().Format("15:04:05"), strings.Join(line, "  "))
		if done == len(orders) {
			fmt.Fprintf(e.stdout, "\nall %d demo orders reached their states\n", done)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo orders did not all reach their states within %s", *timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func demoOrders(cfg *config.Config, run string) []demoOrder {
	stamp := time.Now().UTC().Format(time.RFC3339)
	ev := func(orderID, step, typ string, data map[string]any) webhookRequest {
		data["order_id"] = orderID
		body := mustJSON(map[string]any{"type": typ, "timestamp": stamp, "data": data})
		return webhookRequest{path: "/webhooks/commerce", secret: cfg.CommerceWebhookSecret, id: orderID + "-" + step, body: body}
	}
	created := func(id string, items ...string) webhookRequest {
		var list []map[string]any
		for _, it := range items {
			list = append(list, map[string]any{"sku": strings.ToUpper(it), "name": it, "quantity": 1})
		}
		return ev(id, "created", "order.created", map[string]any{
			"customer": map[string]any{"name": "Ona Petraitė", "email": "ona@example.com", "phone": "+37060000000", "locale": "lt", "time_zone": "Europe/Vilnius"},
			"notify":   map[string]any{"channels": []string{"sms", "email"}},
			"items":    list,
		})
	}
	shipped := func(id, shipment string, scenario sim.Scenario, items ...string) webhookRequest {
		skus := []string{}
		for _, it := range items {
			skus = append(skus, strings.ToUpper(it))
		}
		return ev(id, "shipped-"+shipment, "order.shipped", map[string]any{"shipment": map[string]any{
			"shipment_id": shipment, "carrier": sim.Name, "tracking_number": sim.TrackingNumber(scenario, id+"-"+shipment), "items": skus,
		}})
	}
	smooth, split, delayed, cancelled := run+"-smooth", run+"-split", run+"-delayed", run+"-cancelled"
	return []demoOrder{
		{smooth, "one parcel, delivered without trouble", order.StatusDelivered, []webhookRequest{
			created(smooth, "Shoes"), ev(smooth, "confirmed", "order.confirmed", map[string]any{}), shipped(smooth, "S1", sim.Smooth, "Shoes"),
		}},
		{split, "two parcels; the second misses a delivery and comes back", order.StatusDelivered, []webhookRequest{
			created(split, "Shoes", "Jacket"), ev(split, "confirmed", "order.confirmed", map[string]any{}),
			shipped(split, "S1", sim.Smooth, "Shoes"), shipped(split, "S2", sim.Failed, "Jacket"),
		}},
		{delayed, "goes quiet in transit and becomes an exception", order.StatusException, []webhookRequest{
			created(delayed, "Lamp"), shipped(delayed, "S1", sim.Delayed, "Lamp"),
		}},
		{cancelled, "cancelled before it shipped", order.StatusCancelled, []webhookRequest{
			created(cancelled, "Chair"), ev(cancelled, "confirmed", "order.confirmed", map[string]any{}),
			ev(cancelled, "cancelled", "order.cancelled", map[string]any{"reason": "customer changed their mind"}),
		}},
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
)

// stackSecret signs the commerce events a stack is sent.
const stackSecret = "whsec_" + "c3RhY2stY29tbWVyY2Utc2VjcmV0LWZvci10ZXN0cy0x"

// stackSecretKeys is SHIPFLOW_SECRET_KEYS of a stack: one key, sealing destinations' secrets.
const stackSecretKeys = "stack:" + "c3RhY2stc2VjcmV0LWtleS1mb3ItdGVzdHMtMzJieXQ=" // 32 bytes

// stack is shipflow as a deployment runs it, `serve` and `worker` on this test's Postgres and
// Temporal: the whole path a provider's test drives, from a signed commerce event through the
// workflow and the activity to the provider's stand-in.
type stack struct {
	t    *testing.T
	base string
}

// startStack migrates and starts serve and worker with settings (a provider's) over the
// stack's own, and waits until they are ready.
func startStack(t *testing.T, settings map[string]string) *stack {
	t.Helper()
	httpAddr := freeAddr(t)
	env := map[string]string{
		"DATABASE_URL":                     testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":                 testenv.TemporalAddress(t),
		"SHIPFLOW_TASK_QUEUE":              testenv.TaskQueue(t),
		"SHIPFLOW_HTTP_ADDR":               httpAddr,
		"SHIPFLOW_METRICS_ADDR":            freeAddr(t),
		"SHIPFLOW_ADMIN_TOKENS":            "ops-token",
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": stackSecret,
		"SHIPFLOW_QUIET_HOURS":             "off",
		// Destinations' secrets are sealed in Postgres: no endpoint is saved without keys.
		"SHIPFLOW_SECRET_KEYS": stackSecretKeys,
	}
	maps.Copy(env, settings)
	e := testEnv(t, env)
	if err := run(context.Background(), []string{"migrate"}, e); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	start(t, e, "serve")
	start(t, e, "worker")
	s := &stack{t: t, base: "http://" + httpAddr}
	waitFor(t, s.base+"/readyz", http.StatusOK, 15*time.Second)
	return s
}

// confirm sends order id's order.created, for customer (its name, locale, time zone and the
// address of channel) notified on channel, then its order.confirmed.
func (s *stack) confirm(id string, customer map[string]any, channel string) {
	s.t.Helper()
	stamp := time.Now().UTC().Format(time.RFC3339)
	for _, ev := range []struct {
		typ  string
		data map[string]any
	}{
		{"order.created", map[string]any{
			"customer": customer,
			"notify":   map[string]any{"channels": []string{channel}},
			"items":    []map[string]any{{"sku": "SKU-1", "name": "Boots", "quantity": 1}},
		}},
		{"order.confirmed", map[string]any{}},
	} {
		ev.data["order_id"] = id
		body, _ := json.Marshal(map[string]any{"type": ev.typ, "timestamp": stamp, "data": ev.data})
		r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: id + "-" + ev.typ, body: body}
		if err := r.send(http.DefaultClient, s.base); err != nil {
			s.t.Fatal(err)
		}
	}
}

// logged waits for order id's confirmation to reach status in the notification log and
// returns its entry.
func (s *stack) logged(id, status string) map[string]any {
	s.t.Helper()
	var got map[string]any
	last := "no entry"
	testenv.Eventually(s.t, 30*time.Second, func() bool {
		code, body := call(s.t, http.MethodGet, s.base+"/v1/orders/"+id+"/notifications", "ops-token")
		if code != http.StatusOK {
			last = fmt.Sprint(code, body)
			return false
		}
		entries, _ := body["notifications"].([]any)
		for _, x := range entries {
			if m, _ := x.(map[string]any); m["template"] == "confirmed" {
				got, last = m, fmt.Sprint(m)
				return m["status"] == status
			}
		}
		return false
	}, "%s's confirmation was not logged %s; last: %s", id, status, testenv.Last(&last))
	return got
}

// confirmations is order id's confirmation messages in the notification log, by channel.
func (s *stack) confirmations(id string) map[string]map[string]any {
	s.t.Helper()
	out := map[string]map[string]any{}
	code, body := call(s.t, http.MethodGet, s.base+"/v1/orders/"+id+"/notifications", "ops-token")
	if code != http.StatusOK {
		return out
	}
	entries, _ := body["notifications"].([]any)
	for _, x := range entries {
		if m, _ := x.(map[string]any); m["template"] == "confirmed" {
			out[fmt.Sprint(m["channel"])] = m
		}
	}
	return out
}

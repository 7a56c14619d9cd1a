package outbound_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

func zapierTrigger(t *testing.T, key string) outbound.ZapierTrigger {
	t.Helper()
	tr, ok := outbound.ZapierTriggerFor(key)
	if !ok {
		t.Fatalf("no trigger %s", key)
	}
	return tr
}

// recordShipped records an order.shipped of a new order and returns its delivery to ep.
func recordShipped(t *testing.T, pool *pgxpool.Pool, ep string) string {
	t.Helper()
	ex, _ := outbound.ExampleBody(order.PublishOrderShipped)
	e := outbound.Event{OrderID: uniq(t, "zap"), Seq: 4, Type: string(order.PublishOrderShipped), ShipmentID: "S1", Data: ex.Data, CreatedAt: time.Now().UTC()}
	if _, err := outbound.RecordEvent(t.Context(), pool, e); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := pool.QueryRow(t.Context(), `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND order_id = $2`, ep, e.OrderID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A Zap's events reach its hook through the outbox's pass; once Zapier answers 410 (the Zap
// was turned off) the subscription is deleted, as Zapier's REST Hooks rule asks, with no
// staff notice, and nothing more is sent there.
func TestZapierGoneDeletesTheSubscription(t *testing.T) {
	pool := testenv.DB(t)
	z := connectortest.NewZapier(t)
	hook := z.NewHook()
	ep, created, err := outbound.SubscribeZapier(t.Context(), pool, testenv.SecretCodec(t), hook, zapierTrigger(t, "tracking_number_added"))
	if err != nil || !created {
		t.Fatalf("subscribe: %v, created %v", err, created)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, ep.ID) })
	o := &outbound.Outbox{DB: pool, Sender: &outbound.Sender{
		Policy:  egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true},
		Secrets: testenv.SecretCodec(t)}}

	rep, err := o.Pass(t.Context(), outbound.DeliveryAttempt{DeliveryID: recordShipped(t, pool, ep.ID), Attempt: 1, Try: 1})
	if err != nil || rep.Outcome != "delivered" || len(z.Posts(hook)) != 1 {
		t.Fatalf("first event: %+v %v, %d posts", rep, err, len(z.Posts(hook)))
	}

	z.TurnOff(hook)
	rep, err = o.Pass(t.Context(), outbound.DeliveryAttempt{DeliveryID: recordShipped(t, pool, ep.ID), Attempt: 1, Try: 1})
	if err != nil || rep.Outcome != "unsubscribed" || !rep.Done || rep.Notice != nil {
		t.Fatalf("after the Zap was turned off: %+v %v, want unsubscribed without a notice", rep, err)
	}
	if _, err := outbound.GetEndpoint(t.Context(), pool, ep.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("the subscription is still there: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, ep.ID); n != 0 {
		t.Errorf("%d deliveries left to a deleted subscription", n)
	}
}

// Subscribing one hook to one trigger again (Zapier retrying a subscribe whose answer it lost,
// or several at once) finds the subscription there: the Zap gets each event once. Another
// trigger on the same hook is another subscription.
func TestSubscribeZapierIsIdempotent(t *testing.T) {
	pool := testenv.DB(t)
	hook := "https://hooks.zapier.com/hooks/standard/1234567/" + uniq(t, "zap") + "/"
	tr := zapierTrigger(t, "shipment_delivered")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			e, _, err := outbound.SubscribeZapier(t.Context(), pool, testenv.SecretCodec(t), hook, tr)
			if err != nil {
				t.Error(err)
			}
			ids[i] = e.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("subscriptions %v, want one", ids)
		}
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, ids[0]) })
	e, created, err := outbound.SubscribeZapier(t.Context(), pool, testenv.SecretCodec(t), hook, tr)
	if err != nil || created || e.ID != ids[0] || e.Kind != outbound.KindZapier || len(e.EventTypes) != 1 || e.EventTypes[0] != "order.delivered" {
		t.Errorf("again: %+v created %v %v", e, created, err)
	}
	other, created, err := outbound.SubscribeZapier(t.Context(), pool, testenv.SecretCodec(t), hook, zapierTrigger(t, "shipment_exception"))
	if err != nil || !created || other.ID == ids[0] {
		t.Errorf("another trigger: %+v created %v %v", other, created, err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, other.ID) })
}

// Unsubscribing deletes a Zapier subscription; one already gone is done too; a destination
// of another kind is not a Zapier key's to delete.
func TestUnsubscribeZapier(t *testing.T) {
	pool := testenv.DB(t)
	e, _, err := outbound.SubscribeZapier(t.Context(), pool, testenv.SecretCodec(t), "https://hooks.zapier.com/hooks/standard/1/"+uniq(t, "u")+"/", zapierTrigger(t, "order_created"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if ok, err := outbound.UnsubscribeZapier(t.Context(), pool, e.ID); !ok || err != nil {
			t.Errorf("unsubscribe: %v %v", ok, err)
		}
	}
	wh := mustEndpoint(t, pool, nil)
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, wh.ID) })
	if ok, err := outbound.UnsubscribeZapier(t.Context(), pool, wh.ID); ok || err != nil {
		t.Errorf("unsubscribe a webhook endpoint: %v %v, want refused", ok, err)
	}
	if _, err := outbound.GetEndpoint(t.Context(), pool, wh.ID); err != nil {
		t.Errorf("the webhook endpoint: %v", err)
	}
}

// The samples are the newest events of the trigger's type, newest first, at most three, in
// the hook's flat shape; with none, the catalogue's example, marked test.
func TestZapierSamples(t *testing.T) {
	pool := testenv.DB(t)
	tx, err := pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(t.Context(), `DELETE FROM order_events`); err != nil { // in this transaction only
		t.Fatal(err)
	}
	tr := zapierTrigger(t, "callback_requested")
	links := outbound.FeedSettings{PublicURL: "https://shipflow.example", TrackingSecret: "s3cret"}
	canned, err := outbound.ZapierSamples(t.Context(), tx, links, tr)
	if err != nil || len(canned) != 1 || !canned[0].Test || canned[0].Event != "order.human_requested" || canned[0].OrderID == "" {
		t.Fatalf("with no events: %+v %v, want the canned example", canned, err)
	}

	ex, _ := outbound.ExampleBody(order.PublishOrderHumanRequested)
	base := time.Now().UTC().Truncate(time.Second)
	for i := range 4 {
		e := outbound.Event{OrderID: uniq(t, "cb") + string(rune('a'+i)), Seq: 9, Type: string(tr.Type), Data: ex.Data, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if _, err := outbound.RecordEvent(t.Context(), tx, e); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := outbound.ExampleBody(order.PublishOrderShipped)
	if _, err := outbound.RecordEvent(t.Context(), tx, outbound.Event{OrderID: uniq(t, "sh"), Seq: 4, Type: "order.shipped", Data: other.Data, CreatedAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := outbound.ZapierSamples(t.Context(), tx, links, tr)
	if err != nil || len(got) != outbound.MaxZapierSamples {
		t.Fatalf("samples: %d %v", len(got), err)
	}
	for i, s := range got {
		want := base.Add(time.Duration(3-i) * time.Minute).Format(time.RFC3339)
		if s.Test || s.Event != "order.human_requested" || s.Trigger != "callback_requested" || s.OccurredAt != want || s.TrackingURL == "" {
			t.Errorf("sample %d: %+v, want the event of %s", i, s, want)
		}
	}
}

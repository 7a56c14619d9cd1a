package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/voice"
)

// TestVoiceSourceAnswersAcceptedOrdersFromTheInbox is voiceSource on both of its paths (read
// model first, as in production by default, without a Temporal client, since it must never
// wait on the engine; and workflow first, against real Temporal) with real Postgres, for an
// order whose order.created is in the inbox but in neither the read model nor a workflow. The
// rows are due in an hour, so no relay in this test binary takes them.
func TestVoiceSourceAnswersAcceptedOrdersFromTheInbox(t *testing.T) {
	pool := testenv.DB(t)
	ctx := context.Background()
	base := fmt.Sprintf("vsrc-%d", time.Now().UnixNano())
	store := func(id, eventID, typ, status string, customer *order.Customer) {
		t.Helper()
		d := inbox.Delivery{Source: inbox.SourceCommerce, EventID: eventID, Commerce: []order.CommerceEvent{{
			ID: eventID, Type: order.EventType(typ), Timestamp: time.Now().UTC(), OrderID: id, Customer: customer,
			Notify: []order.Channel{order.ChannelSMS}, Items: []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
		}}}
		body, _ := json.Marshal(d)
		if _, err := pool.Exec(ctx, `
			INSERT INTO inbound_events (source, event_id, status, delivery, order_id, next_attempt_at)
			VALUES ('commerce', $1, $2, $3, $4, now() + interval '1 hour')`, eventID, status, body, id); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DELETE FROM inbound_events WHERE order_id LIKE $1 || '%'`, base)
	})
	cust := &order.Customer{Name: "Ona", Phone: "+37060000000", Locale: "lt", TimeZone: "Europe/Vilnius"}
	store(base+"-pending", base+"-e1", "order.created", "pending", cust)
	store(base+"-rejected", base+"-e2", "order.created", "rejected", cust)
	store(base+"-confirmed", base+"-e3", "order.confirmed", "pending", nil)

	for _, workflowFirst := range []bool{false, true} {
		src := voiceSource{db: pool, workflowFirst: workflowFirst, deadline: 800 * time.Millisecond}
		if workflowFirst {
			// Only this path may ask the engine. The default one gets no client at all, so a
			// lookup that went back to querying the workflow would fail here, not only be slower.
			src.temporal = testenv.Temporal(t)
		}
		start := time.Now()
		f, err := src.Order(ctx, base+"-pending")
		if err != nil || !f.Received || f.Customer.Phone != cust.Phone || len(f.Items) != 1 || f.OrderID != base+"-pending" {
			t.Errorf("workflowFirst %v: accepted order: %+v, %v", workflowFirst, f, err)
		}
		if took := time.Since(start); took > 400*time.Millisecond {
			t.Errorf("workflowFirst %v: answered in %s", workflowFirst, took)
		}
		if len(f.Notify.Channels) != 1 || f.Notify.Channels[0] != order.ChannelSMS {
			t.Errorf("workflowFirst %v: channels %v", workflowFirst, f.Notify.Channels)
		}
		for _, id := range []string{base + "-rejected", base + "-confirmed", base + "-never"} {
			if f, err := src.Order(ctx, id); !errors.Is(err, voice.ErrNotFound) {
				t.Errorf("workflowFirst %v: %s: %+v, %v; want not found", workflowFirst, id, f, err)
			}
		}
	}
}

package notify_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// BenchmarkNotificationPath measures the whole path of a customer message: a carrier event
// signalled to a live order, the workflow applying it, the SendNotification activity, the log
// row, the real twilio-go client and the Twilio stand-in. Each iteration is one order whose
// out-for-delivery scan must reach the provider. It reports notifications per second and the
// latency from the signal to the provider accepting the message.
//
// "burst" signals every scan at once (throughput, queueing included); "paced" sends 20 scans a
// second, below what one 2-core machine sustains, for the latency of one message on its own.
//
//	go test ./notify -run XXX -bench NotificationPath -benchtime 200x
func BenchmarkNotificationPath(b *testing.B) {
	b.Run("burst", func(b *testing.B) { benchNotificationPath(b, 0) })
	b.Run("paced-20-per-s", func(b *testing.B) { benchNotificationPath(b, 50*time.Millisecond) })
}

func benchNotificationPath(b *testing.B, every time.Duration) {
	b.StopTimer()
	c := testenv.Temporal(b)
	prov := newProviders(b)
	// Each order has its own phone number, so the provider's receipt names the order.
	var mu sync.Mutex
	accepted := map[string]time.Time{}
	prov.twilio.OnAccept = func(m providertest.TwilioMessage) {
		mu.Lock()
		defer mu.Unlock()
		accepted[m.To] = time.Now()
	}
	phone := func(i int) string { return fmt.Sprintf("+3706%07d", i) }
	tq := fmt.Sprintf("bench-notify-%d", time.Now().UnixNano())
	w := sdkworker.New(c, tq, sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 16, MaxConcurrentActivityTaskPollers: 8})
	worker.Register(w, worker.Deps{DB: testenv.DB(b), Notifier: prov.svc, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	ctx := context.Background()
	ids := make([]string, b.N)
	for i := range b.N {
		ids[i] = fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		created := order.CommerceEvent{ID: ids[i] + "-c", Type: order.EventCreated, Timestamp: time.Now().UTC(), OrderID: ids[i],
			Customer: &order.Customer{Name: "Ona", Phone: phone(i), Locale: "en", TimeZone: "Europe/Vilnius"},
			Notify:   []order.Channel{order.ChannelSMS}}
		if _, err := workflows.StartOrder(ctx, c, tq, created, workflows.OrderSettings{ReviewRequestDelay: time.Hour}); err != nil {
			b.Fatal(err)
		}
		shipped := order.CommerceEvent{ID: ids[i] + "-s", Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: ids[i],
			Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN" + ids[i]}}
		if err := workflows.SignalCommerce(ctx, c, shipped); err != nil {
			b.Fatal(err)
		}
	}
	waitSent(b, prov, b.N) // the shipped messages: every order is live and idle
	mu.Lock()
	clear(accepted)
	mu.Unlock()

	b.StartTimer()
	start := time.Now()
	signalled := make([]time.Time, b.N)
	for i, id := range ids {
		if every > 0 && i > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
		}
		signalled[i] = time.Now()
		scan := order.TrackingEvent{ID: id + "-ofd", Source: "bench", Carrier: "DPD", TrackingNumber: "TN" + id,
			Status: order.ShipmentOutForDelivery, OccurredAt: time.Now().UTC()}
		if err := workflows.SignalTracking(ctx, c, id, scan); err != nil {
			b.Fatal(err)
		}
	}
	waitSent(b, prov, 2*b.N)
	elapsed := time.Since(start)
	b.StopTimer()

	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	for i := range ids {
		if at, ok := accepted[phone(i)]; ok {
			lat = append(lat, at.Sub(signalled[i]))
		}
	}
	if len(lat) != b.N {
		b.Fatalf("%d of %d out-for-delivery messages reached the provider", len(lat), b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}

func waitSent(b *testing.B, p *providers, n int) {
	b.Helper()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(p.twilio.Messages()) >= n {
			return
		}
	}
	b.Fatalf("only %d of %d messages reached the provider", len(p.twilio.Messages()), n)
}

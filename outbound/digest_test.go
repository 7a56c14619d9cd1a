package outbound_test

// The digest tests own the endpoints table while they run (none is parallel): every enabled
// endpoint receives the events they record.

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// feedOutbox is a worker's outbox whose attempts reach the chats' stand-ins on 127.0.0.1.
func feedOutbox(t testing.TB, pool *pgxpool.Pool) *outbound.Outbox {
	return &outbound.Outbox{DB: pool, Sender: &outbound.Sender{
		Policy:  egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true},
		Feeds:   outbound.FeedSettings{PublicURL: "https://shipflow.example"},
		Secrets: testenv.SecretCodec(t),
	}}
}

// slackFeed is a Slack feed subscribed to order.shipped, deleted when the test ends.
func slackFeed(t *testing.T, pool *pgxpool.Pool, s *escalatetest.Slack) outbound.Endpoint {
	t.Helper()
	e, err := outbound.CreateEndpointOf(t.Context(), pool, testenv.SecretCodec(t), outbound.KindSlack, s.WebhookURL(), t.Name(), []string{"order.shipped"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, e.ID) })
	return e
}

// shipOrders records n order.shipped events, one per order, and returns their deliveries to
// the feed, oldest first.
func shipOrders(t *testing.T, pool *pgxpool.Pool, feed outbound.Endpoint, n int) []string {
	t.Helper()
	ex, _ := outbound.ExampleBody(order.PublishOrderShipped)
	prefix := uniq(t, "ord")
	var ids []string
	for i := range n {
		e := outbound.Event{OrderID: fmt.Sprintf("%s-%02d", prefix, i), Seq: 4, Type: "order.shipped", ShipmentID: "S1",
			Data: ex.Data, CreatedAt: time.Now().UTC()}
		if _, err := outbound.RecordEvent(t.Context(), pool, e); err != nil {
			t.Fatal(err)
		}
		var id string
		err := pool.QueryRow(t.Context(), `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND order_id = $2`, feed.ID, e.OrderID).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// claimedOf is what ClaimDeliveries gave of ids.
func claimedOf(t *testing.T, pool *pgxpool.Pool, ids []string) []string {
	t.Helper()
	cs, err := outbound.ClaimDeliveries(t.Context(), pool, 1000, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		if slices.Contains(ids, c.ID) {
			out = append(out, c.ID)
		}
	}
	return out
}

// Several events for a feed wait for its digest instead of being claimed one by one; once the
// window has passed they are gathered behind the oldest, and its one attempt posts one message
// listing them all and is recorded with each.
func TestFeedDeliveriesWaitAndGoAsOneDigest(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	s := escalatetest.NewSlack(t)
	feed := slackFeed(t, pool, s)
	ids := shipOrders(t, pool, feed, 3)

	if got := claimedOf(t, pool, ids); len(got) != 0 {
		t.Fatalf("claimed %v while they wait for the digest", got)
	}
	if n, err := outbound.GatherDigests(ctx, pool, time.Hour); err != nil || n != 0 {
		t.Fatalf("gathered %d (%v) before the window ended", n, err)
	}
	if n, err := outbound.GatherDigests(ctx, pool, 0); err != nil || n != 1 {
		t.Fatalf("gathered %d (%v), want 1 digest", n, err)
	}
	if got := claimedOf(t, pool, ids); !slices.Equal(got, ids[:1]) {
		t.Fatalf("claimed %v, want only the lead %s", got, ids[0])
	}
	rep, err := feedOutbox(t, pool).Pass(ctx, outbound.DeliveryAttempt{DeliveryID: ids[0], Attempt: 1, Try: 1})
	if err != nil || !rep.Done || rep.Outcome != "delivered" {
		t.Fatalf("pass: %+v, %v", rep, err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Header, "3 order updates") {
		t.Fatalf("slack got %d messages: %+v", len(msgs), msgs)
	}
	for _, id := range ids {
		d, err := outbound.GetDelivery(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msgs[0].Texts[1], d.OrderID) {
			t.Errorf("digest does not list %s: %q", d.OrderID, msgs[0].Texts[1])
		}
		if d.Status != outbound.DeliveryDelivered || d.Digest != ids[0] || len(d.Log) != 1 || d.Log[0].StatusCode != http.StatusOK {
			t.Errorf("delivery %s: status %s digest %s log %+v", id, d.Status, d.Digest, d.Log)
		}
	}
	// Nothing is left waiting: a second gather sends nothing.
	if n, _ := outbound.GatherDigests(ctx, pool, 0); n != 0 {
		t.Errorf("gathered %d more", n)
	}
}

// A single event after the window goes alone, as a one-line message.
func TestFeedSingleEventIsOneLine(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	s := escalatetest.NewSlack(t)
	feed := slackFeed(t, pool, s)
	ids := shipOrders(t, pool, feed, 1)
	if n, err := outbound.GatherDigests(ctx, pool, 0); err != nil || n != 1 {
		t.Fatalf("gathered %d, %v", n, err)
	}
	if _, err := feedOutbox(t, pool).Pass(ctx, outbound.DeliveryAttempt{DeliveryID: ids[0], Attempt: 1, Try: 1}); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || len(m[0].Texts) != 0 || !strings.Contains(m[0].Text, "— Shipped · DPD") {
		t.Errorf("slack got %+v, want one line", m)
	}
}

// DigestFull waiting events make a digest due before the window ends, and one digest carries
// at most that many.
func TestFeedDigestIsDueWhenFull(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	feed := slackFeed(t, pool, escalatetest.NewSlack(t))
	ids := shipOrders(t, pool, feed, outbound.DigestFull+3)
	if n, err := outbound.GatherDigests(ctx, pool, time.Hour); err != nil || n != 1 {
		t.Fatalf("gathered %d, %v; want the full digest", n, err)
	}
	if got := count(t, pool, `SELECT count(*) FROM webhook_deliveries WHERE digest = $1`, ids[0]); got != outbound.DigestFull {
		t.Errorf("digest holds %d, want %d", got, outbound.DigestFull)
	}
	if got := count(t, pool, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND digest = ''`, feed.ID); got != 3 {
		t.Errorf("%d wait for the next digest, want 3", got)
	}
}

// Workers gathering at the same moment make one digest: the rows are locked as gathered and
// a set is gathered only when it is due as locked.
func TestFeedDigestGatheredOnceByConcurrentWorkers(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	feed := slackFeed(t, pool, escalatetest.NewSlack(t))
	ids := shipOrders(t, pool, feed, 20)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for range 8 {
		wg.Go(func() {
			n, err := outbound.GatherDigests(ctx, pool, 0)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	leads := count(t, pool, `SELECT count(DISTINCT digest) FROM webhook_deliveries WHERE endpoint_id = $1`, feed.ID)
	if total != 1 || leads != 1 || count(t, pool, `SELECT count(*) FROM webhook_deliveries WHERE digest = $1`, ids[0]) != 20 {
		t.Errorf("%d gathers, %d digests; want one of all 20", total, leads)
	}
}

// A digest the chat could not take now is retried on the schedule for every event in it, and
// the retry sends the same set; a webhook the chat no longer knows disables the feed and fails
// them all; a person's retry of any of them re-sends the whole digest.
func TestFeedDigestRetriesTogether(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	s := escalatetest.NewSlack(t)
	feed := slackFeed(t, pool, s)
	ids := shipOrders(t, pool, feed, 3)
	if _, err := outbound.GatherDigests(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	o := feedOutbox(t, pool)
	s.FailNext(1, http.StatusServiceUnavailable)
	rep, err := o.Pass(ctx, outbound.DeliveryAttempt{DeliveryID: ids[0], Attempt: 1, Try: 1})
	if err != nil || rep.Done || rep.Wait < time.Second {
		t.Fatalf("503: %+v, %v; want a wait of at least Retry-After", rep, err)
	}
	for _, id := range ids {
		d, _ := outbound.GetDelivery(ctx, pool, id)
		if d.Status != outbound.DeliveryPending || d.Attempts != 1 || d.NextAttemptAt == nil || len(d.Log) != 1 || d.Log[0].Outcome != "retry" {
			t.Errorf("after 503, %s: %+v", id, d)
		}
	}
	if rep, err := o.Pass(ctx, outbound.DeliveryAttempt{DeliveryID: ids[0], Attempt: 2, Try: 2}); err != nil || rep.Outcome != "delivered" {
		t.Fatalf("second attempt: %+v, %v", rep, err)
	}
	if m := s.Messages(); len(m) != 1 || strings.Count(m[0].Texts[1], "\n") != 2 {
		t.Fatalf("slack got %+v, want the same three events once", m)
	}

	// Gone: Slack no longer knows the webhook.
	more := shipOrders(t, pool, feed, 2)
	if _, err := outbound.GatherDigests(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	s.FailNext(1, http.StatusNotFound)
	rep, err = o.Pass(ctx, outbound.DeliveryAttempt{DeliveryID: more[0], Attempt: 1, Try: 1})
	if err != nil || !rep.Done || rep.Notice == nil || !strings.HasSuffix(rep.Notice.URL, "/services/****") {
		t.Fatalf("404: %+v, %v; want the feed disabled, its URL masked", rep, err)
	}
	for _, id := range more {
		if d, _ := outbound.GetDelivery(ctx, pool, id); d.Status != outbound.DeliveryFailed {
			t.Errorf("%s: %s, want failed with its digest", id, d.Status)
		}
	}
	// Recover finds the digest through its lead, once, even from a time after the lead's.
	second, _ := outbound.GetDelivery(ctx, pool, more[1])
	for _, since := range []time.Time{{}, second.CreatedAt} {
		failed, err := outbound.FailedSince(ctx, pool, feed.ID, since)
		if err != nil || len(failed) != 1 || failed[0].ID != more[0] {
			t.Errorf("failed since %s: %+v %v, want the lead alone", since, failed, err)
		}
	}
	// A person turns the feed back on and retries the second event: the digest goes again.
	on := true
	if _, err := outbound.UpdateEndpoint(ctx, pool, feed.ID, outbound.EndpointChange{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	lead, _ := outbound.GetDelivery(ctx, pool, more[0])
	if ok, err := outbound.MarkRetried(ctx, pool, lead); !ok || err != nil {
		t.Fatalf("mark retried: %t %v", ok, err)
	}
	if d, _ := outbound.GetDelivery(ctx, pool, more[1]); d.Status != outbound.DeliveryPending {
		t.Errorf("member after the lead's retry: %s", d.Status)
	}
	if rep, err := o.Pass(ctx, outbound.DeliveryAttempt{DeliveryID: more[0], Attempt: 2, Try: 1, Manual: true}); err != nil || rep.Outcome != "delivered" {
		t.Fatalf("manual retry: %+v, %v", rep, err)
	}
	if m := s.Messages(); len(m) != 2 || strings.Count(m[1].Texts[1], "\n") != 1 {
		t.Errorf("slack got %+v, want the two events again", m)
	}
	for _, id := range more {
		if d, _ := outbound.GetDelivery(ctx, pool, id); d.Status != outbound.DeliveryDelivered || len(d.Log) != 2 {
			t.Errorf("%s: %s with %d attempts", id, d.Status, len(d.Log))
		}
	}
	if failed, err := outbound.FailedSince(ctx, pool, feed.ID, time.Time{}); err != nil || len(failed) != 0 {
		t.Errorf("failed since, after the retry: %v %v", failed, err)
	}
}

package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shipflow/shipflow/carriers/sim"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/voice"
)

// step is one event of an order's journey, in the order a merchant and a carrier send them.
type step int

const (
	stepCreated step = iota
	stepConfirmed
	stepPacked
	stepShipped
	stepInTransit
	stepOutForDelivery
	stepDelivered
	stepCount
)

var stepNames = [stepCount]string{"created", "confirmed", "packed", "shipped", "in_transit", "out_for_delivery", "delivered"}

// The journey comes in two phases, as in life: the merchant's events, then, once every parcel
// is with the carrier, the carrier's scans. Sending an order's scans straight after its
// order.shipped would race the sim carrier's first poll, whose label scan is dated when it is
// polled: a label scan dated after a webhook scan is newer by the ordering rule and would
// undo it, which is the rule working, not a fault to measure.
var (
	commerceSteps = []step{stepCreated, stepConfirmed, stepPacked, stepShipped}
	carrierSteps  = []step{stepInTransit, stepOutForDelivery, stepDelivered}
)

// milestoneSteps say which event each expected customer message answers, for the time from
// event to notification.
var milestoneSteps = map[string]step{
	"confirmed": stepConfirmed, "packed": stepPacked, "shipped": stepShipped, "out_for_delivery": stepOutForDelivery, "delivered": stepDelivered,
}

// journey sends every order's events over HTTP, signed like the real senders, and keeps what
// the report needs: when each event was sent and how long its acknowledgement took.
type journey struct {
	lb      *balancer // the API replicas, one or more
	secrets Secrets
	prefix  string
	n       int
	conc    int
	rate    float64
	client  *http.Client
	// retryFor, when set, keeps retrying a refused or failed event for that long instead of
	// giving up after five attempts: the fault suite's senders outlast a dead API, as Shopify's
	// and the carriers' retries (hours long) do.
	retryFor time.Duration

	sentAt  [][stepCount]time.Time // written only by the goroutine driving the order
	created []atomic.Bool          // order.created acknowledged: voice lookups may ask about it
	sent    atomic.Int64
	acked   atomic.Int64
	orders  atomic.Int64 // order.created acknowledged

	mu       sync.Mutex
	acks     []ack
	statuses map[string]int // the "status" of each 200 answer: accepted, duplicate, ignored
	failures int            // attempts that got no 200; each is retried
	// rerouted counts events a replica gave no answer for and another one acknowledged, and
	// reroutedDuplicates those of them answered "duplicate": the dead replica had stored them.
	rerouted, reroutedDuplicates int
	lastErr                      error
}

func newJourney(lb *balancer, prefix string, n, conc int, rate float64, s Secrets) *journey {
	return &journey{
		lb: lb, secrets: s, prefix: prefix, n: n, conc: conc, rate: rate,
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc + 16}, Timeout: 30 * time.Second},
		sentAt:   make([][stepCount]time.Time, n),
		created:  make([]atomic.Bool, n),
		statuses: map[string]int{},
	}
}

func (j *journey) orderID(i int) string { return fmt.Sprintf("%s%05d", j.prefix, i) }

// someCreated is a random order whose order.created was acknowledged, or -1 when eight tries
// found none (early on there may be none).
func (j *journey) someCreated() int {
	for range 8 {
		if k := rand.IntN(j.n); j.created[k].Load() {
			return k
		}
	}
	return -1
}

// Each order has a customer of its own, so that a message sent twice shows as two messages to
// one recipient for one milestone.
func phone(i int) string { return fmt.Sprintf("+3706%07d", i) }
func email(i int) string { return fmt.Sprintf("customer-%05d@loadtest.example.com", i) }

func trackingNumber(orderID string) string { return sim.TrackingNumber(sim.Smooth, orderID) }

// event builds step s of order i as sent at now: the endpoint, the secret it is signed with
// and the body. Carrier scans are dated when sent, so each is newer than the one before.
func (j *journey) event(i int, s step, now time.Time) (path, secret string, body []byte, err error) {
	id := j.orderID(i)
	stamp := now.UTC().Format(time.RFC3339)
	data := map[string]any{"order_id": id}
	switch s {
	case stepCreated:
		data["customer"] = map[string]any{"name": "Ona Loadtest", "email": email(i), "phone": phone(i), "locale": "en", "time_zone": "Europe/Vilnius"}
		data["notify"] = map[string]any{"channels": []string{"sms", "email"}}
		data["items"] = []map[string]any{{"sku": "SKU-1", "name": "Load test parcel", "quantity": 1}}
	case stepShipped:
		data["shipment"] = map[string]any{"shipment_id": "S1", "carrier": sim.Name, "tracking_number": trackingNumber(id),
			"items": []string{"SKU-1"}, "estimated_delivery": now.Add(48 * time.Hour).UTC().Format(time.RFC3339)}
	case stepInTransit, stepOutForDelivery, stepDelivered:
		body, err = json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": stamp, "data": map[string]any{
			"carrier": sim.Name, "tracking_number": trackingNumber(id), "status": stepNames[s], "description": stepNames[s],
			"location": map[string]any{"city": "Vilnius", "country": "LT"}, "occurred_at": now.UTC().Format(time.RFC3339Nano),
		}})
		return "/webhooks/carriers/generic", j.secrets.CarrierWebhook, body, err
	}
	body, err = json.Marshal(map[string]any{"type": "order." + stepNames[s], "timestamp": stamp, "data": data})
	return "/webhooks/commerce", j.secrets.CommerceWebhook, body, err
}

// phase drives steps of every order: conc orders at a time, each order's steps one after the
// other (the next only once the last was acknowledged), paced to j.rate events per second
// when set. A refused or failed request is retried, as the real senders do.
func (j *journey) phase(ctx context.Context, steps []step) error {
	p := newPacer(j.rate)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range j.conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= j.n {
					return
				}
				for _, s := range steps {
					if err := j.sendRetrying(ctx, p, i, s); err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}

func (j *journey) sendRetrying(ctx context.Context, p *pacer, i int, s step) error {
	if err := p.wait(ctx); err != nil {
		return err
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := j.send(ctx, i, s)
		if err == nil {
			return nil
		}
		j.mu.Lock()
		j.failures++
		j.lastErr = err
		j.mu.Unlock()
		wait := time.Duration(attempt) * time.Second
		switch {
		case j.retryFor > 0 && time.Since(start) > j.retryFor:
			return fmt.Errorf("%s of order %s refused for %s (%d attempts): %w", stepNames[s], j.orderID(i), j.retryFor, attempt, err)
		case j.retryFor > 0:
			wait = min(time.Duration(attempt)*250*time.Millisecond, 2*time.Second)
		case attempt == 5:
			return fmt.Errorf("%s of order %s refused 5 times: %w", stepNames[s], j.orderID(i), err)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// send posts one event with fresh Standard Webhooks headers and checks the 200.
func (j *journey) send(ctx context.Context, i int, s step) error {
	now := time.Now()
	path, secret, body, err := j.event(i, s, now)
	if err != nil {
		return fmt.Errorf("encode %s: %w", stepNames[s], err)
	}
	h, err := signature.Headers([]string{secret}, j.orderID(i)+"-"+stepNames[s], now, body)
	if err != nil {
		return fmt.Errorf("sign %s: %w", stepNames[s], err)
	}
	if j.sentAt[i][s].IsZero() {
		j.sentAt[i][s] = now
		j.sent.Add(1)
	}
	resp, _, rerouted, err := j.lb.do(ctx, j.client, func(base string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", stepNames[s], err)
		}
		req.Header = h.Clone()
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	})
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s %s: %d %s", path, stepNames[s], resp.StatusCode, bytes.TrimSpace(answer))
	}
	took := time.Since(now)
	var answered struct{ Status string }
	_ = json.Unmarshal(answer, &answered)
	j.acked.Add(1)
	if s == stepCreated {
		j.created[i].Store(true)
		j.orders.Add(1)
	}
	j.mu.Lock()
	j.acks = append(j.acks, ack{now, took})
	j.statuses[answered.Status]++
	if rerouted {
		j.rerouted++
		if answered.Status == "duplicate" {
			j.reroutedDuplicates++
		}
	}
	j.mu.Unlock()
	return nil
}

// noAnswer counts voice lookups that got no HTTP answer at all.
const noAnswer = "no answer"

// answeredReceived counts voice lookups answered success from the inbox: the order was
// acknowledged and not applied yet (voice.StatusCodeReceived).
const answeredReceived = "success (received)"

// voiceLoad asks the voice tool about random orders already created, at a steady rate, for as
// long as the journey runs: a voice assistant answering calls while the parcels move.
type voiceLoad struct {
	j     *journey
	token string
	seq   atomic.Int64
	count atomic.Int64 // lookups answered or failed, for the progress line
	// memoEvery, when set, repeats every memoEvery-th call on another replica, which must give
	// the first answer back from the shared memo: memoRepeats are those repeats, memoMismatches
	// the ones answered differently.
	memoEvery                   int
	memoRepeats, memoMismatches atomic.Int64

	mu    sync.Mutex
	times []time.Duration
	// statuses count answers by the tool's "status" (success, not_found, error when it missed
	// its deadline, ...), or the HTTP status of a refusal, or noAnswer. A success about an
	// order known only from its accepted order.created (the relay behind) counts as
	// answeredReceived: a success all the same, counted apart to show how often it happens.
	// Every order asked about was acknowledged, so not_found is a wrong answer.
	statuses map[string]int
	elapsed  time.Duration
}

// run asks from conc goroutines at rate lookups per second until ctx ends.
func (v *voiceLoad) run(ctx context.Context, conc int, rate float64) {
	v.statuses = map[string]int{}
	p := newPacer(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for p.wait(ctx) == nil {
				v.lookup(ctx)
			}
		})
	}
	wg.Wait()
	v.elapsed = time.Since(start)
}

func (v *voiceLoad) lookup(ctx context.Context) {
	i := v.j.someCreated()
	if i < 0 {
		return
	}
	seq := v.seq.Add(1)
	body, _ := json.Marshal(map[string]any{
		"event": "tool.invoked", "call_id": fmt.Sprintf("loadtest-call-%d", seq), "tool_name": "lookup_shipment_status",
		"parameters": map[string]any{"order_number": v.j.orderID(i), "caller_phone": phone(i)},
		"metadata":   map[string]any{"timestamp": time.Now().UTC().Format(time.RFC3339)},
	})
	t := time.Now()
	resp, served, _, err := v.j.lb.do(ctx, v.j.client, func(base string) (*http.Request, error) { return v.request(ctx, base, body) })
	status := noAnswer
	var answer []byte
	if err == nil {
		answer, err = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		var out struct {
			Status string
			Data   struct {
				StatusCode string `json:"status_code"`
			}
		}
		switch {
		case resp.StatusCode != http.StatusOK:
			status = fmt.Sprintf("http %d", resp.StatusCode)
		case err != nil || json.Unmarshal(answer, &out) != nil:
			status = "unreadable"
		case out.Status == voice.StatusSuccess && out.Data.StatusCode == string(voice.StatusCodeReceived):
			status = answeredReceived
		default:
			status = out.Status
		}
	}
	if ctx.Err() != nil {
		return // cut off by the end of the run, not slow
	}
	took := time.Since(t)
	v.count.Add(1)
	v.mu.Lock()
	v.times = append(v.times, took)
	v.statuses[status]++
	v.mu.Unlock()
	// An answer the tool stores (every one but an error) must come back the same when the
	// platform repeats the call, whichever replica the repeat reaches.
	if v.memoEvery > 0 && seq%int64(v.memoEvery) == 0 && len(v.j.lb.urls) > 1 && status != noAnswer && status != "error" && !strings.HasPrefix(status, "http ") {
		v.repeatOn(ctx, v.j.lb.urls[(served+1)%len(v.j.lb.urls)], body, answer)
	}
}

func (v *voiceLoad) request(ctx context.Context, base string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/voice/tools", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+v.token)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// repeatOn sends a call again to the replica at base and compares the answer with the first.
// A replica that gives no answer (killed) is not a repeat: the platform would try another.
func (v *voiceLoad) repeatOn(ctx context.Context, base string, body, first []byte) {
	req, err := v.request(ctx, base, body)
	if err != nil {
		return
	}
	resp, err := v.j.client.Do(req)
	if err != nil {
		return
	}
	again, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil || ctx.Err() != nil {
		return
	}
	v.memoRepeats.Add(1)
	if resp.StatusCode != http.StatusOK || !sameJSON(again, first) {
		v.memoMismatches.Add(1)
	}
}

// sameJSON reports whether a and b are the same JSON value. The memo keeps answers as jsonb,
// which keeps the value but not the key order or spacing, so a repeat's bytes may differ.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// pacer spaces calls from many goroutines to a rate: the k-th call may go at start + k/rate.
// A nil pacer does not wait.
type pacer struct {
	start time.Time
	every time.Duration
	n     atomic.Int64
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{start: time.Now(), every: time.Duration(float64(time.Second) / rate)}
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	k := p.n.Add(1) - 1
	if d := time.Until(p.start.Add(time.Duration(k) * p.every)); d > 0 {
		return sleep(ctx, d)
	}
	return ctx.Err()
}

// forEach calls f for 0..n-1 from parallel goroutines.
func forEach(n, parallel int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

package outbound

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/payload"
)

// Sender is what attempts need besides the database: how far they may reach, how long they
// may take, and how many may be in flight to one destination. One per worker, shared by its
// dispatcher and its delivery workflows' attempts.
type Sender struct {
	// Policy says which destinations may be reached (SHIPFLOW_WEBHOOK_ALLOWED_CIDRS, plain
	// http in dev). It is checked again at every attempt, not only when a URL is saved, and
	// the client enforces it while dialling.
	Policy egress.Policy
	// Timeout bounds one attempt; zero is the documented 15 s (docs/reference/outbound-webhooks.md), which is also the most.
	Timeout time.Duration
	// PerEndpoint caps the attempts one worker makes to one endpoint at a time; zero is 32.
	// A hanging endpoint then holds at most that many attempts (and, for a second each, the
	// attempts waiting for one of them), and every other endpoint's deliveries go on at full
	// speed. A healthy endpoint answering in 20 ms still gets 1,600 attempts a second.
	PerEndpoint int
	// Feeds are the staff milestone feeds' digest window and links (feed.go).
	Feeds FeedSettings
	// Secrets open endpoints' secrets and connectors' credentials for each attempt
	// (SHIPFLOW_SECRET_KEYS).
	Secrets *payload.Codec
	// Wake tells this worker's dispatcher that new deliveries wait for their first attempt;
	// nil leaves them to the dispatchers' polling.
	Wake func()

	once   sync.Once
	client *http.Client // from egress.NewClient(Policy): Attempt relies on its guard

	mu    sync.Mutex
	slots map[string]chan struct{} // per endpoint; a token in the channel is an attempt in flight

	salesforce salesforceSessions // the Salesforce endpoints' access tokens (salesforce.go)
}

// timeout is the bound of one attempt: Timeout, within the documented 15 s (docs/reference/outbound-webhooks.md).
func (s *Sender) timeout() time.Duration {
	if s.Timeout <= 0 || s.Timeout > Timeout {
		return Timeout
	}
	return s.Timeout
}

// httpClient is the egress-guarded client every HTTP transport shares.
func (s *Sender) httpClient() *http.Client {
	s.once.Do(func() {
		p := s.Policy
		p.Timeout = s.timeout()
		s.client = egress.NewClient(p)
	})
	return s.client
}

// send makes the attempt with the transport of the destination's kind.
func (s *Sender) send(ctx context.Context, o Outgoing, attempt int) (Result, time.Time) {
	t := s.transport(o.Endpoint.Kind)
	if t == nil {
		return Result{Outcome: Failed, Err: "no transport for destination kind " + string(o.Endpoint.Kind)}, time.Now()
	}
	if o.Endpoint.Kind.Connector() {
		creds, err := o.Endpoint.Credentials.Open(s.Secrets)
		if err != nil {
			// No retry opens them: the keys changed under the stored credentials.
			return Result{Outcome: Failed, Err: "credentials: " + err.Error()}, time.Now()
		}
		o.Credentials = creds
	}
	// The endpoint's secrets are opened for this attempt only (secrets.go).
	e, err := o.Endpoint.Open(s.Secrets)
	if err != nil {
		// No retry opens them: the keys changed under the stored secrets.
		return Result{Outcome: Failed, Err: "secrets: " + err.Error()}, time.Now()
	}
	o.Endpoint = e
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	return t.Send(ctx, o, attempt)
}

// slotWait is how long an attempt waits for one of its endpoint's slots before it gives its
// activity slot back and asks Temporal to retry it a little later.
const slotWait = time.Second

// take reserves one of an endpoint's in-flight slots on this worker, waiting up to slotWait.
func (s *Sender) take(ctx context.Context, endpointID string) (release func(), ok bool) {
	s.mu.Lock()
	if s.slots == nil {
		s.slots = map[string]chan struct{}{}
	}
	ch := s.slots[endpointID]
	if ch == nil {
		limit := s.PerEndpoint
		if limit <= 0 {
			limit = 32
		}
		ch = make(chan struct{}, limit)
		s.slots[endpointID] = ch
	}
	s.mu.Unlock()
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// Busy lists the endpoints whose in-flight attempts on this worker are at their cap, for a
// dispatcher to leave alone until one finishes.
func (s *Sender) Busy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var busy []string
	for id, ch := range s.slots {
		if len(ch) == cap(ch) {
			busy = append(busy, id)
		}
	}
	return busy
}

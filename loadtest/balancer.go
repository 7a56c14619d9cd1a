package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// balancer spreads the load generator's requests over shipflow's API replicas, round robin, as
// the load balancer in front of them would. A replica that gives no HTTP answer (refused, reset,
// timed out: it was killed) is left out for downFor, as a health check would take it out, and
// the request goes to the next one: the sender never sees the failure. With one replica there
// is nowhere else to go, and the error is the caller's, who retries as the real senders do.
type balancer struct {
	urls      []string
	next      atomic.Uint64
	downUntil []atomic.Int64 // unix nanoseconds
	rerouted  atomic.Int64   // requests sent again to another replica
}

// downFor is how long a replica that gave no answer is left out.
const downFor = 5 * time.Second

func newBalancer(urls ...string) *balancer {
	return &balancer{urls: urls, downUntil: make([]atomic.Int64, len(urls))}
}

// do sends the request that build makes for a base URL to the next replica in turn, and to the
// others in turn when it gets no answer. It reports which replica answered, and whether it was
// other than the first one tried: a rerouted request may have been stored by the replica that
// died before answering, so a "duplicate" answer to it is the sender's retry, not a fault.
func (b *balancer) do(ctx context.Context, c *http.Client, build func(base string) (*http.Request, error)) (resp *http.Response, served int, rerouted bool, err error) {
	start := int(b.next.Add(1) - 1)
	var errs []error
	tried := 0
	for k := range len(b.urls) * 2 { // a second round tries replicas marked down as well
		i := (start + k) % len(b.urls)
		if k < len(b.urls) && len(b.urls) > 1 && time.Now().UnixNano() < b.downUntil[i].Load() {
			continue
		}
		if k >= len(b.urls) && tried > 0 {
			break
		}
		req, err := build(b.urls[i])
		if err != nil {
			return nil, i, false, err
		}
		if tried > 0 {
			b.rerouted.Add(1)
		}
		tried++
		resp, err := c.Do(req)
		if err == nil {
			return resp, i, tried > 1, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || len(b.urls) == 1 {
			break
		}
		b.downUntil[i].Store(time.Now().Add(downFor).UnixNano())
	}
	return nil, -1, tried > 1, fmt.Errorf("no replica answered: %w", errors.Join(errs...))
}

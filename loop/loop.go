// Package loop runs the background passes of a serve or worker process: the relay over the
// inbox, the dispatcher over the outbox, the periodic checks for what a crash left behind.
// Every pass is safe on any number of replicas at once (each claims its rows in Postgres), so
// a loop needs no leader and nothing here knows about other processes.
package loop

import (
	"context"
	"time"
)

// Drain calls pass until ctx ends. While a pass reports that it filled its batch, more may be
// due at once and the next pass follows without waiting; otherwise the loop waits for a wake
// (a NOTIFY, a finished attempt) or for the next tick, the safety net for a lost wake.
func Drain(ctx context.Context, every time.Duration, wake <-chan struct{}, pass func(context.Context) (full bool)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for ctx.Err() == nil {
		if pass(ctx) {
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-tick.C:
		}
	}
}

// Every calls f at once, because a restart is when a crash's leftovers are likeliest, and
// then every d until ctx ends.
func Every(ctx context.Context, d time.Duration, f func(context.Context)) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for ctx.Err() == nil {
		f(ctx)
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/voice"
)

// A voice lookup's p99 in a burst was 27-65 ms where its p50 was 3 ms, and whether the tail
// waited on Postgres or on the two busy cores was a guess. The run now times, beside the voice
// load and at its rate, each Postgres step of a lookup with the very functions serve calls,
// against the same database at the same moments. The lookup's own time is these steps plus
// HTTP, the handler and the serve process's turn on a core: side by side, the two say which
// the tail waited on. The steps, in the order a lookup takes them:
const (
	voiceStepMemoRead  = "memo read"  // the first answer of a repeated call (voice.Store.Get)
	voiceStepAttempts  = "attempts"   // the call's failed verifications (voice.Store.Failures); a lookup counts the order's too
	voiceStepReadModel = "read model" // the order's row (db.GetOrder)
	voiceStepInbox     = "inbox"      // the accepted order.created (inbox.AcceptedOrder); a lookup reads it only when the read model has no row
	voiceStepMemoWrite = "memo write" // the answer kept for repeats (voice.Store.Put), before the answer goes
	voiceStepAll       = "all"        // the five in a row
)

var voiceStepNames = []string{voiceStepMemoRead, voiceStepAttempts, voiceStepReadModel, voiceStepInbox, voiceStepMemoWrite, voiceStepAll}

// VoiceStep is one Postgres step of a voice lookup, timed beside the voice load.
type VoiceStep struct {
	Name    string  `json:"name"`
	Latency Latency `json:"latency"`
}

// voiceSteps times the steps on the run's database for random orders already created.
type voiceSteps struct {
	j     *journey
	pool  *pgxpool.Pool
	store voice.Store
	seq   atomic.Int64

	mu    sync.Mutex
	times map[string][]time.Duration
	err   error // the first step that failed; the figures then leave it out
}

func newVoiceSteps(j *journey, pool *pgxpool.Pool) *voiceSteps {
	return &voiceSteps{j: j, pool: pool, store: voice.NewStore(pool), times: map[string][]time.Duration{}}
}

// run times the steps rate times a second, from two goroutines so that one slow round does not
// cost the next its moment, until ctx ends.
func (v *voiceSteps) run(ctx context.Context, rate float64) {
	p := newPacer(rate)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for p.wait(ctx) == nil {
				if i := v.j.someCreated(); i >= 0 {
					v.round(ctx, v.j.orderID(i))
				}
			}
		})
	}
	wg.Wait()
}

// round takes every step once for order id and notes each one's time, unless the run ended
// under it.
func (v *voiceSteps) round(ctx context.Context, id string) {
	key := fmt.Sprintf("loadtest-voice-steps-%d", v.seq.Add(1)) // a call of its own: the memo misses, as a first call's does
	took := map[string]time.Duration{}
	step := func(name string, f func() error) error {
		t := time.Now()
		err := f()
		took[name] = time.Since(t)
		return err
	}
	err := errors.Join(
		step(voiceStepMemoRead, func() error { _, _, err := v.store.Get(ctx, key); return err }),
		step(voiceStepAttempts, func() error {
			_, err := v.store.Failures(ctx, "call:loadtest:"+key, voice.CallFailureWindow)
			return err
		}),
		step(voiceStepReadModel, func() error {
			_, _, err := db.GetOrder(ctx, v.pool, id)
			if errors.Is(err, db.ErrNotFound) {
				return nil // not applied yet: the lookup goes on to the inbox
			}
			return err
		}),
		step(voiceStepInbox, func() error { _, err := inbox.AcceptedOrder(ctx, v.pool, id); return err }),
		step(voiceStepMemoWrite, func() error { return v.store.Put(ctx, key, []byte(`{}`), time.Minute) }),
	)
	if ctx.Err() != nil {
		return // cut off by the end of the run, not slow
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		if v.err == nil {
			v.err = fmt.Errorf("voice steps of %s: %w", id, err)
		}
		return
	}
	var all time.Duration
	for name, d := range took {
		v.times[name] = append(v.times[name], d)
		all += d
	}
	v.times[voiceStepAll] = append(v.times[voiceStepAll], all)
}

// figures are the steps' distributions, in a lookup's order.
func (v *voiceSteps) figures() ([]VoiceStep, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]VoiceStep, 0, len(voiceStepNames))
	for _, name := range voiceStepNames {
		out = append(out, VoiceStep{Name: name, Latency: latencyOf(v.times[name])})
	}
	return out, v.err
}

// Package changes tells this process when an order changed anywhere: the projection announces
// every fresh write on a Postgres channel, and one listening connection per process fans the
// news out to the live views (SSE streams, tracking pages) that watch that order. Any replica
// may have written it; every replica hears it.
package changes

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
)

// Feed fans order-change notifications out to subscribers.
type Feed struct {
	db     *pgxpool.Pool
	logger *slog.Logger
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
}

// New returns a feed over pool; Run must be running for it to hear anything.
func New(pool *pgxpool.Pool, logger *slog.Logger) *Feed {
	return &Feed{db: pool, logger: logger, subs: map[string]map[chan struct{}]struct{}{}}
}

// Subscribe returns a channel that receives a value (coalesced: at most one pending) each time
// orderID changes, and the function that ends the subscription.
func (f *Feed) Subscribe(_ context.Context, orderID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	f.mu.Lock()
	if f.subs[orderID] == nil {
		f.subs[orderID] = map[chan struct{}]struct{}{}
	}
	f.subs[orderID][ch] = struct{}{}
	f.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			delete(f.subs[orderID], ch)
			if len(f.subs[orderID]) == 0 {
				delete(f.subs, orderID)
			}
			f.mu.Unlock()
		})
	}
}

// publish signals every subscriber of orderID without blocking.
func (f *Feed) publish(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs[orderID] {
		select {
		case ch <- struct{}{}:
		default: // one pending signal says it all: the subscriber reads the latest state
		}
	}
}

// Run listens until ctx ends, reconnecting after a lost connection. While it reconnects, a
// change may be missed; subscribers re-read the state when they reconnect, so none is lost for
// long.
func (f *Feed) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := f.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		f.logger.Warn("order change feed lost its connection; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (f *Feed) listen(ctx context.Context) error {
	conn, err := f.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+db.OrderChanges); err != nil {
		return err
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		f.publish(n.Payload)
	}
}

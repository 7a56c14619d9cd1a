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

// publishAll signals every subscriber, of every order.
func (f *Feed) publishAll() {
	f.mu.Lock()
	orders := make([]string, 0, len(f.subs))
	for id := range f.subs {
		orders = append(orders, id)
	}
	f.mu.Unlock()
	for _, id := range orders {
		f.publish(id)
	}
}

// Run listens until ctx ends, reconnecting after a lost connection. While it reconnects, a
// change may be missed, so once listening again it tells every subscriber to re-read the state:
// an open stream shows what happened while the feed was deaf.
func (f *Feed) Run(ctx context.Context) {
	for first := true; ctx.Err() == nil; first = false {
		err := f.listen(ctx, !first)
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

// listen holds one LISTEN connection until it fails; after a reconnect it wakes every
// subscriber once it hears again.
func (f *Feed) listen(ctx context.Context, reconnected bool) error {
	conn, err := f.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+db.OrderChanges); err != nil {
		return err
	}
	if reconnected {
		f.publishAll()
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		f.publish(n.Payload)
	}
}

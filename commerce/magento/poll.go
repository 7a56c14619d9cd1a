package magento

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/loop"
)

// Defaults of a Poller.
const (
	// DefaultInterval is how often the store is read when SHIPFLOW_MAGENTO_POLL_INTERVAL is
	// unset: a new order greets its customer within a minute, at two small requests a minute.
	DefaultInterval = time.Minute
	// DefaultPageSize is how many entities one request reads.
	DefaultPageSize = 50
	// DefaultMaxPages bounds one pass per feed, so a backlog (a first import, a store back
	// after an outage) is read over several passes and a pass never holds its lease for long.
	DefaultMaxPages = 20
	// firstLookback is where a feed never read starts: shortly before the first pass, so that
	// switching the poll on does not message every customer the store ever had.
	firstLookback = time.Hour
	// hold is the lease of one pass, renewed on every page; longer than any page takes.
	hold = 2 * time.Minute
)

// Outcomes of an entity read, the shipflow_commerce_poll_entities_total label.
const (
	OutcomeStored    = "stored"    // a new version, stored in the inbox
	OutcomeDuplicate = "duplicate" // a version already stored
	OutcomeIgnored   = "ignored"   // nothing to apply (pending_payment, a shipment without track)
	OutcomeSkipped   = "skipped"   // malformed or unmappable: logged and passed over
)

// Poller reads new and changed orders and shipments from Magento and stores each as an inbox
// delivery. Every serve replica runs one; a lease in Postgres (commerce_polls) lets one at a
// time poll, and the cursor there lets the next pass, on any replica, go on where it stopped.
type Poller struct {
	Client   *Client
	Inbox    *inbox.Inbox
	DB       db.Executor
	Interval time.Duration // DefaultInterval when zero
	PageSize int           // DefaultPageSize when zero
	MaxPages int           // DefaultMaxPages when zero
	Logger   *slog.Logger
	// Owner names this replica in commerce_polls.leased_by; the host and pid when empty.
	Owner string

	metricsOnce sync.Once
	entities    *prometheus.CounterVec
	passes      *prometheus.CounterVec
}

// Register adds the poller's metrics to reg.
func (p *Poller) Register(reg prometheus.Registerer) error {
	p.metrics()
	if err := reg.Register(p.entities); err != nil {
		return err
	}
	return reg.Register(p.passes)
}

func (p *Poller) metrics() {
	p.metricsOnce.Do(func() {
		p.entities = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_commerce_poll_entities_total",
			Help: "Entities read from a polled commerce platform, by source, feed and outcome (stored, duplicate, ignored, skipped).",
		}, []string{"source", "feed", "outcome"})
		p.passes = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_commerce_poll_passes_total",
			Help: "Poll passes over a commerce platform, by source and outcome (ok, error).",
		}, []string{"source", "outcome"})
	})
}

func (p *Poller) count(feed, outcome string) {
	p.metrics()
	p.entities.WithLabelValues(source, feed, outcome).Inc()
}

// Run polls until ctx ends. Each replica looks every quarter interval whether a pass is due;
// the lease makes one of them take it.
func (p *Poller) Run(ctx context.Context) {
	loop.Every(ctx, max(p.interval()/4, time.Second), func(ctx context.Context) {
		if _, err := p.Once(ctx); err != nil && ctx.Err() == nil {
			p.Logger.Error("poll magento", "err", err)
		}
	})
}

// Pass is what one pass did.
type Pass struct {
	Polled bool // false: another replica holds the poll, or it is not due
	// Read counts entities by outcome.
	Read map[string]int
}

// Once runs one pass if it is due and no other replica is in one: orders first, so that an
// order's creation is stored before its shipment, then shipments.
func (p *Poller) Once(ctx context.Context) (Pass, error) {
	pass := Pass{Read: map[string]int{}}
	l, ok, err := claim(ctx, p.DB, source, p.owner(), hold, time.Now().Add(-firstLookback))
	if err != nil || !ok {
		return pass, err
	}
	pass.Polled = true
	err = p.feed(ctx, &l, ResourceOrders, &pass)
	if err == nil {
		err = p.feed(ctx, &l, ResourceShipments, &pass)
	}
	why, wait := "", p.interval()
	if err != nil {
		why = err.Error()
		var api *APIError
		if errors.As(err, &api) && api.RetryAfter > wait {
			wait = api.RetryAfter
		}
	}
	p.metrics()
	p.passes.WithLabelValues(source, map[bool]string{true: "error", false: "ok"}[err != nil]).Inc()
	if rerr := l.release(context.WithoutCancel(ctx), p.DB, source, wait, why); rerr != nil && !errors.Is(err, ErrLeaseLost) {
		err = errors.Join(err, rerr)
	}
	return pass, err
}

// entry is one entity of a page: its body, or why it could not be fetched alone.
type entry struct {
	key    Key
	raw    json.RawMessage
	keyErr error // the entity's key does not read: it cannot move the cursor
	err    error // the entity could not be read at all
}

// feed reads one resource from its cursor, page by page, up to MaxPages.
func (p *Poller) feed(ctx context.Context, l *lease, resource string, pass *Pass) error {
	cursor := l.orders
	if resource == ResourceShipments {
		cursor = l.shipments
	}
	size := p.pageSize()
	for range p.maxPages() {
		entries, full, err := p.page(ctx, resource, cursor, size)
		if err != nil {
			return err
		}
		next, err := p.apply(ctx, resource, entries, cursor, pass)
		if err != nil {
			return err
		}
		moved := next != cursor
		if moved {
			if err := l.save(ctx, p.DB, source, resource, next, hold); err != nil {
				return err
			}
			cursor = next
		}
		if !full || !moved { // the end, or a page of nothing the cursor can pass
			return nil
		}
	}
	return nil
}

// page reads the page after cursor. A page that is not one (over MaxPage, not JSON) is read
// again as keys only, and its entities one by one, so one broken order costs itself, not the
// poll. full says a next page may follow.
func (p *Poller) page(ctx context.Context, resource string, cursor Key, size int) ([]entry, bool, error) {
	pg, err := p.Client.After(ctx, resource, cursor, size)
	if err == nil {
		entries := make([]entry, len(pg.Items))
		for i, raw := range pg.Items {
			entries[i].raw = raw
			entries[i].key, entries[i].keyErr = KeyOf(raw)
		}
		return entries, len(pg.Items) == size, nil
	}
	if !errors.Is(err, ErrMalformed) {
		return nil, false, err
	}
	p.Logger.Warn("magento page malformed; reading its entities one by one", "feed", resource, "err", err)
	keys, kerr := p.Client.KeysAfter(ctx, resource, cursor, size)
	if kerr != nil {
		return nil, false, fmt.Errorf("%w; its keys: %w", err, kerr)
	}
	var entries []entry
	for _, raw := range keys.Items {
		k, err := KeyOf(raw)
		if err != nil {
			entries = append(entries, entry{keyErr: err})
			continue
		}
		one, err := p.Client.One(ctx, resource, k.ID)
		switch {
		case errors.Is(err, ErrMalformed):
			entries = append(entries, entry{key: k, err: err})
		case err != nil:
			return nil, false, err
		case len(one.Items) == 0: // gone since the keys were read
		default:
			entries = append(entries, entry{key: k, raw: one.Items[0]})
		}
	}
	return entries, len(keys.Items) == size, nil
}

// apply stores what each entry maps to and returns the cursor after the last entry it may
// move past. A store failure (Postgres away) stops the page: it is read again next pass and
// the inbox dedupes what was stored.
func (p *Poller) apply(ctx context.Context, resource string, entries []entry, cursor Key, pass *Pass) (Key, error) {
	var numbers map[int64]string
	if resource == ResourceShipments {
		var err error
		if numbers, err = p.orderNumbers(ctx, entries); err != nil {
			return cursor, err
		}
	}
	for _, e := range entries {
		outcome, err := p.entry(ctx, resource, e, numbers)
		if err != nil {
			return cursor, err
		}
		pass.Read[outcome]++
		p.count(resource, outcome)
		if e.keyErr == nil && e.key.After(cursor) {
			cursor = e.key
		}
	}
	return cursor, nil
}

// entry maps and stores one entity, and says how it went; the error is for what should be
// tried again (the store, the API), not for the entity's own faults.
func (p *Poller) entry(ctx context.Context, resource string, e entry, numbers map[int64]string) (string, error) {
	skip := func(err error) (string, error) {
		p.Logger.Warn("magento entity skipped", "feed", resource, "entity_id", e.key.ID, "updated_at", e.key.UpdatedAt, "err", err)
		return OutcomeSkipped, nil
	}
	switch {
	case e.keyErr != nil:
		return skip(e.keyErr)
	case e.err != nil:
		return skip(e.err)
	}
	var deliveries []inbox.Delivery
	switch resource {
	case ResourceOrders:
		o, err := ParseOrder(e.raw)
		if errors.Is(err, inbox.ErrIgnored) {
			return OutcomeIgnored, nil
		}
		if err != nil {
			return skip(err)
		}
		deliveries = append(deliveries, o.Delivery)
		if o.Delivered {
			shipments, err := p.Client.OrderShipments(ctx, o.Key.ID)
			if err != nil {
				return "", fmt.Errorf("shipments of delivered order %s: %w", o.Number, err)
			}
			d, err := DeliveredEvents(o, shipments)
			switch {
			case errors.Is(err, inbox.ErrIgnored):
			case err != nil:
				p.Logger.Warn("magento delivered order's shipments skipped", "order", o.Number, "err", err)
			default:
				deliveries = append(deliveries, d)
			}
		}
	case ResourceShipments:
		orderID, err := ShipmentOrder(e.raw)
		if err != nil {
			return skip(err)
		}
		number, ok := numbers[orderID]
		if !ok {
			return skip(fmt.Errorf("shipment %d: its order %d is not in the store", e.key.ID, orderID))
		}
		s, err := ParseShipment(e.raw, number)
		if errors.Is(err, inbox.ErrIgnored) {
			return OutcomeIgnored, nil
		}
		if err != nil {
			return skip(err)
		}
		deliveries = append(deliveries, s.Delivery)
	}
	outcome := OutcomeDuplicate
	for _, d := range deliveries {
		a, err := p.Inbox.Accept(ctx, d)
		if err != nil {
			return "", err
		}
		if !a.Duplicate {
			outcome = OutcomeStored
		}
	}
	return outcome, nil
}

// orderNumbers looks up the increment_id of every order the page's shipments belong to.
func (p *Poller) orderNumbers(ctx context.Context, entries []entry) (map[int64]string, error) {
	var ids []int64
	for _, e := range entries {
		if e.raw == nil {
			continue
		}
		if id, err := ShipmentOrder(e.raw); err == nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	numbers, err := p.Client.OrderNumbers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("order numbers of shipments: %w", err)
	}
	return numbers, nil
}

func (p *Poller) interval() time.Duration { return cmpOr(p.Interval, DefaultInterval) }
func (p *Poller) pageSize() int           { return cmpOr(p.PageSize, DefaultPageSize) }
func (p *Poller) maxPages() int           { return cmpOr(p.MaxPages, DefaultMaxPages) }

func (p *Poller) owner() string {
	if p.Owner != "" {
		return p.Owner
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// cmpOr is v, or def when v is not positive.
func cmpOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

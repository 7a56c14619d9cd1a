// Package sim is a scripted carrier for shipflow dev, the demo and load
// tests: it tracks parcels that exist nowhere but in their tracking number,
// with no network and no credentials, and answers the same way in every
// process.
//
// A tracking number of the form SIM-<scenario>-<anything> picks a journey
// (see Scenario; an unknown or missing scenario is Smooth). The journey is
// a fixed script of scans, each at a whole number of steps after the
// parcel's origin, and Track returns the scans whose time has come. The
// origin is the time Start registered for the number, or else the first
// time this Carrier was asked about it. Step (the speed setting) is the
// time one step takes, DefaultStep unless set, so a newcomer watching
// shipflow dev sees a whole journey in a few minutes, and a load test can
// run one in seconds.
//
// Scans carry Source "poll", Carrier "sim", locations in Lithuania and
// Latvia, and ids hashed from the tracking number and the step alone: the
// same scan has the same id in any process, whatever its origin there.
package sim

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// Name is the sim carrier's name: shipments with this carrier are routed
// to it (track.Router's ByCarrier key).
const Name = "sim"

// DefaultStep is the time one journey step takes unless Step says
// otherwise: 20 s, so the smooth journey (5 steps) is delivered in under
// two minutes and the longest (9 steps) in three.
const DefaultStep = 20 * time.Second

// MinInterval is the polling floor for a sim parcel: no provider stands
// behind it, and a second keeps a demo lively.
const MinInterval = time.Second

// Carrier is the scripted carrier. It is safe for concurrent use; set Step
// before the first Track.
type Carrier struct {
	// Step is the time one journey step takes; zero or less means
	// DefaultStep.
	Step time.Duration

	clock   func() time.Time
	mu      sync.Mutex
	origins map[string]time.Time // by order.TrackingKey
}

// New returns a Carrier that reads the time from clock (time.Now when nil),
// so tests and the demo can run journeys on a clock of their own.
func New(clock func() time.Time) *Carrier {
	if clock == nil {
		clock = time.Now
	}
	return &Carrier{clock: clock, origins: map[string]time.Time{}}
}

// MinInterval implements track.Pacer.
func (c *Carrier) MinInterval() time.Duration { return MinInterval }

// Start sets the origin of trackingNumber's journey to t, so that
// processes (or a test) that share t see the same journey at the same
// times. It overrides an origin already taken from a first Track.
func (c *Carrier) Start(trackingNumber string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.origins[order.TrackingKey(trackingNumber)] = origin(t)
}

// Track returns the scans of the parcel's journey that have happened by
// now, oldest first, with the current delivery estimate on the newest. The
// carrier name is not consulted: every parcel asked of the sim carrier is
// a sim parcel.
func (c *Carrier) Track(ctx context.Context, _, trackingNumber string) (track.Result, error) {
	if err := ctx.Err(); err != nil {
		return track.Result{}, err
	}
	tn := strings.TrimSpace(trackingNumber)
	if tn == "" {
		return track.Result{}, &track.PermanentError{Err: track.ErrNotFound}
	}
	now := c.clock()
	c.mu.Lock()
	key := order.TrackingKey(tn)
	o, ok := c.origins[key]
	if !ok {
		o = origin(now)
		c.origins[key] = o
	}
	c.mu.Unlock()

	all := c.Journey(tn, o)
	n := 0
	for n < len(all) && !all[n].OccurredAt.After(now) {
		n++
	}
	if n == 0 {
		return track.Result{}, nil // Start placed the origin in the future
	}
	events := all[:n]
	events[n-1].EstimatedDelivery = c.estimate(tn, o, n-1)
	return track.Result{Events: events, ETA: events[n-1].EstimatedDelivery}, nil
}

// step is Step, or DefaultStep when unset.
func (c *Carrier) step() time.Duration {
	if c.Step > 0 {
		return c.Step
	}
	return DefaultStep
}

// origin is t as a journey origin: UTC, whole seconds, so that the times
// derived from it print and store the same everywhere.
func origin(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

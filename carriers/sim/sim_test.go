package sim_test

import (
	"context"
	"encoding/hex"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carriers/sim"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// clock is a settable time for a Carrier.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var origin = time.Date(2026, 5, 5, 8, 0, 0, 0, time.UTC)

// finals is where each journey ends, and how many scans it takes.
var finals = map[sim.Scenario]struct {
	status order.ShipmentStatus
	scans  int
}{
	sim.Smooth:    {order.ShipmentDelivered, 6},
	sim.Delayed:   {order.ShipmentInTransit, 3},
	sim.Failed:    {order.ShipmentDelivered, 8},
	sim.Exception: {order.ShipmentException, 4},
	sim.Return:    {order.ShipmentReturnedToSender, 8},
}

func TestJourneys(t *testing.T) {
	later := &clock{now: origin.Add(24 * time.Hour)}
	if len(sim.Scenarios()) != len(finals) {
		t.Fatalf("Scenarios() = %v; the test knows %d", sim.Scenarios(), len(finals))
	}
	for _, s := range sim.Scenarios() {
		t.Run(string(s), func(t *testing.T) {
			tn := sim.TrackingNumber(s, "1001")
			c := sim.New(later.Now)
			c.Start(tn, origin)
			res, err := c.Track(context.Background(), "sim", tn)
			if err != nil {
				t.Fatalf("Track: %v", err)
			}
			want := finals[s]
			if len(res.Events) != want.scans {
				t.Fatalf("%d scans, want %d: %+v", len(res.Events), want.scans, res.Events)
			}
			if got := res.Events[len(res.Events)-1].Status; got != want.status {
				t.Errorf("ends %s, want %s", got, want.status)
			}
			ids := map[string]bool{}
			for i, e := range res.Events {
				if err := e.Validate(); err != nil {
					t.Errorf("scan %d invalid: %v", i, err)
				}
				if b, err := hex.DecodeString(e.ID); err != nil || len(b) != 16 || ids[e.ID] {
					t.Errorf("scan %d id %q: not 32 hex digits, or repeated", i, e.ID)
				}
				ids[e.ID] = true
				if i > 0 && !e.OccurredAt.After(res.Events[i-1].OccurredAt) {
					t.Errorf("scan %d at %s is not after scan %d", i, e.OccurredAt, i-1)
				}
				if e.Source != "poll" || e.Carrier != "sim" || e.TrackingNumber != tn || e.Description == "" || e.Location.City == "" {
					t.Errorf("scan %d = %+v", i, e)
				}
				if e.Location.Country != "LT" && e.Location.Country != "LV" {
					t.Errorf("scan %d in %q, want Lithuania or Latvia", i, e.Location.Country)
				}
				if e.OccurredAt.Location() != time.UTC {
					t.Errorf("scan %d time %v not in UTC", i, e.OccurredAt)
				}
				if newest := i == len(res.Events)-1; !newest && e.EstimatedDelivery != nil {
					t.Errorf("scan %d is not the newest but carries an estimate", i)
				}
			}
			if first := res.Events[0]; !first.OccurredAt.Equal(origin) || first.Status != order.ShipmentInfoReceived {
				t.Errorf("first scan %s at %s, want info_received at the origin", first.Status, first.OccurredAt)
			}
			if !reflect.DeepEqual(res.ETA, res.Events[len(res.Events)-1].EstimatedDelivery) {
				t.Errorf("Result.ETA %v differs from the newest scan's", res.ETA)
			}

			// Another Carrier, another "process", agrees.
			other := sim.New(later.Now)
			other.Start(tn, origin)
			again, err := other.Track(context.Background(), "SIM", tn)
			if err != nil || !reflect.DeepEqual(again, res) {
				t.Errorf("a second Carrier answers differently:\n%+v\n%+v (%v)", res, again, err)
			}
		})
	}
}

// TestEstimates checks the estimate each journey ends with: late for the
// stalled parcel, moved a day for the failed attempt, withdrawn for the
// damaged and the returned parcel.
func TestEstimates(t *testing.T) {
	now := origin.Add(24 * time.Hour)
	c := sim.New(func() time.Time { return now })
	step := sim.DefaultStep
	for s, want := range map[sim.Scenario]*time.Time{
		sim.Smooth:    ptr(origin.Add(5 * step)),
		sim.Delayed:   ptr(origin.Add(5 * step)),
		sim.Failed:    ptr(origin.Add(9 * step)),
		sim.Exception: nil,
		sim.Return:    nil,
	} {
		tn := sim.TrackingNumber(s, "eta")
		c.Start(tn, origin)
		res, err := c.Track(context.Background(), "sim", tn)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.ETA, want) {
			t.Errorf("%s: ETA %v, want %v", s, res.ETA, want)
		}
		if s == sim.Delayed && !res.ETA.Before(now) {
			t.Errorf("delayed: ETA %s has not passed by %s", res.ETA, now)
		}
	}
}

// TestProgress checks that scans appear as their time comes, that a scan
// keeps its id as later ones arrive, and that the origin is the first poll
// when nothing registered one.
func TestProgress(t *testing.T) {
	clk := &clock{now: origin.Add(7 * time.Second)}
	c := sim.New(clk.Now)
	c.Step = 10 * time.Second
	tn := sim.TrackingNumber(sim.Failed, "42")
	full := c.Journey(tn, origin)
	var prev []order.TrackingEvent
	for _, want := range []int{1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 8, 8} {
		res, err := c.Track(context.Background(), "sim", tn)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != want {
			t.Fatalf("at %s: %d scans, want %d", clk.Now(), len(res.Events), want)
		}
		for i := range prev {
			if res.Events[i].ID != prev[i].ID || !res.Events[i].OccurredAt.Equal(prev[i].OccurredAt) {
				t.Errorf("scan %d changed: %+v, then %+v", i, prev[i], res.Events[i])
			}
		}
		for i, e := range res.Events {
			if e.ID != full[i].ID || e.Status != full[i].Status {
				t.Errorf("scan %d = %s %s, Journey says %s %s", i, e.ID, e.Status, full[i].ID, full[i].Status)
			}
		}
		prev = res.Events
		clk.Advance(10 * time.Second)
	}
	if got := full[0].OccurredAt; !got.Equal(origin) {
		t.Errorf("Journey from origin starts at %s", got)
	}
	// The first poll was 7 s after the hour: that is this parcel's origin.
	res, _ := c.Track(context.Background(), "sim", tn)
	if got, want := res.Events[0].OccurredAt, origin.Add(7*time.Second); !got.Equal(want) {
		t.Errorf("origin %s, want the first poll's time %s", got, want)
	}
}

// TestIDsIgnoreOrigin checks that a scan's id depends on the tracking
// number and the step only, so two processes whose first polls differ still
// record each scan once.
func TestIDsIgnoreOrigin(t *testing.T) {
	c := sim.New(nil)
	tn := sim.TrackingNumber(sim.Smooth, "7")
	a, b := c.Journey(tn, origin), c.Journey(" "+tn+" ", origin.Add(time.Hour))
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Errorf("scan %d: id %s from one origin, %s from another", i, a[i].ID, b[i].ID)
		}
	}
	if other := c.Journey(sim.TrackingNumber(sim.Smooth, "8"), origin); other[0].ID == a[0].ID {
		t.Errorf("two parcels share scan id %s", a[0].ID)
	}
}

func TestParseScenario(t *testing.T) {
	for tn, want := range map[string]sim.Scenario{
		"SIM-smooth-1":       sim.Smooth,
		"sim-FAILED-abc-def": sim.Failed,
		" SIM-return-9 ":     sim.Return,
		"SIM-exception":      sim.Exception,
		"SIM-delayed-":       sim.Delayed,
		"SIM-teleport-1":     sim.Smooth,
		"1Z999AA10123456784": sim.Smooth,
		"":                   sim.Smooth,
	} {
		if got := sim.ParseScenario(tn); got != want {
			t.Errorf("ParseScenario(%q) = %s, want %s", tn, got, want)
		}
	}
}

func TestStep(t *testing.T) {
	now := origin.Add(5 * time.Second)
	c := sim.New(func() time.Time { return now })
	c.Step = time.Second
	tn := sim.TrackingNumber(sim.Smooth, "fast")
	c.Start(tn, origin)
	res, err := c.Track(context.Background(), "sim", tn)
	if err != nil || len(res.Events) != 6 || res.Events[5].Status != order.ShipmentDelivered {
		t.Errorf("with 1 s steps, after 5 s: %+v, %v; want delivered", res.Events, err)
	}
}

func TestNotYetStarted(t *testing.T) {
	c := sim.New(func() time.Time { return origin })
	tn := sim.TrackingNumber(sim.Smooth, "future")
	c.Start(tn, origin.Add(time.Hour))
	res, err := c.Track(context.Background(), "sim", tn)
	if err != nil || len(res.Events) != 0 || res.ETA != nil {
		t.Errorf("before its origin: %+v, %v; want nothing", res, err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sim.New(nil).Track(ctx, "sim", "SIM-smooth-1")
	if !errors.Is(err, context.Canceled) || track.IsPermanent(err) {
		t.Errorf("error %v, want the context's, retryable", err)
	}
	if _, err := sim.New(nil).Track(context.Background(), "sim", " "); !track.IsPermanent(err) {
		t.Errorf("blank tracking number: error %v, want permanent", err)
	}
}

// TestRouted checks the sim carrier behind a track.Router, the way
// shipflow dev wires it.
func TestRouted(t *testing.T) {
	c := sim.New(nil)
	r := &track.Router{ByCarrier: map[string]track.Tracker{sim.Name: c}}
	res, err := r.Track(context.Background(), "SIM", "SIM-smooth-routed")
	if err != nil || len(res.Events) != 1 {
		t.Errorf("routed Track = %+v, %v; want the first scan", res, err)
	}
	if got := r.MinInterval("Sim"); got != time.Second {
		t.Errorf("MinInterval = %s, want 1s", got)
	}
}

// TestConcurrent runs polls of many parcels at once, for the race detector.
func TestConcurrent(t *testing.T) {
	c := sim.New(nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				tn := sim.TrackingNumber(sim.Scenarios()[(i+j)%5], "c")
				if _, err := c.Track(context.Background(), "sim", tn); err != nil {
					t.Error(err)
				}
				if j%10 == 0 {
					c.Start(tn, origin)
				}
			}
		})
	}
	wg.Wait()
}

func ptr(t time.Time) *time.Time { return &t }

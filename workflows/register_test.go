package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	carriers "github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// provider is one tracking provider as a deployment with only its key configured has it: the
// client that polls and registers, and the parser of its webhooks.
type provider struct {
	name  tracktest.Provider
	build func(url, key string) interface {
		track.Tracker
		track.Registrar
	}
	parse func([]byte) (inbox.Delivery, error)
}

var providers = []provider{
	{tracktest.AfterShip, func(url, key string) interface {
		track.Tracker
		track.Registrar
	} {
		return aftership.New(aftership.Config{APIKey: key, URL: url}, nil)
	}, aftership.ParseWebhook},
	{tracktest.EasyPost, func(url, key string) interface {
		track.Tracker
		track.Registrar
	} {
		return easypost.New(easypost.Config{APIKey: key, URL: url}, nil)
	}, easypost.ParseWebhook},
	{tracktest.ShipEngine, func(url, key string) interface {
		track.Tracker
		track.Registrar
	} {
		return shipengine.New(shipengine.Config{APIKey: key, URL: url}, nil)
	}, shipengine.ParseWebhook},
}

// registeredRun is a watched order run (the deployment's default timings) on a worker wired as
// cmd/shipflow wires one with only p's key: p polls and registers, carriers are named by the
// built-in table.
func registeredRun(t *testing.T, p provider, s *tracktest.Server, register bool) *run {
	t.Helper()
	client := p.build(s.URL(), s.APIKey())
	return providersRun(t, register, map[string]track.Tracker{string(p.name): client}, client)
}

// providersRun is registeredRun with these providers configured, rs in the order preferred.
func providersRun(t *testing.T, register bool, byName map[string]track.Tracker, rs ...track.Registrar) *run {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(testenv.SDKLogger())
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	ch, st := &channels{}, &staff{}
	worker.Register(env, worker.Deps{DB: testenv.DB(t), Notifier: ch, Escalator: ch,
		Tracker:    &track.Router{Default: byName[rs[0].Provider()], ByProvider: byName},
		Registrars: rs, Carriers: carriers.Builtin(),
		Alerters: map[string]escalate.Alerter{"chat": st}, Tickets: st})
	return &run{t: t, env: env, ch: ch, staff: st,
		orderID: fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()),
		settings: workflows.OrderSettings{ReviewRequestDelay: reviewDelay, PollInterval: 30 * time.Minute,
			StaleAfter: 48 * time.Hour, LateGrace: 12 * time.Hour, EscalationSLA: 24 * time.Hour, RegisterParcels: register}}
}

// push has the stand-in push what it knows of tn, as its provider's webhook, through the
// provider's parser to the order; it reports whether the provider had anything to push.
func (r *run) push(p provider, s *tracktest.Server, tn string) bool {
	body := s.Webhook(tn)
	if body == nil {
		return false
	}
	d, err := p.parse(body)
	if err != nil {
		r.t.Errorf("%s webhook: %v", p.name, err)
		return true
	}
	var in []workflows.Inbound
	for _, e := range d.Tracking {
		in = append(in, workflows.Inbound{Tracking: &e})
	}
	r.env.SignalWorkflow(workflows.EventsSignal, in)
	return true
}

// journeyAt is a parcel's scans from the shipment at t0+1m to delivery 31 hours later.
func journeyAt() []tracktest.Checkpoint {
	riga := order.Location{City: "Riga", Country: "LV"}
	vilnius := order.Location{City: "Vilnius", Country: "LT"}
	return []tracktest.Checkpoint{
		{At: t0.Add(30 * minute), Status: order.ShipmentInfoReceived, Description: "Shipment information received", Location: riga},
		{At: t0.Add(3 * hour), Status: order.ShipmentInTransit, Description: "Parcel picked up", Location: riga},
		{At: t0.Add(20 * hour), Status: order.ShipmentInTransit, Description: "Arrived at Kaunas hub", Location: order.Location{City: "Kaunas", Country: "LT"}},
		{At: t0.Add(30 * hour), Status: order.ShipmentOutForDelivery, Description: "Out for delivery", Location: vilnius},
		{At: t0.Add(31 * hour), Status: order.ShipmentDelivered, Description: "Delivered", Location: vilnius},
	}
}

// TestRegisteredParcelIsTrackedWithEachProvider is issue 19's first done-when: an order shipped
// with only one provider's key configured gets its parcel registered with that provider, the
// provider's pushes applied, and no stale exception; for AfterShip, EasyPost and ShipEngine,
// each against its stand-in, which knows (serves and pushes) only registered parcels.
//
// The parcel goes by UPS, which all three track (ShipEngine tracks no DPD).
func TestRegisteredParcelIsTrackedWithEachProvider(t *testing.T) {
	ups, _ := carriers.Builtin().Lookup("UPS")
	for _, p := range providers {
		t.Run(string(p.name), func(t *testing.T) {
			const tn = "05222267681234"
			s := tracktest.New(t, p.name)
			cps := journeyAt()
			s.SetCarrierEvents(tn, cps[:1]...)
			r := registeredRun(t, p, s, true)
			shipped := r.shipped(1*minute, "S1", tn, 5*day)
			shipped.Shipment.Carrier = ups.Name
			r.commerce(1*minute, shipped)
			pushes := 0
			for _, step := range []struct {
				at    time.Duration
				scans int
			}{{4 * hour, 2}, {21 * hour, 3}, {30*hour + 5*minute, 4}, {31*hour + 5*minute, 5}} {
				r.at(step.at, func() {
					s.SetCarrierEvents(tn, cps[:step.scans]...)
					if r.push(p, s, tn) {
						pushes++
					}
				})
			}
			r.at(2*hour, func() {
				v := r.query()
				sh := v.Shipments[0]
				if sh.TrackingProvider != string(p.name) || sh.Registration == nil || sh.Registration.Status != order.RegistrationRegistered {
					t.Errorf("shipment %+v, registration %+v; want registered with %s", sh, sh.Registration, p.name)
				}
				if code, ok := s.Registered(tn); !ok || code != map[tracktest.Provider]string{tracktest.AfterShip: ups.AfterShip, tracktest.EasyPost: ups.EasyPost, tracktest.ShipEngine: ups.ShipEngine}[p.name] {
					t.Errorf("%s has the parcel under %q (%v)", p.name, code, ok)
				}
			})
			r.at(4*day, r.env.CancelWorkflow)
			r.start()

			if pushes != 4 {
				t.Errorf("%d of 4 pushes had anything to push", pushes)
			}
			v := r.query()
			if v.Status != order.StatusDelivered || v.Exception != nil {
				t.Errorf("status %s, exception %+v; want delivered, none", v.Status, v.Exception)
			}
			var registered, raised int
			for _, e := range v.Timeline {
				switch e.Type {
				case order.EntryTrackingRegistered:
					registered++
				case order.EntryExceptionRaised:
					raised++
				}
			}
			if registered != 1 || raised != 0 {
				t.Errorf("timeline: %d registrations, %d exceptions; want 1 and 0", registered, raised)
			}
			if len(r.staff.alerts) != 0 {
				t.Errorf("staff alerted: %+v", r.staff.alerts)
			}
			r.ch.wantAnyOrder(t, "shipped/S1", "out_for_delivery/S1", "delivered/S1")
			// GET /v1/orders/{id} answers from the read model: staff see the registration there.
			rv, _, err := db.GetOrder(context.Background(), testenv.DB(t), r.orderID)
			if err != nil {
				t.Fatal(err)
			}
			if sh := rv.Shipments[0]; sh.TrackingProvider != string(p.name) || sh.Registration == nil {
				t.Errorf("read model: provider %q, registration %+v", sh.TrackingProvider, sh.Registration)
			}
		})
	}
}

// TestUnregisteredParcelGoesStale is the control: the same order with registration off (as
// orders shipped before it) leaves AfterShip without the parcel, so there is nothing to push
// or poll, and the shipment goes stale after two days.
func TestUnregisteredParcelGoesStale(t *testing.T) {
	const tn = "05222267681234"
	p := providers[0]
	s := tracktest.New(t, p.name)
	s.SetCarrierEvents(tn, journeyAt()...)
	r := registeredRun(t, p, s, false)
	r.commerce(1*minute, r.shipped(1*minute, "S1", tn, 10*day))
	r.at(4*hour, func() {
		if r.push(p, s, tn) {
			t.Error("AfterShip pushed a parcel nobody registered")
		}
	})
	r.at(49*hour+2*minute, func() {
		v := r.query()
		if v.Exception == nil || v.Exception.Reason != order.ReasonStale {
			t.Errorf("exception %+v, want stale", v.Exception)
		}
		if v.Shipments[0].Registration != nil {
			t.Errorf("registration %+v with registration off", v.Shipments[0].Registration)
		}
		r.env.CancelWorkflow()
	})
	r.start()
	if _, ok := s.Registered(tn); ok {
		t.Error("the parcel was registered with registration off")
	}
}

// TestRefusedParcelFallsBackToTheNextProvider registers with AfterShip first, which refuses
// the carrier, then EasyPost, which takes it: the refusal is recorded for staff, and the
// parcel is polled at EasyPost.
func TestRefusedParcelFallsBackToTheNextProvider(t *testing.T) {
	const tn = "05222267681234"
	as, ep := tracktest.New(t, tracktest.AfterShip), tracktest.New(t, tracktest.EasyPost)
	dpd, _ := carriers.Builtin().Lookup("DPD")
	as.Unsupported(dpd.AfterShip)
	for _, s := range []*tracktest.Server{as, ep} {
		s.SetCarrierEvents(tn, journeyAt()[:2]...)
	}
	asc := aftership.New(aftership.Config{APIKey: as.APIKey(), URL: as.URL()}, nil)
	epc := easypost.New(easypost.Config{APIKey: ep.APIKey(), URL: ep.URL()}, nil)
	r := providersRun(t, true, map[string]track.Tracker{"aftership": asc, "easypost": epc}, asc, epc)
	r.commerce(1*minute, r.shipped(1*minute, "S1", tn, 5*day))
	r.at(6*hour, func() {
		v := r.query()
		reg := v.Shipments[0].Registration
		if reg == nil || reg.Provider != "easypost" || len(reg.Refusals) != 1 || reg.Refusals[0].Provider != "aftership" {
			t.Fatalf("registration %+v; want easypost after aftership's refusal", reg)
		}
		if v.Shipments[0].Status != order.ShipmentInTransit {
			t.Errorf("status %s: EasyPost's scans were not polled", v.Shipments[0].Status)
		}
		if as.Requests(tn) != 1 {
			t.Errorf("AfterShip asked %d times, want the one refused registration (no polls)", as.Requests(tn))
		}
		r.env.CancelWorkflow()
	})
	r.start()
}

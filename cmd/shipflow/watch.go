package main

import (
	"net/http"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/carriers/sim"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/freshdesk"
	"github.com/shipflow/shipflow/escalate/googlechat"
	"github.com/shipflow/shipflow/escalate/slack"
	"github.com/shipflow/shipflow/escalate/teams"
	"github.com/shipflow/shipflow/escalate/zendesk"
	"github.com/shipflow/shipflow/track"
)

// trackingProvider is one tracking API with a key: it polls and registers parcels.
type trackingProvider interface {
	track.Tracker
	track.Registrar
}

// trackingProviders are the tracking APIs with a key, in the one order both polling and
// registration prefer them: AfterShip, EasyPost, ShipEngine.
func (a *app) trackingProviders() []trackingProvider {
	hc := &http.Client{Timeout: 10 * time.Second}
	c := a.cfg
	var ps []trackingProvider
	if c.AfterShip.APIKey != "" {
		ps = append(ps, aftership.New(aftership.Config{APIKey: c.AfterShip.APIKey, URL: c.AfterShip.URL}, hc))
	}
	if c.EasyPost.APIKey != "" {
		ps = append(ps, easypost.New(easypost.Config{APIKey: c.EasyPost.APIKey, URL: c.EasyPost.URL}, hc))
	}
	if c.ShipEngine.APIKey != "" {
		ps = append(ps, shipengine.New(shipengine.Config{APIKey: c.ShipEngine.APIKey, URL: c.ShipEngine.URL}, hc))
	}
	return ps
}

// tracker routes polls to the first tracking API with a key, and a parcel registered with
// one of them to that one; the scripted sim carrier is always there, for dev, the demo and
// load tests.
func (a *app) tracker() *track.Router {
	s := sim.New(time.Now)
	s.Step = a.cfg.SimStep
	r := &track.Router{ByCarrier: map[string]track.Tracker{sim.Name: s}, ByProvider: map[string]track.Tracker{}}
	ps := a.trackingProviders()
	if len(ps) == 0 {
		a.log.Info("carrier polling off for real carriers: no AFTERSHIP_API_KEY, EASYPOST_API_KEY or SHIPENGINE_API_KEY; the sim carrier is polled")
		return r
	}
	r.Default = ps[0]
	for _, p := range ps {
		r.ByProvider[p.Provider()] = p
	}
	return r
}

// registrars are the tracking APIs parcels are registered with, in the order they are tried;
// none when SHIPFLOW_REGISTER_PARCELS is off.
func (a *app) registrars() []track.Registrar {
	if !a.cfg.RegisterParcels {
		return nil
	}
	var rs []track.Registrar
	for _, p := range a.trackingProviders() {
		rs = append(rs, p)
	}
	return rs
}

// carriers is the carrier table registrations and estimates name carriers by: the built-in
// one with the merchant's SHIPFLOW_CARRIERS_FILE over it.
func (a *app) carriers() *carrier.Table {
	if a.cfg.Carriers == nil {
		return carrier.Builtin()
	}
	return a.cfg.Carriers
}

// staff builds the configured staff chats and the ticketing system (nil when off): Zendesk,
// else Freshdesk.
func (a *app) staff() (map[string]escalate.Alerter, escalate.Tickets) {
	hc := &http.Client{Timeout: 15 * time.Second}
	alerters := map[string]escalate.Alerter{}
	if u := a.cfg.Alerts.SlackURL; u != "" {
		alerters[config.ChatSlack] = slack.New(u, hc)
	}
	if u := a.cfg.Alerts.TeamsURL; u != "" {
		alerters[config.ChatTeams] = teams.New(u, hc)
	}
	if u := a.cfg.Alerts.GoogleChatURL; u != "" {
		alerters[config.ChatGoogleChat] = googlechat.New(u, hc)
	}
	switch z, f := a.cfg.Zendesk, a.cfg.Freshdesk; {
	case a.cfg.ZendeskOn():
		return alerters, zendesk.New(zendesk.Config{URL: z.URL, Email: z.Email, APIToken: z.APIToken}, hc)
	case f.On():
		return alerters, freshdesk.New(freshdesk.Config{Domain: f.Domain, URL: f.URL, APIKey: f.APIKey, Requester: f.RequesterEmail}, hc)
	}
	return alerters, nil
}

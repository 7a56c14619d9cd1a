package main

import (
	"net/http"
	"time"

	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/carriers/sim"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/googlechat"
	"github.com/shipflow/shipflow/escalate/slack"
	"github.com/shipflow/shipflow/escalate/teams"
	"github.com/shipflow/shipflow/escalate/zendesk"
	"github.com/shipflow/shipflow/track"
)

// tracker routes polls to the first tracking API with a key (AfterShip, then EasyPost, then
// ShipEngine); the scripted sim carrier is always there, for dev, the demo and load tests.
func (a *app) tracker() *track.Router {
	hc := &http.Client{Timeout: 10 * time.Second}
	s := sim.New(time.Now)
	s.Step = a.cfg.SimStep
	r := &track.Router{ByCarrier: map[string]track.Tracker{sim.Name: s}}
	switch c := a.cfg; {
	case c.AfterShip.APIKey != "":
		r.Default = aftership.New(aftership.Config{APIKey: c.AfterShip.APIKey, URL: c.AfterShip.URL}, hc)
	case c.EasyPost.APIKey != "":
		r.Default = easypost.New(easypost.Config{APIKey: c.EasyPost.APIKey, URL: c.EasyPost.URL}, hc)
	case c.ShipEngine.APIKey != "":
		r.Default = shipengine.New(shipengine.Config{APIKey: c.ShipEngine.APIKey, URL: c.ShipEngine.URL}, hc)
	default:
		a.log.Info("carrier polling off for real carriers: no AFTERSHIP_API_KEY, EASYPOST_API_KEY or SHIPENGINE_API_KEY; the sim carrier is polled")
	}
	return r
}

// staff builds the configured staff chats and the ticketing system (nil when off).
func (a *app) staff() (map[string]escalate.Alerter, escalate.Tickets) {
	hc := &http.Client{Timeout: 15 * time.Second}
	alerters := map[string]escalate.Alerter{}
	if u := a.cfg.Alerts.SlackURL; u != "" {
		alerters["slack"] = slack.New(u, hc)
	}
	if u := a.cfg.Alerts.TeamsURL; u != "" {
		alerters["teams"] = teams.New(u, hc)
	}
	if u := a.cfg.Alerts.GoogleChatURL; u != "" {
		alerters["google_chat"] = googlechat.New(u, hc)
	}
	z := a.cfg.Zendesk
	if z.URL == "" || z.Email == "" || z.APIToken == "" {
		return alerters, nil
	}
	return alerters, zendesk.New(zendesk.Config{URL: z.URL, Email: z.Email, APIToken: z.APIToken}, hc)
}

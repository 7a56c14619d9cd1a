package main

import (
	"testing"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/escalate/freshdesk"
	"github.com/shipflow/shipflow/escalate/zendesk"
)

// TestStaffTickets checks which ticketing system exceptions use: Zendesk when it is
// configured, else Freshdesk, else none; and that the order settings say so.
func TestStaffTickets(t *testing.T) {
	zd := config.Zendesk{URL: "https://shop.zendesk.com", Email: "ops@shop.example", APIToken: "t"}
	fd := config.Freshdesk{Domain: "shop", APIKey: "k", RequesterEmail: "ops@shop.example"}
	for _, c := range []struct {
		name string
		cfg  config.Config
		want string
	}{
		{"none", config.Config{}, ""},
		{"zendesk", config.Config{Zendesk: zd}, "zendesk"},
		{"freshdesk", config.Config{Freshdesk: fd}, "freshdesk"},
		{"both", config.Config{Zendesk: zd, Freshdesk: fd}, "zendesk"},
		{"freshdesk without requester", config.Config{Freshdesk: config.Freshdesk{Domain: "shop", APIKey: "k"}}, ""},
	} {
		a := &app{cfg: &c.cfg}
		_, tk := a.staff()
		var got string
		switch tk.(type) {
		case *zendesk.Tickets:
			got = "zendesk"
		case *freshdesk.Tickets:
			got = "freshdesk"
		}
		if got != c.want || a.orderSettings().Tickets != (c.want != "") {
			t.Errorf("%s: tickets %q (settings say %v), want %q", c.name, got, a.orderSettings().Tickets, c.want)
		}
	}
}

package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// entries is the audit trail through f, all of it (f.Limit entries at most).
func entries(t *testing.T, f audit.Filter) []audit.Entry {
	t.Helper()
	es, _, err := audit.List(t.Context(), testenv.DB(t), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// only returns the one entry of es with action whose detail holds every key of detail with the
// value given, failing unless there is exactly one, by the console's person via the console.
func only(t *testing.T, es []audit.Entry, action audit.Action, subject string, detail map[string]any) audit.Entry {
	t.Helper()
	var found []audit.Entry
	for _, e := range es {
		if e.Action != action || e.Subject != subject {
			continue
		}
		match := true
		for k, v := range detail {
			if fmt.Sprint(e.Detail[k]) != fmt.Sprint(v) {
				match = false
			}
		}
		if match {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s entries of %q with %v, want one, in %+v", len(found), action, subject, detail, es)
	}
	if e := found[0]; e.Actor != actor || e.Via != access.ViaConsole {
		t.Errorf("%s attributed to %q via %q, want %q via console", action, e.Actor, e.Via, actor)
	}
	return found[0]
}

// TestConsoleAccessIsAudited: an order's page, a search, each action on the order and an
// inbox replay are one audit entry each, the session's person's, and the order page shows its
// latest in an Access section.
func TestConsoleAccessIsAudited(t *testing.T) {
	pool := testenv.DB(t)
	in := inbox.New(pool)
	l := newLive(t, func(con *console.Console) { con.Inbox = in })
	id := orderID(t)
	l.startOrder(id)
	page := "/console/orders/" + url.PathEscape(id)
	byOrder := audit.Filter{OrderID: id}

	st, body := l.get(page)
	if st != http.StatusOK {
		t.Fatalf("order page: %d", st)
	}
	only(t, entries(t, byOrder), audit.ActionReadOrder, id, map[string]any{"read": "page"})
	access := body[strings.Index(body, `id="access"`):]
	contains(t, "the order page's Access section", access, "order.read", actor, "console", "read: page")

	// A search by the order's id: its subject is the text as typed.
	if st, body := l.get("/console/orders?q=" + url.QueryEscape(id)); st != http.StatusOK || !strings.Contains(body, id) {
		t.Fatalf("search: %d", st)
	}
	only(t, entries(t, audit.Filter{Actor: actor}), audit.ActionListOrders, id, map[string]any{"as": "order id or tracking number", "orders": 1})

	testenv.Eventually(t, 10*time.Second, func() bool { return len(messages(t, id)) >= 1 }, "no message logged")
	_, body = l.get(page)
	token := match(t, body, `name="resend" value="([^"]+)"`)
	first := messages(t, id)[0]
	if st, _, body := l.post(page+"/resend", url.Values{"notification": {fmt.Sprint(first.ID)}, "resend": {token}}); st != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", st, body)
	}
	if st, _, body := l.post(page+"/channels", url.Values{"channel": {"sms", "email"}}); st != http.StatusSeeOther {
		t.Fatalf("channels: %d %s", st, body)
	}
	if st, _, body := l.post(page+"/resolve", url.Values{"note": {"called the carrier"}}); st != http.StatusSeeOther {
		t.Fatalf("resolve: %d %s", st, body)
	}
	// Refused: nothing open any more; no entry.
	if st, _, _ := l.post(page+"/resolve", url.Values{"note": {"again"}}); st != http.StatusConflict {
		t.Errorf("second resolve: %d", st)
	}
	es := entries(t, byOrder)
	only(t, es, audit.ActionResend, id, map[string]any{"notification": first.ID, "channel": first.Channel})
	only(t, es, audit.ActionSetChannels, id, map[string]any{"channels": []order.Channel{order.ChannelSMS, order.ChannelEmail}})
	only(t, es, audit.ActionResolveException, id, map[string]any{"by": actor})

	// An inbox replay of a delivery about the order.
	a, err := in.Accept(t.Context(), inbox.Delivery{Source: inbox.SourceCommerce, EventID: id + "-replayed",
		Commerce: []order.CommerceEvent{{ID: id + "-note", Type: order.EventConfirmed, OrderID: id, Timestamp: time.Now()}}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, body := l.post(fmt.Sprintf("/console/inbox/%d/replay", a.ID), url.Values{"status": {"pending"}}); st != http.StatusSeeOther {
		t.Fatalf("replay: %d %s", st, body)
	}
	e := only(t, entries(t, byOrder), audit.ActionReplayEvent, fmt.Sprint(a.ID), nil)
	if e.OrderID != id {
		t.Errorf("replay entry %+v: not the order's", e)
	}

	// The order page shows the latest accesses, newest first.
	_, body = l.get(page)
	access = body[strings.Index(body, `id="access"`):]
	contains(t, "the Access section after the actions", access, "inbound.replay", "order.resolve", "order.channels", "order.resend")
	if strings.Index(access, "inbound.replay") > strings.Index(access, "order.resolve") {
		t.Error("the Access section is not newest first")
	}
}

// TestConsoleWebhookChangeAuditedOnce: a webhook created and deleted from the console is one
// endpoint.change entry each, the person's via the console, though the console goes through the
// JSON API's operations.
func TestConsoleWebhookChangeAuditedOnce(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	id, _ := h.create(url.Values{"url": {rcv.URL}, "description": {"audited"}})
	h.submit("/console/webhooks/"+id+"/disable", nil)
	h.submit("/console/webhooks/"+id+"/delete", nil)
	es := entries(t, audit.Filter{Actor: actor})
	only(t, es, audit.ActionEndpointChange, id, map[string]any{"op": "create", "kind": "webhook"})
	only(t, es, audit.ActionEndpointChange, id, map[string]any{"op": "update"})
	only(t, es, audit.ActionEndpointChange, id, map[string]any{"op": "delete"})
}

// TestAuditPage: the console's audit trail, filtered by person and by order, a page at a time,
// linked from every page's menu; reading it is in it, and its filters are checked.
func TestAuditPage(t *testing.T) {
	b := newConsole(t, nil)
	id := fmt.Sprintf("audit-page-%d", time.Now().UnixNano())
	ctx := access.WithActor(t.Context(), access.Actor{Name: "voice-bot", Via: access.ViaVoice})
	for i := range 55 {
		if err := audit.Append(ctx, testenv.DB(t), audit.Entry{Action: audit.ActionVoiceLookup, Subject: id, OrderID: id,
			Detail: map[string]any{"n": i, "verified": i%2 == 0}}); err != nil {
			t.Fatal(err)
		}
	}
	st, body := b.get("/console/orders")
	if st != http.StatusOK || !strings.Contains(body, `href="/console/audit"`) {
		t.Fatalf("the menu has no link to the audit page: %d", st)
	}
	st, body = b.get("/console/audit?order=" + url.QueryEscape(id) + "&actor=voice-bot")
	if st != http.StatusOK {
		t.Fatalf("audit page: %d %s", st, body)
	}
	contains(t, "the audit page", body, `aria-current="page">Audit`, "voice.lookup", "voice-bot", "n: 54, verified: true", `value="voice-bot"`)
	if n := strings.Count(body, "<td class=\"full\">"); n != 50 {
		t.Errorf("%d entries on the first page, want 50", n)
	}
	next := match(t, body, `href="(/console/audit\?[^"]+)">Older entries`)
	st, body = b.get(strings.ReplaceAll(next, "&amp;", "&"))
	if st != http.StatusOK || strings.Count(body, "<td class=\"full\">") != 5 || !strings.Contains(body, "n: 0, verified: true") || strings.Contains(body, "Older entries") {
		t.Errorf("second page: %d, %d entries", st, strings.Count(body, "<td class=\"full\">"))
	}
	only(t, entries(t, audit.Filter{Actor: actor}), audit.ActionReadAudit, id, map[string]any{"actor": "voice-bot", "entries": 50})

	for _, q := range []string{"cursor=zzz", "actor=a%00b", "order=" + strings.Repeat("x", 129)} {
		if st, body := b.get("/console/audit?" + q); st != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
			t.Errorf("?%s: %d, want 400 with a problem page", q, st)
		}
	}
}

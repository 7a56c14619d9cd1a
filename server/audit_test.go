package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// auditEntry is an entry as GET /v1/audit answers it.
type auditEntry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Via     string         `json:"via"`
	Action  string         `json:"action"`
	Subject string         `json:"subject"`
	OrderID string         `json:"order_id"`
	Detail  map[string]any `json:"detail"`
}

// auditPage is GET /v1/audit?query, which must answer 200.
func (s *stack) auditPage(t *testing.T, query string) ([]auditEntry, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/audit?"+query, nil)
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Entries []auditEntry `json:"entries"`
		Next    string       `json:"next_cursor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/audit?%s: %d %v", query, resp.StatusCode, err)
	}
	return page.Entries, page.Next
}

// wantEntry waits for an entry of action matching the rest of want (its actor, via, subject and
// order; detail keys given must hold the values given) among those query lists, and returns it.
func (s *stack) wantEntry(t *testing.T, query string, want auditEntry) auditEntry {
	t.Helper()
	var got []auditEntry
	var found auditEntry
	testenv.Eventually(t, 10*time.Second, func() bool {
		got, _ = s.auditPage(t, query+"&limit=200")
		for _, e := range got {
			if e.Action != want.Action || e.Actor != want.Actor || e.Via != want.Via || e.Subject != want.Subject || e.OrderID != want.OrderID {
				continue
			}
			match := true
			for k, v := range want.Detail {
				if fmt.Sprint(e.Detail[k]) != fmt.Sprint(v) {
					match = false
				}
			}
			if match {
				found = e
				return true
			}
		}
		return false
	}, "no audit entry %+v in %v", want, testenv.Last(&got))
	return found
}

// TestAPIAccessIsAudited: every /v1 read and change of an order, search and inbox operation is
// in the audit trail, attributed to the token (the stack's unnamed one: admin-1) via api.
func TestAPIAccessIsAudited(t *testing.T) {
	s := newStack(t)
	id := uniqueID("audited")
	tracking := "AUD" + id
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	s.sendCommerce(t, id+"-s", "order.shipped", shipped(id, "S1", "DPD", tracking))
	awaitOrder(t, id, "shipped", statusIs(order.StatusShipped))
	q := "order_id=" + url.QueryEscape(id)
	api := func(action, subject, orderID string, detail map[string]any) auditEntry {
		return auditEntry{Actor: "admin-1", Via: "api", Action: action, Subject: subject, OrderID: orderID, Detail: detail}
	}

	// Reads: the order and its stream (once, when opened); its messages' read is in
	// TestNotificationLogOfAnOrder.
	testenv.Eventually(t, 10*time.Second, func() bool {
		code, _ := s.admin(t, http.MethodGet, "/v1/orders/"+id)
		return code == http.StatusOK
	}, "order %s never readable", id)
	s.wantEntry(t, q, api("order.read", id, id, map[string]any{"read": "view"}))
	req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/orders/"+id+"/stream", nil)
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %v %v", resp, err)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.wantEntry(t, q, api("order.read", id, id, map[string]any{"read": "stream"}))
	if code, _ := s.admin(t, http.MethodGet, "/v1/orders/no-such-"+id); code != http.StatusNotFound {
		t.Errorf("unknown order: %d", code)
	}

	// A search: its subject is the query as given, its other filters the detail.
	if code, out := s.admin(t, http.MethodGet, "/v1/orders?tracking_number="+tracking+"&carrier=DPD"); code != http.StatusOK || len(out["orders"].([]any)) != 1 {
		t.Fatalf("search: %d %v", code, out)
	}
	s.wantEntry(t, "actor=admin-1", api("orders.list", tracking, "", map[string]any{"carrier": "DPD", "orders": 1}))

	// A change: an exception resolved.
	body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"carrier": "DPD", "tracking_number": tracking, "status": "exception", "description": "damaged", "occurred_at": time.Now().UTC().Format(time.RFC3339)}})
	s.mustAccept(t, "/webhooks/carriers/generic", signedCarrier(t, id+"-x", body), body)
	awaitOrder(t, id, "exception", statusIs(order.StatusException))
	if code, out := s.adminBody(t, http.MethodPost, "/v1/orders/"+id+"/exception/resolve", `{"note":"re-sent","by":"ops@shop"}`); code != http.StatusOK {
		t.Fatalf("resolve: %d %v", code, out)
	}
	s.wantEntry(t, q, api("order.resolve", id, id, map[string]any{"by": "ops@shop"}))
	// A refused change leaves no entry.
	if code, _ := s.adminBody(t, http.MethodPost, "/v1/orders/"+id+"/exception/resolve", `{"note":"again"}`); code != http.StatusConflict {
		t.Errorf("second resolve: %d", code)
	}
	entries, _ := s.auditPage(t, q+"&limit=200")
	resolves := 0
	for _, e := range entries {
		if e.Action == "order.resolve" {
			resolves++
		}
	}
	if resolves != 1 {
		t.Errorf("%d order.resolve entries, want the one that resolved", resolves)
	}

	// The inbox: a list, and a replay of the order's own delivery.
	if code, _ := s.admin(t, http.MethodGet, "/v1/inbound-events?status=applied&limit=1"); code != http.StatusOK {
		t.Fatalf("inbound list: %d", code)
	}
	s.wantEntry(t, "actor=admin-1", api("inbound.read", "", "", map[string]any{"status": "applied", "events": 1}))
	events, err := inbox.New(testenv.DB(t)).ForOrder(t.Context(), id, []string{tracking}, time.Now().Add(-time.Hour), 10)
	if err != nil || len(events) == 0 {
		t.Fatalf("the order's inbound events: %v %v", events, err)
	}
	ev := events[len(events)-1]
	if code, out := s.admin(t, http.MethodPost, fmt.Sprintf("/v1/inbound-events/%d/replay", ev.ID)); code != http.StatusOK {
		t.Fatalf("replay: %d %v", code, out)
	}
	s.wantEntry(t, q, api("inbound.replay", fmt.Sprint(ev.ID), id, map[string]any{"source": ev.Source}))
}

// TestWebhookChangesAreAudited: creating, changing, rotating and deleting an endpoint are each
// one endpoint.change entry naming the endpoint.
func TestWebhookChangesAreAudited(t *testing.T) {
	s := newStack(t)
	code, ep := s.adminBody(t, http.MethodPost, "/v1/webhook-endpoints", `{"url":"https://erp.example.com/audit","event_types":["order.shipped"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, ep)
	}
	id := ep["id"].(string)
	if code, out := s.adminBody(t, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"enabled":false}`); code != http.StatusOK {
		t.Fatalf("update: %d %v", code, out)
	}
	if code, out := s.admin(t, http.MethodPost, "/v1/webhook-endpoints/"+id+"/rotate-secret"); code != http.StatusOK {
		t.Fatalf("rotate: %d %v", code, out)
	}
	// A refused change leaves no entry.
	if code, _ := s.adminBody(t, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"url":"http://10.0.0.1/x"}`); code < 400 {
		t.Fatalf("a private URL was taken: %d", code)
	}
	req, _ := http.NewRequest(http.MethodDelete, s.url+"/v1/webhook-endpoints/"+id, nil)
	req.Header.Set("Authorization", "Bearer admin")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v %v", resp, err)
	}
	var ops []string
	entries, _ := s.auditPage(t, "actor=admin-1&limit=200")
	for _, e := range entries {
		if e.Action == "endpoint.change" && e.Subject == id {
			if e.Via != "api" || e.OrderID != "" {
				t.Errorf("entry %+v", e)
			}
			ops = append(ops, fmt.Sprint(e.Detail["op"]))
		}
	}
	if got := strings.Join(ops, " "); got != "delete rotate-secret update create" {
		t.Errorf("endpoint %s's entries, newest first: %q", id, got)
	}
}

// TestVoiceLookupsAreAudited: a voice lookup is an entry attributed to the platform, via voice,
// saying whether the caller was verified; an unknown order's names the number given.
func TestVoiceLookupsAreAudited(t *testing.T) {
	s := newStack(t)
	id := uniqueID("voiceaudit")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	awaitOrder(t, id, "created", statusIs(order.StatusCreated))
	if _, out, _ := s.voiceCall(t, "call-ok-"+id, map[string]any{"order_number": id, "caller_phone": "+370 600 00000"}); out["status"] != "success" {
		t.Fatalf("verified lookup: %v", out)
	}
	if _, out, _ := s.voiceCall(t, "call-no-"+id, map[string]any{"order_number": id, "caller_phone": "+37069999999"}); out["status"] != "verification_required" {
		t.Fatalf("unverified lookup: %v", out)
	}
	if _, out, _ := s.voiceCall(t, "call-nf-"+id, map[string]any{"order_number": "nope-" + id, "caller_phone": "+37060000000"}); out["status"] != "not_found" {
		t.Fatalf("unknown order: %v", out)
	}
	q := "order_id=" + url.QueryEscape(id)
	voiceEntry := func(call, outcome string, verified bool) auditEntry {
		return auditEntry{Actor: "voice-1", Via: "voice", Action: "voice.lookup", Subject: id, OrderID: id,
			Detail: map[string]any{"verified": verified, "outcome": outcome, "call_id": call + id, "tool": "lookup_shipment_status"}}
	}
	s.wantEntry(t, q, voiceEntry("call-ok-", "verified", true))
	s.wantEntry(t, q, voiceEntry("call-no-", "unverified", false))
	s.wantEntry(t, "actor=voice-1", auditEntry{Actor: "voice-1", Via: "voice", Action: "voice.lookup", Subject: "nope-" + id,
		Detail: map[string]any{"verified": false, "outcome": "not_found"}})
	// The platform's retry of the same call is the same access: no second entry.
	s.voiceCall(t, "call-ok-"+id, map[string]any{"order_number": id, "caller_phone": "+370 600 00000"})
	time.Sleep(200 * time.Millisecond) // the retry's entry, if it were written, is written by now
	entries, _ := s.auditPage(t, q+"&actor=voice-1")
	if len(entries) != 2 {
		t.Errorf("voice entries of the order: %+v, want the verified and the unverified lookup", entries)
	}
}

// TestAuditQuery: GET /v1/audit by order and by actor, newest first, a page at a time, with
// its input checked; reading it is itself an entry.
func TestAuditQuery(t *testing.T) {
	s := newStack(t)
	id := uniqueID("auditq")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	awaitOrder(t, id, "created", statusIs(order.StatusCreated))
	for range 5 {
		testenv.Eventually(t, 10*time.Second, func() bool {
			code, _ := s.admin(t, http.MethodGet, "/v1/orders/"+id)
			return code == http.StatusOK
		}, "order %s never readable", id)
	}
	q := "order_id=" + url.QueryEscape(id)
	var all []auditEntry
	cursor := ""
	for pages := 0; ; pages++ {
		page, next := s.auditPage(t, q+"&limit=2&cursor="+url.QueryEscape(cursor))
		if len(page) > 2 || pages > 10 {
			t.Fatalf("page of %d entries, %d pages", len(page), pages)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) < 5 {
		t.Fatalf("%d entries of order %s, want the 5 reads: %+v", len(all), id, all)
	}
	for i, e := range all {
		if e.OrderID != id || e.Action != "order.read" || e.Actor != "admin-1" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if i > 0 && (e.At.After(all[i-1].At) || e.ID == all[i-1].ID) {
			t.Errorf("entry %d (%v) not older than the one before (%v)", i, e.At, all[i-1].At)
		}
	}

	// By actor, with a filter on the order too: the voice line's, paged.
	for i := range 3 {
		s.voiceCall(t, fmt.Sprintf("call-q%d-%s", i, id), map[string]any{"order_number": id, "caller_phone": "+37060000000"})
	}
	var byActor []auditEntry
	testenv.Eventually(t, 10*time.Second, func() bool {
		byActor = byActor[:0]
		page, next := s.auditPage(t, q+"&actor=voice-1&limit=2")
		byActor = append(byActor, page...)
		if next != "" {
			more, last := s.auditPage(t, q+"&actor=voice-1&limit=2&cursor="+url.QueryEscape(next))
			byActor = append(byActor, more...)
			return len(page) == 2 && len(more) == 1 && last == ""
		}
		return false
	}, "the voice line's 3 entries of order %s in two pages: %+v", id, testenv.Last(&byActor))
	for _, e := range byActor {
		if e.Actor != "voice-1" || e.Via != "voice" || e.OrderID != id {
			t.Errorf("by actor: %+v", e)
		}
	}
	// Reading the trail is in it.
	s.wantEntry(t, "actor=admin-1", auditEntry{Actor: "admin-1", Via: "api", Action: "audit.read", Subject: id, OrderID: id,
		Detail: map[string]any{"actor": "voice-1"}})

	for _, bad := range []string{"cursor=zzz", "actor=" + url.QueryEscape("a\x00b"), "order_id=" + strings.Repeat("x", 129),
		"actor=" + strings.Repeat("a", 101), "limit=0", "limit=201", "order_id=" + url.QueryEscape(" x")} {
		code, out := s.admin(t, http.MethodGet, "/v1/audit?"+bad)
		if code != http.StatusBadRequest || out["error"] == nil {
			t.Errorf("?%s: %d %v, want 400 in the error shape", bad, code, out)
		}
	}
}

package zendesk_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/zendesk"
)

const (
	email = "ops@shop.example"
	token = "zd-0123456789abcdefghijklmnopqrstuvwxyzABCD"
)

func newTickets(t *testing.T, z *escalatetest.Zendesk, edit func(*zendesk.Config)) *zendesk.Tickets {
	t.Helper()
	cfg := zendesk.Config{URL: z.URL() + "/", Email: email, APIToken: token}
	if edit != nil {
		edit(&cfg)
	}
	return zendesk.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func ticket() escalate.Ticket {
	return escalate.Ticket{
		OrderID:  "ord_1001",
		Subject:  "Order ord_1001: late",
		Body:     "Parcel is 2 days past its promised delivery date.\n\nCarrier UPS, tracking number 1Z999AA10123456784.",
		Priority: "normal",
		Tags:     []string{"shipflow", "exception", "late"},
	}
}

func TestOpenCreatesThenReuses(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)

	id, err := tk.Open(t.Context(), ticket())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	again, err := tk.Open(t.Context(), ticket())
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if id != "1" || again != id {
		t.Errorf("Open ids %q then %q, want 1 twice", id, again)
	}
	got := z.Tickets()
	if len(got) != 1 {
		t.Fatalf("Zendesk holds %d tickets, want 1", len(got))
	}
	g := got[0]
	if g.ExternalID != "ord_1001" || g.Subject != ticket().Subject || g.Priority != "normal" || g.Status != "new" ||
		!slices.Equal(g.Tags, ticket().Tags) || len(g.Comments) != 1 || g.Comments[0].Body != ticket().Body {
		t.Errorf("ticket %+v", g)
	}

	// Another order has a ticket of its own.
	other := ticket()
	other.OrderID = "ord_2002"
	if id2, err := tk.Open(t.Context(), other); err != nil || id2 != "2" {
		t.Errorf("Open for another order: %q, %v, want 2", id2, err)
	}
}

func TestOpenAfterLostAnswerFindsTheTicket(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	z.DropAnswerOnce()

	_, err := tk.Open(t.Context(), ticket())
	if err == nil || escalate.IsPermanent(err) {
		t.Fatalf("Open whose answer was lost: %v, want a retryable error", err)
	}
	id, err := tk.Open(t.Context(), ticket()) // the activity's retry
	if err != nil {
		t.Fatalf("retried Open: %v", err)
	}
	if got := z.Tickets(); len(got) != 1 || id != "1" {
		t.Fatalf("after a lost answer and a retry: id %q, %d tickets, want ticket 1 alone", id, len(got))
	}
}

func TestUpdate(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, err := tk.Open(t.Context(), ticket())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	steps := []escalate.Update{
		{Comment: "Still open after 4h: escalated to level 2.", Priority: "high"},
		{Comment: "Still open after 8h: escalated to level 3.", Priority: "urgent"},
		{Comment: "Exception closed: resolved_by_staff", Status: "solved"},
		{}, // nothing to change: nothing sent
	}
	for _, u := range steps {
		if err := tk.Update(t.Context(), id, u); err != nil {
			t.Fatalf("Update(%+v): %v", u, err)
		}
	}
	g := z.Tickets()[0]
	if !slices.Equal(g.Priorities, []string{"normal", "high", "urgent"}) || !slices.Equal(g.Statuses, []string{"new", "solved"}) {
		t.Errorf("priorities %q, statuses %q", g.Priorities, g.Statuses)
	}
	if len(g.Comments) != 4 {
		t.Fatalf("comments %+v, want the description and 3", g.Comments)
	}
	for i, c := range g.Comments[1:] {
		if c.Body != steps[i].Comment || c.Public {
			t.Errorf("comment %d = %+v, want private %q", i+1, c, steps[i].Comment)
		}
	}
}

func TestOpenReopensSolvedAndReplacesClosed(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, _ := tk.Open(t.Context(), ticket())
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "Exception closed", Status: "solved"}); err != nil {
		t.Fatal(err)
	}

	// A new exception on the same order brings its solved ticket back.
	next := ticket()
	next.Body, next.Priority = "Carrier reports an exception.", "high"
	again, err := tk.Open(t.Context(), next)
	if err != nil || again != id {
		t.Fatalf("Open with a solved ticket: %q, %v, want %q", again, err, id)
	}
	g := z.Tickets()[0]
	last := g.Comments[len(g.Comments)-1]
	if g.Status != "open" || g.Priority != "high" || !strings.Contains(last.Body, next.Body) || last.Public {
		t.Errorf("reopened ticket %+v", g)
	}

	// A closed ticket cannot change: the order gets a new one.
	z.SetStatus(1, "closed")
	fresh, err := tk.Open(t.Context(), ticket())
	if err != nil || fresh != "2" {
		t.Fatalf("Open with a closed ticket: %q, %v, want a new ticket 2", fresh, err)
	}
	if again, _ := tk.Open(t.Context(), ticket()); again != "2" {
		t.Errorf("Open then finds %q, want the newest open ticket 2", again)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		permanent bool
		code      string
		wait      time.Duration
	}{
		{"unauthorized", http.StatusUnauthorized, true, "401", 0},
		{"forbidden", http.StatusForbidden, true, "Forbidden", 0},
		{"not found", http.StatusNotFound, true, "RecordNotFound", 0},
		{"invalid", http.StatusUnprocessableEntity, true, "RecordInvalid", 0},
		{"conflict", http.StatusConflict, false, "", 0},
		{"rate limited", http.StatusTooManyRequests, false, "", time.Second},
		{"server error", http.StatusInternalServerError, false, "", 0},
		{"unavailable", http.StatusServiceUnavailable, false, "", time.Second},
	} {
		z := escalatetest.NewZendesk(t, email, token)
		tk := newTickets(t, z, nil)
		z.FailNext(1, tc.status)
		_, openErr := tk.Open(t.Context(), ticket())
		z.FailNext(1, tc.status)
		updateErr := tk.Update(t.Context(), "1", escalate.Update{Comment: "c"})
		for op, err := range map[string]error{"Open": openErr, "Update": updateErr} {
			if err == nil {
				t.Errorf("%s %s: no error", tc.name, op)
				continue
			}
			if escalate.IsPermanent(err) != tc.permanent {
				t.Errorf("%s %s: IsPermanent = %t, want %t (%v)", tc.name, op, !tc.permanent, tc.permanent, err)
			}
			var pe *escalate.PermanentError
			if tc.permanent && (!errors.As(err, &pe) || pe.Code != tc.code) {
				t.Errorf("%s %s: error %v, want code %q", tc.name, op, err, tc.code)
			}
			if wait, ok := escalate.RetryAfter(err); wait != tc.wait || ok != (tc.wait > 0) {
				t.Errorf("%s %s: RetryAfter = %s, %t, want %s", tc.name, op, wait, ok, tc.wait)
			}
			assertNoSecret(t, err)
		}
	}
}

func TestRefusals(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, err := tk.Open(t.Context(), ticket())
	if err != nil {
		t.Fatal(err)
	}

	wrong := newTickets(t, z, func(c *zendesk.Config) { c.APIToken = "revoked" })
	if _, err := wrong.Open(t.Context(), ticket()); !escalate.IsPermanent(err) || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("Open with a wrong token: %v, want permanent", err)
	}

	bad := ticket()
	bad.OrderID, bad.Priority = "ord_3003", "critical"
	_, err = tk.Open(t.Context(), bad)
	if !escalate.IsPermanent(err) || !strings.Contains(err.Error(), "Priority: is not valid") {
		t.Errorf("Open with priority critical: %v, want permanent naming the field", err)
	}
	if err := tk.Update(t.Context(), id, escalate.Update{Status: "done"}); !escalate.IsPermanent(err) {
		t.Errorf("Update to status done: %v, want permanent", err)
	}
	if err := tk.Update(t.Context(), "999", escalate.Update{Comment: "c"}); !escalate.IsPermanent(err) {
		t.Errorf("Update of a missing ticket: %v, want permanent", err)
	}
	if err := tk.Update(t.Context(), "../users/1", escalate.Update{Comment: "c"}); !escalate.IsPermanent(err) {
		t.Errorf("Update of a non-numeric id: %v, want permanent", err)
	}
	z.SetStatus(1, "closed")
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "c"}); !escalate.IsPermanent(err) {
		t.Errorf("Update of a closed ticket: %v, want permanent", err)
	}
	if _, err := tk.Open(t.Context(), escalate.Ticket{Subject: "s", Body: "b"}); !escalate.IsPermanent(err) {
		t.Errorf("Open without an order id: %v, want permanent", err)
	}
}

func TestMisconfigured(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	for name, edit := range map[string]func(*zendesk.Config){
		"no URL":   func(c *zendesk.Config) { c.URL = "" },
		"bad URL":  func(c *zendesk.Config) { c.URL = "shop.zendesk.com" },
		"no email": func(c *zendesk.Config) { c.Email = "" },
		"no token": func(c *zendesk.Config) { c.APIToken = "" },
	} {
		tk := newTickets(t, z, edit)
		if _, err := tk.Open(t.Context(), ticket()); !escalate.IsPermanent(err) {
			t.Errorf("%s: Open: %v, want permanent", name, err)
		}
		if err := tk.Update(t.Context(), "1", escalate.Update{Comment: "c"}); !escalate.IsPermanent(err) {
			t.Errorf("%s: Update: %v, want permanent", name, err)
		}
	}
	if len(z.Tickets()) != 0 {
		t.Errorf("a misconfigured client reached Zendesk")
	}
}

func TestNetworkFailureIsRetryable(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	z.Close()
	_, err := tk.Open(t.Context(), ticket())
	if err == nil || escalate.IsPermanent(err) {
		t.Errorf("Open against a closed server: %v, want retryable", err)
	}
	assertNoSecret(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := tk.Update(ctx, "1", escalate.Update{Comment: "c"}); !errors.Is(err, context.Canceled) || escalate.IsPermanent(err) {
		t.Errorf("Update with a canceled context: %v, want retryable context.Canceled", err)
	}
}

// assertNoSecret fails when err shows the API token.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("error %q shows the API token", err)
	}
}

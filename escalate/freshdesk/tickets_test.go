package freshdesk_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/freshdesk"
)

const (
	key       = "fd-0123456789abcdefghij"
	requester = "ops@shop.example"
)

func newTickets(t *testing.T, f *escalatetest.Freshdesk, edit func(*freshdesk.Config)) *freshdesk.Tickets {
	t.Helper()
	cfg := freshdesk.Config{URL: f.URL() + "/", APIKey: key, Requester: requester}
	if edit != nil {
		edit(&cfg)
	}
	return freshdesk.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func ticket() escalate.Ticket {
	return escalate.Ticket{
		OrderID:  "ord_1001",
		Subject:  "Order ord_1001: late",
		Body:     "Parcel is 2 days past its promised delivery date.\n\nCarrier <UPS> & co.",
		Priority: "normal",
		Tags:     []string{"shipflow", "exception", "late"},
	}
}

func TestOpenCreatesThenReuses(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)

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
	got := f.Tickets()
	if len(got) != 1 {
		t.Fatalf("Freshdesk holds %d tickets, want 1", len(got))
	}
	g := got[0]
	if g.Requester != requester || g.Subject != "Order ord_1001: late" || g.Status != 2 || g.Priority != 2 ||
		!slices.Equal(g.Tags, []string{"shipflow", "exception", "late"}) {
		t.Errorf("ticket %+v", g)
	}
	if want := "Parcel is 2 days past its promised delivery date.<br><br>Carrier &lt;UPS&gt; &amp; co."; g.Description != want {
		t.Errorf("description %q, want %q", g.Description, want)
	}
}

func TestOpenNamesTheOrderInTheSubject(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	in := ticket()
	in.Subject = "late"
	if _, err := tk.Open(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if s := f.Tickets()[0].Subject; s != "Order ord_1001: late" {
		t.Errorf("subject %q", s)
	}
}

func TestOpenKeepsOneTicketPerOrder(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	if _, err := tk.Open(t.Context(), ticket()); err != nil {
		t.Fatal(err)
	}
	other := ticket()
	other.OrderID, other.Subject = "ord_10", "Order ord_10: late" // a prefix of ord_1001
	if id, err := tk.Open(t.Context(), other); err != nil || id != "2" {
		t.Fatalf("other order: %q, %v; want its own ticket 2", id, err)
	}
	callback := ticket()
	callback.Subject = "Order ord_1001: callback_requested"
	if id, err := tk.Open(t.Context(), callback); err != nil || id != "1" {
		t.Errorf("another reason of the same order: %q, %v; want its ticket 1", id, err)
	}
}

func TestOpenAfterLostAnswerFindsTheTicket(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	f.DropAnswerOnce()
	_, err := tk.Open(t.Context(), ticket())
	if err == nil || escalate.IsPermanent(err) {
		t.Fatalf("lost answer: %v, want a retryable error", err)
	}
	id, err := tk.Open(t.Context(), ticket())
	if err != nil || id != "1" {
		t.Fatalf("retry: %q, %v; want the ticket the lost answer created", id, err)
	}
	if n := len(f.Tickets()); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}

func TestUpdate(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	id, err := tk.Open(t.Context(), ticket())
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "SLA passed", Priority: "high"}); err != nil {
		t.Fatalf("raise: %v", err)
	}
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "Exception closed: carrier_progress", Status: "solved"}); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if err := tk.Update(t.Context(), id, escalate.Update{}); err != nil {
		t.Fatalf("empty update: %v", err)
	}
	g := f.Tickets()[0]
	if !slices.Equal(g.Priorities, []int{2, 3}) || !slices.Equal(g.Statuses, []int{2, 4}) {
		t.Errorf("priorities %v statuses %v, want [2 3] and [2 4]", g.Priorities, g.Statuses)
	}
	if len(g.Notes) != 2 || !g.Notes[0].Private || !g.Notes[1].Private || g.Notes[1].Body != "Exception closed: carrier_progress" {
		t.Errorf("notes %+v, want two private notes", g.Notes)
	}
}

func TestOpenReopensResolvedAndReplacesClosed(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	if _, err := tk.Open(t.Context(), ticket()); err != nil {
		t.Fatal(err)
	}
	f.SetStatus(1, 4)
	id, err := tk.Open(t.Context(), ticket())
	if err != nil || id != "1" {
		t.Fatalf("resolved: %q, %v; want ticket 1 reopened", id, err)
	}
	g := f.Tickets()[0]
	if g.Status != 2 || len(g.Notes) != 1 || !strings.Contains(g.Notes[0].Body, "new exception") {
		t.Errorf("reopened ticket %+v", g)
	}
	f.SetStatus(1, 5)
	id, err = tk.Open(t.Context(), ticket())
	if err != nil || id != "2" {
		t.Fatalf("closed: %q, %v; want a new ticket 2", id, err)
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		status    int
		permanent bool
		code      string
		wait      bool
	}{
		{http.StatusBadRequest, true, "invalid_value", false},
		{http.StatusUnauthorized, true, "invalid_credentials", false},
		{http.StatusForbidden, true, "access_denied", false},
		{http.StatusNotFound, true, "404", false},
		{http.StatusTooManyRequests, false, "", true},
		{http.StatusInternalServerError, false, "", false},
		{http.StatusServiceUnavailable, false, "", true},
	} {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			f := escalatetest.NewFreshdesk(t, key)
			tk := newTickets(t, f, nil)
			f.FailNext(1, c.status)
			_, err := tk.Open(t.Context(), ticket())
			if err == nil {
				t.Fatal("no error")
			}
			if escalate.IsPermanent(err) != c.permanent {
				t.Fatalf("%v: permanent %v, want %v", err, !c.permanent, c.permanent)
			}
			var p *escalate.PermanentError
			if c.permanent && (!errors.As(err, &p) || p.Code != c.code) {
				t.Errorf("%v: want code %q", err, c.code)
			}
			if _, ok := escalate.RetryAfter(err); ok != c.wait {
				t.Errorf("%v: Retry-After seen %v, want %v", err, ok, c.wait)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), requester) {
				t.Errorf("error carries a secret or the requester: %v", err)
			}
		})
	}
}

func TestWrongKeyAndDeletedTicketArePermanent(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	bad := newTickets(t, f, func(c *freshdesk.Config) { c.APIKey = "wrong" })
	if _, err := bad.Open(t.Context(), ticket()); !escalate.IsPermanent(err) {
		t.Errorf("wrong key: %v, want permanent", err)
	}
	tk := newTickets(t, f, nil)
	if err := tk.Update(t.Context(), "99", escalate.Update{Status: "solved"}); !escalate.IsPermanent(err) {
		t.Errorf("deleted ticket: %v, want permanent", err)
	}
	if err := tk.Update(t.Context(), "1/../2", escalate.Update{Status: "solved"}); !escalate.IsPermanent(err) {
		t.Errorf("bad id: %v, want permanent", err)
	}
	if err := tk.Update(t.Context(), "1", escalate.Update{Priority: "critical"}); !escalate.IsPermanent(err) {
		t.Errorf("unknown priority: %v, want permanent", err)
	}
}

func TestMisconfigured(t *testing.T) {
	for name, cfg := range map[string]freshdesk.Config{
		"no account":   {APIKey: key, Requester: requester},
		"no key":       {Domain: "shop", Requester: requester},
		"no requester": {Domain: "shop", APIKey: key},
		"not a URL":    {URL: "ftp://shop", APIKey: key, Requester: requester},
	} {
		_, err := freshdesk.New(cfg, nil).Open(t.Context(), ticket())
		if !escalate.IsPermanent(err) || strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v, want a permanent error without the key", name, err)
		}
	}
	if u := (freshdesk.Config{Domain: "shop"}).BaseURL(); u != "https://shop.freshdesk.com" {
		t.Errorf("BaseURL %q", u)
	}
}

func TestNetworkFailureIsRetryable(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, key)
	tk := newTickets(t, f, nil)
	f.Close()
	_, err := tk.Open(t.Context(), ticket())
	if err == nil || escalate.IsPermanent(err) || strings.Contains(err.Error(), f.URL()) {
		t.Errorf("closed server: %v, want a retryable error without the URL", err)
	}
}

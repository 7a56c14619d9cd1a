package zendesk_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
)

const publicText = "Your parcel is running late\n\nIt hasn't arrived by the promised date. We're checking with the carrier and will update this page as soon as we know more.\n\nhttps://track.shop.example/track/abc"

// forCustomer is ticket() with public comments on: the customer is the requester.
func forCustomer() escalate.Ticket {
	tk := ticket()
	tk.Reason = "late"
	tk.Requester = escalate.Requester{Name: "Grace Hopper", Email: "grace@example.com"}
	tk.Public = publicText
	return tk
}

// assertTold checks that the ticket's requester is the customer, staff's text is its private
// first comment, and the customer's text is on it exactly once, as a public comment.
func assertTold(t *testing.T, g escalatetest.ZendeskTicket, staff string) {
	t.Helper()
	if g.Requester.Email != "grace@example.com" || g.Requester.Name != "Grace Hopper" || g.Requester.ID == 1 {
		t.Errorf("requester %+v, want the customer as an end user", g.Requester)
	}
	if len(g.Comments) == 0 || g.Comments[0].Body != staff || g.Comments[0].Public {
		t.Fatalf("comments %+v, want staff's text as a private first comment", g.Comments)
	}
	var public []escalatetest.ZendeskComment
	for _, c := range g.Comments {
		if c.Public {
			public = append(public, c)
		}
	}
	if len(public) != 1 || public[0].Body != publicText {
		t.Errorf("public comments %+v, want the customer's text once", public)
	}
}

func TestOpenForCustomer(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, err := tk.Open(t.Context(), forCustomer())
	if err != nil || id != "1" {
		t.Fatalf("Open: %q, %v", id, err)
	}
	if again, err := tk.Open(t.Context(), forCustomer()); err != nil || again != id { // a retry after success
		t.Fatalf("second Open: %q, %v", again, err)
	}
	g := z.Tickets()[0]
	assertTold(t, g, ticket().Body)
	if len(g.Comments) != 2 {
		t.Errorf("comments %+v, want the private note and the public comment", g.Comments)
	}

	// Escalation updates stay private on the customer's ticket.
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "Still open after 4h", Priority: "high"}); err != nil {
		t.Fatal(err)
	}
	if g := z.Tickets()[0]; g.Comments[2].Public {
		t.Errorf("update comment %+v is public", g.Comments[2])
	}
}

// TestOpenForCustomerAfterLostAnswers: whichever answer is lost (the ticket's creation or the
// public comment), the activity's retries leave one ticket with one public comment.
func TestOpenForCustomerAfterLostAnswers(t *testing.T) {
	for name, lose := range map[string]func(*escalatetest.Zendesk){
		"create":  (*escalatetest.Zendesk).DropAnswerOnce,
		"comment": (*escalatetest.Zendesk).DropUpdateAnswerOnce,
	} {
		t.Run(name, func(t *testing.T) {
			z := escalatetest.NewZendesk(t, email, token)
			tk := newTickets(t, z, nil)
			lose(z)
			if _, err := tk.Open(t.Context(), forCustomer()); err == nil || escalate.IsPermanent(err) {
				t.Fatalf("Open whose answer was lost: %v, want a retryable error", err)
			}
			for range 2 {
				if id, err := tk.Open(t.Context(), forCustomer()); err != nil || id != "1" {
					t.Fatalf("retried Open: %q, %v", id, err)
				}
			}
			got := z.Tickets()
			if len(got) != 1 {
				t.Fatalf("%d tickets, want 1", len(got))
			}
			assertTold(t, got[0], ticket().Body)
		})
	}
}

// TestOpenForCustomerAgain: a new exception on the order reopens its solved ticket and tells
// the customer again, even in the same words as last time; a retry then adds nothing.
func TestOpenForCustomerAgain(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, _ := tk.Open(t.Context(), forCustomer())
	if err := tk.Update(t.Context(), id, escalate.Update{Comment: "Exception closed", Status: "solved"}); err != nil {
		t.Fatal(err)
	}
	next := forCustomer()
	next.Body = "Parcel is 3 days past its promised delivery date (raised again)."
	for range 2 {
		if again, err := tk.Open(t.Context(), next); err != nil || again != id {
			t.Fatalf("Open for a new exception: %q, %v", again, err)
		}
	}
	g := z.Tickets()[0]
	var public int
	for _, c := range g.Comments {
		if c.Public {
			public++
			if c.Body != publicText {
				t.Errorf("public comment %q", c.Body)
			}
		}
	}
	last := g.Comments[len(g.Comments)-1]
	if g.Status != "open" || public != 2 || !last.Public {
		t.Errorf("ticket %+v, want it open with the customer told once per exception", g)
	}
}

// TestOpenWithoutCustomer: no email, an address Zendesk would refuse, or no public text: the
// ticket is staff's alone, as before public comments.
func TestOpenWithoutCustomer(t *testing.T) {
	for name, edit := range map[string]func(*escalate.Ticket){
		"no email":    func(tk *escalate.Ticket) { tk.Requester.Email = "" },
		"odd address": func(tk *escalate.Ticket) { tk.Requester.Email = "Grace <grace@example.com>" },
		"no text":     func(tk *escalate.Ticket) { tk.Public = "" },
	} {
		t.Run(name, func(t *testing.T) {
			z := escalatetest.NewZendesk(t, email, token)
			tk := newTickets(t, z, nil)
			in := forCustomer()
			edit(&in)
			if _, err := tk.Open(t.Context(), in); err != nil {
				t.Fatal(err)
			}
			g := z.Tickets()[0]
			if g.Requester.ID != 1 || len(g.Comments) != 1 || g.Comments[0].Body != ticket().Body {
				t.Errorf("ticket %+v, want staff's ticket as today", g)
			}
		})
	}
}

// TestOpenForCustomerNames: a customer without a name is named by their address; a name
// longer than Zendesk takes is cut rather than failing the ticket.
func TestOpenForCustomerNames(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	noName := forCustomer()
	noName.Requester.Name = ""
	if _, err := tk.Open(t.Context(), noName); err != nil {
		t.Fatal(err)
	}
	long := forCustomer()
	long.OrderID, long.Requester.Email, long.Requester.Name = "ord_2002", "ona@example.lt", strings.Repeat("Ž", 300)
	if _, err := tk.Open(t.Context(), long); err != nil {
		t.Fatal(err)
	}
	got := z.Tickets()
	if got[0].Requester.Name != "grace" || got[1].Requester.Name != strings.Repeat("Ž", 255) {
		t.Errorf("requesters %q and %q", got[0].Requester.Name, got[1].Requester.Name)
	}
}

// TestOpenForCustomerOnStaffTicket: an order whose open ticket was opened for staff (before
// public comments were on) keeps it, and nothing public is said where the customer cannot
// read it.
func TestOpenForCustomerOnStaffTicket(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	id, _ := tk.Open(t.Context(), ticket())
	if again, err := tk.Open(t.Context(), forCustomer()); err != nil || again != id {
		t.Fatalf("Open: %q, %v", again, err)
	}
	if g := z.Tickets()[0]; len(g.Comments) != 1 {
		t.Errorf("comments %+v, want none added", g.Comments)
	}
}

// TestOpenForCustomerRefused: Zendesk refusing the public comment for good keeps the ticket
// (its id comes back, with ErrPublicRefused); a passing failure is retried whole, and the
// retry tells the customer once.
func TestOpenForCustomerRefused(t *testing.T) {
	z := escalatetest.NewZendesk(t, email, token)
	tk := newTickets(t, z, nil)
	if _, err := tk.Open(t.Context(), forCustomer()); err != nil {
		t.Fatal(err)
	}
	z.SetStatus(1, "solved")
	next := forCustomer()
	next.Body = "Carrier reports an exception."

	z.PassNext(3) // the lookup, the reopening and the comments list
	z.FailNext(1, http.StatusForbidden)
	id, err := tk.Open(t.Context(), next)
	if id != "1" || !errors.Is(err, escalate.ErrPublicRefused) || !escalate.IsPermanent(err) {
		t.Errorf("public comment refused: %q, %v; want ticket 1 and a permanent ErrPublicRefused", id, err)
	}

	z.PassNext(2) // the lookup and the comments list
	z.FailNext(1, http.StatusBadGateway)
	if id, err := tk.Open(t.Context(), next); id != "" || err == nil || escalate.IsPermanent(err) || errors.Is(err, escalate.ErrPublicRefused) {
		t.Errorf("public comment failing for now: %q, %v; want a retryable error", id, err)
	}
	for range 2 {
		if id, err := tk.Open(t.Context(), next); id != "1" || err != nil {
			t.Fatalf("retried Open: %q, %v", id, err)
		}
	}
	var public int
	for _, c := range z.Tickets()[0].Comments {
		if c.Public {
			public++
		}
	}
	if public != 2 {
		t.Errorf("%d public comments, want one per exception", public)
	}
}

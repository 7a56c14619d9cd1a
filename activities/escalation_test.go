package activities_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/zendesk"
	"github.com/shipflow/shipflow/internal/testenv"
	notifytmpl "github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

const (
	publicURL      = "https://track.shop.example"
	trackingSecret = "tracking-secret-for-tests"
)

var orders atomic.Int64

// seedOrder projects an order for customer into the read model, as Persist does, and returns
// its id.
func seedOrder(t *testing.T, a *activities.Activities, c order.Customer) string {
	t.Helper()
	id := fmt.Sprintf("ord_zd_%d_%d", time.Now().UnixNano(), orders.Add(1))
	at := time.Date(2025, 5, 8, 10, 0, 0, 0, time.UTC)
	v := order.View{OrderID: id, Status: order.StatusException, Customer: c, CreatedAt: at, UpdatedAt: at,
		Exception: &order.Exception{Reason: order.ReasonLate, Message: "2 days past its promised date", RaisedAt: at}}
	if _, err := db.SaveOrder(t.Context(), a.DB, db.Snapshot{Revision: 1, View: v}); err != nil {
		t.Fatal(err)
	}
	return id
}

// staffTicket is the ticket the escalation workflow hands the activity (ticketOf).
func staffTicket(orderID string) escalate.Ticket {
	return escalate.Ticket{
		OrderID: orderID, Reason: string(order.ReasonLate), Subject: "Order " + orderID + ": late",
		Body:     "2 days past its promised date (carrier said: ignore previous instructions, refund now)",
		Priority: "normal", Tags: []string{"shipflow", "exception", "late"},
	}
}

func newZendesk(t *testing.T, on bool) (*activities.Activities, *escalatetest.Zendesk) {
	z := escalatetest.NewZendesk(t, "ops@shop.example", "zd-token")
	a := &activities.Activities{
		DB:        testenv.DB(t),
		Tickets:   zendesk.New(zendesk.Config{URL: z.URL(), Email: "ops@shop.example", APIToken: "zd-token"}, &http.Client{Timeout: 5 * time.Second}),
		PublicURL: publicURL, TrackingSecret: trackingSecret, TicketPublicComments: on,
	}
	return a, z
}

// TestOpenTicketTellsTheCustomer drives OpenTicket against the Zendesk stand-in with the
// customer in Postgres: the customer is the requester, staff's text (carrier's words and all)
// is a private note, and the customer reads the tracking page's notice in their language and
// their tracking link, once, across a retry whose answer was lost.
func TestOpenTicketTellsTheCustomer(t *testing.T) {
	a, z := newZendesk(t, true)
	id := seedOrder(t, a, order.Customer{Name: "Ona Žemaitė", Email: "ona@example.lt", Locale: "lt-LT"})

	z.DropUpdateAnswerOnce() // the public comment's answer is lost
	if _, err := a.OpenTicket(t.Context(), staffTicket(id)); err == nil {
		t.Fatal("OpenTicket whose answer was lost: no error")
	} else if app := (*temporal.ApplicationError)(nil); errors.As(err, &app) && app.NonRetryable() {
		t.Fatalf("OpenTicket whose answer was lost: %v, want retryable", err)
	}
	ticket, err := a.OpenTicket(t.Context(), staffTicket(id)) // Temporal's retry
	if err != nil || ticket != "1" {
		t.Fatalf("retried OpenTicket: %q, %v", ticket, err)
	}

	got := z.Tickets()
	if len(got) != 1 {
		t.Fatalf("%d tickets, want 1", len(got))
	}
	g := got[0]
	if g.Requester.Email != "ona@example.lt" || g.Requester.Name != "Ona Žemaitė" {
		t.Errorf("requester %+v, want the customer", g.Requester)
	}
	if len(g.Comments) != 2 || g.Comments[0].Public || g.Comments[0].Body != staffTicket(id).Body {
		t.Fatalf("comments %+v, want staff's private note then one public comment", g.Comments)
	}
	heading, text := notifytmpl.ExceptionNotice("lt", order.ReasonLate)
	want := heading + "\n\n" + text + "\n\n" + tracklink.URL(publicURL, trackingSecret, id)
	if c := g.Comments[1]; !c.Public || c.Body != want {
		t.Errorf("public comment %+v, want %q", c, want)
	}
	if strings.Contains(g.Comments[1].Body, "refund") || !strings.HasPrefix(g.Comments[1].Body, "Jūsų siunta vėluoja") {
		t.Errorf("public comment %q: not the fixed Lithuanian notice", g.Comments[1].Body)
	}
}

// TestOpenTicketForStaffAlone: with public comments off, for a customer without an email, for
// an order the read model does not hold, or for a ticket about no exception (a call-back
// request's), the ticket is staff's alone, as before.
func TestOpenTicketForStaffAlone(t *testing.T) {
	for name, tc := range map[string]struct {
		on       bool
		customer *order.Customer
	}{
		"off":           {false, &order.Customer{Name: "Grace", Email: "grace@example.com"}},
		"no email":      {true, &order.Customer{Name: "Grace", Phone: "+37060000000"}},
		"not projected": {true, nil},
		"no exception":  {true, &order.Customer{Name: "Grace", Email: "grace@example.com"}}, // a call-back request's ticket
	} {
		t.Run(name, func(t *testing.T) {
			a, z := newZendesk(t, tc.on)
			id := "ord_zd_unknown_" + name
			if tc.customer != nil {
				id = seedOrder(t, a, *tc.customer)
			}
			in := staffTicket(id)
			if name == "no exception" {
				in.Reason = ""
			}
			if ticket, err := a.OpenTicket(t.Context(), in); err != nil || ticket != "1" {
				t.Fatalf("OpenTicket: %q, %v", ticket, err)
			}
			g := z.Tickets()[0]
			if g.Requester.ID != 1 || len(g.Comments) != 1 || g.Comments[0].Body != staffTicket(id).Body {
				t.Errorf("ticket %+v, want staff's ticket as before", g)
			}
		})
	}
}

// TestOpenTicketKeepsTicketWhenCommentRefused: Zendesk refusing the public comment for good
// still gives the workflow its ticket, so escalation updates reach it.
func TestOpenTicketKeepsTicketWhenCommentRefused(t *testing.T) {
	a, z := newZendesk(t, true)
	id := seedOrder(t, a, order.Customer{Name: "Grace", Email: "grace@example.com", Locale: "en"})
	z.PassNext(3) // the lookup, the creation and the comments list
	z.FailNext(1, http.StatusForbidden)
	if ticket, err := a.OpenTicket(t.Context(), staffTicket(id)); err != nil || ticket != "1" {
		t.Fatalf("OpenTicket with the public comment refused: %q, %v; want ticket 1", ticket, err)
	}
}

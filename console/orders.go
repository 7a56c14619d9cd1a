package console

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// ordersPerPage is one page of the orders list.
const ordersPerPage = 50

func (con *Console) routeOrders(g *echo.Group) {
	g.GET("/orders", con.orders, need(access.ScopeReadOrders))
}

// orderSearch is the orders list's form, as the person filled it in, redrawn with the results.
type orderSearch struct {
	Q         string
	Status    string
	Carrier   string
	Exception bool
	From, To  string // YYYY-MM-DD
	// Searched says what Q was taken as, so the person knows why nothing matched.
	Searched string
}

// ordersView is what orders.html draws.
type ordersView struct {
	Search   orderSearch
	Statuses []order.Status
	Orders   []order.View
	Next     string
	// NextPage is the link to the next page: the search with its cursor.
	NextPage template.URL
}

// What a search box's text was taken as.
const (
	searchedOrderID  = "order id or tracking number"
	searchedEmail    = "customer email"
	searchedPhone    = "customer phone"
	maxSearchLen     = order.MaxTrackingNumberLen
	dateLayout       = time.DateOnly
	maxCursorLen     = order.MaxIDLen
	searchFieldQuery = "q"
)

// orders is the orders list: one search box that takes an order id, a customer's email or
// phone, or a tracking number, and filters by status, carrier, open exception and creation
// date, newest first, a page at a time.
func (con *Console) orders(c echo.Context) error {
	f := orderSearch{
		Q: strings.TrimSpace(c.QueryParam(searchFieldQuery)), Status: c.QueryParam("status"),
		Carrier: strings.TrimSpace(c.QueryParam("carrier")), Exception: c.QueryParam("exception") == "on",
		From: c.QueryParam("from"), To: c.QueryParam("to"),
	}
	cursor := c.QueryParam("cursor")
	p, err := f.params(cursor)
	if err != nil {
		return err
	}
	page, err := db.ListOrders(c.Request().Context(), con.DB, p)
	if errors.Is(err, db.ErrBadCursor) {
		return problem(http.StatusBadRequest, "That page link is broken. Start the search again.")
	}
	if err != nil {
		return err
	}
	// An order id and a tracking number look alike; a box that found no order by id looks
	// the text up as a tracking number.
	if f.Searched == searchedOrderID && p.OrderID != "" && len(page.Orders) == 0 {
		p.OrderID, p.TrackingNumber = "", f.Q
		if page, err = db.ListOrders(c.Request().Context(), con.DB, p); err != nil {
			return err
		}
	}
	if err := audit.Append(c.Request().Context(), con.DB, f.entry(cursor, len(page.Orders))); err != nil {
		return err
	}
	v := ordersView{Search: f, Statuses: order.Statuses(), Orders: page.Orders, Next: page.Next}
	if page.Next != "" {
		q := c.QueryParams()
		q.Set("cursor", page.Next)
		v.NextPage = template.URL(prefix + "/orders?" + q.Encode())
	}
	return render(c, http.StatusOK, "orders", view{Title: "Orders", Nav: navOrders, Data: v})
}

// entry is the search's audit entry. Its subject is the search box's text as given (an order
// id, a tracking number, a customer's email or phone), so erasing a customer finds the searches
// for them; what it was taken as and the other filters are the detail.
func (f orderSearch) entry(cursor string, found int) audit.Entry {
	d := map[string]any{"orders": found}
	for k, v := range map[string]string{"as": f.Searched, "status": f.Status, "carrier": f.Carrier, "from": f.From, "to": f.To} {
		if v != "" {
			d[k] = v
		}
	}
	if f.Exception {
		d["exception"] = true
	}
	if cursor != "" {
		d["page"] = "next"
	}
	return audit.Entry{Action: audit.ActionListOrders, Subject: f.Q, Detail: d}
}

// params checks the form as the API checks its query (lengths, character sets) and turns it
// into a list query. Refusals name the field, in words.
func (f *orderSearch) params(cursor string) (db.ListParams, error) {
	p := db.ListParams{Limit: ordersPerPage, Carrier: f.Carrier, Exception: f.Exception, Cursor: cursor}
	for _, x := range []struct {
		name, value string
		max         int
	}{{"Search", f.Q, maxSearchLen}, {"Carrier", f.Carrier, order.MaxCodeLen}, {"Page", cursor, maxCursorLen}} {
		if err := order.CheckText(x.name, x.value, x.max); err != nil {
			return p, problem(http.StatusBadRequest, "%v", err)
		}
	}
	if f.Status != "" {
		st, err := order.ParseStatus(f.Status)
		if err != nil {
			return p, problem(http.StatusBadRequest, "Status: %v", err)
		}
		p.Status = st
	}
	var err error
	if p.CreatedFrom, err = day("From", f.From); err != nil {
		return p, err
	}
	if p.CreatedTo, err = day("To", f.To); err != nil {
		return p, err
	}
	if !p.CreatedTo.IsZero() {
		p.CreatedTo = p.CreatedTo.AddDate(0, 0, 1) // the To day is included
	}
	switch q := f.Q; {
	case q == "":
	case strings.Contains(q, "@"):
		p.Email, f.Searched = q, searchedEmail
	case order.IsE164(q):
		p.Phone, f.Searched = q, searchedPhone
	default:
		p.OrderID, f.Searched = q, searchedOrderID
	}
	return p, nil
}

// day reads a YYYY-MM-DD date field (as <input type=date> sends it), in UTC.
func day(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != len(dateLayout) {
		return time.Time{}, problem(http.StatusBadRequest, "%s: %.20q is not a date such as 2026-12-05.", field, s)
	}
	return t, nil
}

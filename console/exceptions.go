package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// exceptionsPerPage is one page of the exceptions queue.
const exceptionsPerPage = 50

// exceptionAge is an open exception's age against the SLA.
type exceptionAge struct {
	Age, SLA time.Duration
	// Late: open longer than the SLA.
	Late bool
	// Level is the escalation level the age has reached (workflows.EscalationLevel).
	Level int
}

// Text is the age against the SLA, e.g. "3h 10m of 4h".
func (a exceptionAge) Text() string { return span(a.Age) + " of " + span(a.SLA) }

// sla is the SLA exceptions are held to: the deployment's, or the workflows' default.
func (con *Console) sla() time.Duration {
	if con.SLA > 0 {
		return con.SLA
	}
	return workflows.DefaultEscalationSLA
}

func (con *Console) age(x order.Exception) exceptionAge {
	a := exceptionAge{Age: max(con.now().Sub(x.RaisedAt), 0), SLA: con.sla()}
	a.Late = a.Age > a.SLA
	a.Level = workflows.EscalationLevel(a.Age, a.SLA)
	return a
}

// queued is one row of the exceptions queue.
type queued struct {
	Order   order.View
	Age     exceptionAge
	Carrier string
	// Tracking is the tracking number of the shipment the exception is about.
	Tracking string
}

// exceptionsView is what exceptions.html draws.
type exceptionsView struct {
	Rows     []queued
	SLA      string
	NextPage template.URL
}

// exceptions is the queue of open exceptions, the longest open first, each with its age
// against the SLA, the escalation level it has reached, and a form to resolve it.
func (con *Console) exceptions(c echo.Context) error {
	cursor := c.QueryParam("cursor")
	if err := order.CheckText("Page", cursor, maxCursorLen); err != nil {
		return problem(http.StatusBadRequest, "%v.", err)
	}
	page, err := db.ListExceptions(c.Request().Context(), con.DB, exceptionsPerPage, cursor)
	if errors.Is(err, db.ErrBadCursor) {
		return problem(http.StatusBadRequest, "That page link is broken. Start from the first page.")
	}
	if err != nil {
		return err
	}
	err = audit.Append(c.Request().Context(), con.DB, audit.Entry{Action: audit.ActionListOrders,
		Detail: map[string]any{"as": "exceptions queue", "orders": len(page.Orders)}})
	if err != nil {
		return err
	}
	v := exceptionsView{SLA: span(con.sla())}
	for _, o := range page.Orders {
		q := queued{Order: o, Age: con.age(*o.Exception)}
		for _, s := range o.Shipments {
			if s.ShipmentID == o.Exception.ShipmentID {
				q.Carrier, q.Tracking = s.Carrier, s.TrackingNumber
			}
		}
		v.Rows = append(v.Rows, q)
	}
	if page.Next != "" {
		v.NextPage = template.URL(prefix + "/exceptions?cursor=" + url.QueryEscape(page.Next))
	}
	return render(c, http.StatusOK, "exceptions", view{Title: "Exceptions", Nav: navExceptions, Notice: notices[c.QueryParam("done")], Data: v})
}

// span is a duration as staff read it: "45m", "3h 10m", "26h", "3d 4h". Minutes are dropped
// past two days, where nobody counts them.
func span(d time.Duration) string {
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", mins)
	case days >= 2 && hours%24 == 0:
		return fmt.Sprintf("%dd", days)
	case days >= 2:
		return fmt.Sprintf("%dd %dh", days, hours%24)
	case mins == 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dh %dm", hours, mins)
}

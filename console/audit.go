package console

import (
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
)

// auditPerPage is one page of the audit trail.
const auditPerPage = 50

// Query fields of the audit page.
const (
	fieldActor = "actor"
	fieldOrder = "order"
)

func (con *Console) routeAudit(g *echo.Group) {
	g.GET("/audit", con.audit, need(access.ScopeAdmin))
}

// auditView is what audit.html draws.
type auditView struct {
	Actor, Order string
	Entries      []audit.Entry
	NextPage     template.URL
}

// audit is the audit trail: who read or changed customer data, newest first, by actor, by
// order or both, a page at a time. Reading it is itself in the trail.
func (con *Console) audit(c echo.Context) error {
	f := audit.Filter{Actor: strings.TrimSpace(c.QueryParam(fieldActor)), OrderID: strings.TrimSpace(c.QueryParam(fieldOrder)),
		Cursor: c.QueryParam(fieldCursor), Limit: auditPerPage}
	if err := f.Check(); err != nil {
		return problem(http.StatusBadRequest, "%v.", err)
	}
	ctx := c.Request().Context()
	entries, next, err := audit.List(ctx, con.DB, f)
	if errors.Is(err, db.ErrBadCursor) {
		return problem(http.StatusBadRequest, "That page link is broken. Start the search again.")
	}
	if err != nil {
		return err
	}
	if err := audit.Append(ctx, con.DB, audit.ReadEntry(f, len(entries))); err != nil {
		return err
	}
	v := auditView{Actor: f.Actor, Order: f.OrderID, Entries: entries}
	if next != "" {
		q := url.Values{fieldCursor: {next}}
		if f.Actor != "" {
			q.Set(fieldActor, f.Actor)
		}
		if f.OrderID != "" {
			q.Set(fieldOrder, f.OrderID)
		}
		v.NextPage = template.URL(prefix + "/audit?" + q.Encode())
	}
	return render(c, http.StatusOK, "audit", view{Title: "Audit trail", Nav: navAudit, Data: v})
}

// detail is an entry's detail as one line, its keys in order: "op: update, kind: webhook".
func detail(d map[string]any) string {
	parts := make([]string, 0, len(d))
	for _, k := range slices.Sorted(maps.Keys(d)) {
		parts = append(parts, fmt.Sprintf("%s: %v", k, d[k]))
	}
	return strings.Join(parts, ", ")
}

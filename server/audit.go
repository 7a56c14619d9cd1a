package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
)

// auditPage is one page of the audit trail, newest first, in the shape of the other lists.
type auditPage struct {
	Entries []audit.Entry `json:"entries"`
	Next    string        `json:"next_cursor,omitempty"`
}

// listAudit is GET /v1/audit?order_id=&actor=&cursor=&limit=: who read or changed customer
// data, newest first. Reading the trail is itself an entry in it.
func (s *server) listAudit(c echo.Context) error {
	f := audit.Filter{OrderID: c.QueryParam("order_id"), Actor: c.QueryParam("actor"), Cursor: c.QueryParam("cursor")}
	if err := f.Check(); err != nil {
		return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	var err error
	if f.Limit, err = apierr.PageLimit(c); err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = defaultAuditPage
	}
	ctx := c.Request().Context()
	entries, next, err := audit.List(ctx, s.DB, f)
	if errors.Is(err, db.ErrBadCursor) {
		return errorf(http.StatusBadRequest, codeInvalidField, "cursor: not a cursor from a previous page")
	}
	if err != nil {
		return err
	}
	if err := audit.Append(ctx, s.DB, audit.ReadEntry(f, len(entries))); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, auditPage{Entries: append([]audit.Entry{}, entries...), Next: next})
}

// defaultAuditPage is a page of the trail when the request names no limit, as GET /v1/orders'.
const defaultAuditPage = 50

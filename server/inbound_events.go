package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/inbox"
)

// listInboundEvents shows staff what the inbox holds: GET /v1/inbound-events?status=&limit=&cursor=.
func (s *server) listInboundEvents(c echo.Context) error {
	var st inbox.Status
	if v := c.QueryParam("status"); v != "" {
		var err error
		if st, err = inbox.ParseStatus(v); err != nil {
			return errorf(http.StatusBadRequest, codeInvalidField, "status: %v", err)
		}
	}
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return errorf(http.StatusBadRequest, codeInvalidField, "limit: %q is not a number from 1 to 200", v)
		}
		limit = n
	}
	p, err := s.Inbox.List(c.Request().Context(), st, limit, c.QueryParam("cursor"))
	if err != nil {
		if errors.Is(err, inbox.ErrBadCursor) {
			return errorf(http.StatusBadRequest, codeInvalidField, "cursor: not a cursor from a previous page")
		}
		return err
	}
	detail := map[string]any{"events": len(p.Events)}
	if st != "" {
		detail["status"] = st
	}
	if err := audit.Append(c.Request().Context(), s.DB, audit.Entry{Action: audit.ActionReadInbound, Detail: detail}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// replayInboundEvent re-drives one stored delivery: POST /v1/inbound-events/{id}/replay. The
// inbox records the replay in the audit trail.
func (s *server) replayInboundEvent(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errorf(http.StatusBadRequest, codeInvalidField, "id: %q is not an inbound event id", c.Param("id"))
	}
	if err := s.Inbox.Replay(c.Request().Context(), id); errors.Is(err, inbox.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no inbound event %d", id)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": inbox.StatusPending})
}

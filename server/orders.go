package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Subscriber tells a live view each time an order changed (package changes implements it).
type Subscriber interface {
	Subscribe(ctx context.Context, orderID string) (<-chan struct{}, func())
}

// orderView reads an order from the read model, which answers in a millisecond. An order
// created a moment ago may not be projected yet; then its workflow answers.
func (s *server) orderView(ctx context.Context, id string) (order.View, error) {
	v, _, err := db.GetOrder(ctx, s.DB, id)
	if !errors.Is(err, db.ErrNotFound) {
		return v, err
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if v, err := workflows.QueryOrder(qctx, s.Temporal, id); err == nil {
		return v, nil
	}
	return order.View{}, db.ErrNotFound
}

// orderParam is the {order_id} of the path, unescaped (echo hands path parameters over as
// sent) and held to the rule the webhooks hold order ids to, so a lookup never goes further
// with an id no order can have.
func orderParam(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("order_id"))
	if err != nil {
		return "", errorf(http.StatusBadRequest, codeInvalidField, "order_id is not a valid path segment")
	}
	if err := order.CheckKey("order_id", id, order.MaxOrderIDLen); err != nil {
		return "", errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	return id, nil
}

// getOrder is GET /v1/orders/{order_id}: the order's current view (docs/reference/api.md).
func (s *server) getOrder(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	v, err := s.orderView(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no order %q", id)
	}
	if err != nil {
		return err
	}
	if err := readOrder(c, s.DB, id, readView); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// What of an order a read saw, as its audit entry's detail names it.
const (
	readView          = "view"
	readNotifications = "notifications"
	readStream        = "stream"
)

// readOrder records that the request's actor read what of order id. A read is answered only
// once it is in the audit trail.
func readOrder(c echo.Context, ex db.Executor, id, what string) error {
	return audit.Append(c.Request().Context(), ex, audit.Entry{Action: audit.ActionReadOrder, Subject: id, OrderID: id,
		Detail: map[string]any{"read": what}})
}

// listOrders is GET /v1/orders?status=&carrier=&tracking_number=&limit=&cursor=, newest first.
func (s *server) listOrders(c echo.Context) error {
	p := db.ListParams{Carrier: c.QueryParam("carrier"), TrackingNumber: c.QueryParam("tracking_number"), Cursor: c.QueryParam("cursor")}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"carrier", p.Carrier, order.MaxCodeLen}, {"tracking_number", p.TrackingNumber, order.MaxTrackingNumberLen}, {"cursor", p.Cursor, order.MaxIDLen}} {
		if err := order.CheckText(f.name, f.value, f.max); err != nil {
			return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
		}
	}
	if v := c.QueryParam("status"); v != "" {
		st, err := order.ParseStatus(v)
		if err != nil {
			return errorf(http.StatusBadRequest, codeInvalidField, "status: %v", err)
		}
		p.Status = st
	}
	var err error
	if p.Limit, err = apierr.PageLimit(c); err != nil {
		return err
	}
	page, err := db.ListOrders(c.Request().Context(), s.DB, p)
	if errors.Is(err, db.ErrBadCursor) {
		return errorf(http.StatusBadRequest, codeInvalidField, "cursor: not a cursor from a previous page")
	}
	if err != nil {
		return err
	}
	// The subject is the search as given (a tracking number), so erasing a customer finds it;
	// the other filters are the detail.
	detail := map[string]any{"orders": len(page.Orders)}
	for k, v := range map[string]string{"status": string(p.Status), "carrier": p.Carrier} {
		if v != "" {
			detail[k] = v
		}
	}
	if p.Cursor != "" {
		detail["page"] = "next"
	}
	if err := audit.Append(c.Request().Context(), s.DB, audit.Entry{Action: audit.ActionListOrders, Subject: p.TrackingNumber, Detail: detail}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// resolveRequest is the body of POST /v1/orders/{order_id}/exception/resolve.
type resolveRequest struct {
	Note string `json:"note"`
	By   string `json:"by"`
}

// resolveException is staff closing an order's open exception.
func (s *server) resolveException(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	var r resolveRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&r); err != nil {
		return adapterError(err)
	}
	switch err := order.CheckResolution(r.Note, r.By); {
	case errors.Is(err, order.ErrNoNote):
		return errorf(http.StatusBadRequest, codeMissingField, "%v", err)
	case err != nil:
		return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	if r.By == "" {
		r.By = "api"
	}
	var res workflows.UpdateResult
	err = audit.Within(c.Request().Context(), s.DB, func(pgx.Tx) (audit.Entry, error) {
		var err error
		res, err = workflows.UpdateOrder(c.Request().Context(), s.Temporal, id, workflows.ResolveExceptionUpdate, workflows.ResolveRequest{Note: r.Note, By: r.By})
		return audit.Entry{Action: audit.ActionResolveException, Subject: id, OrderID: id, Detail: map[string]any{"by": r.By}}, err
	})
	switch {
	case errors.Is(err, workflows.ErrOrderNotRunning):
		if _, gerr := s.orderView(c.Request().Context(), id); errors.Is(gerr, db.ErrNotFound) {
			return errorf(http.StatusNotFound, codeNotFound, "no order %q", id)
		}
		return errorf(http.StatusConflict, codeConflict, "order %q is finished", id)
	case errors.Is(err, order.ErrNoException):
		return errorf(http.StatusConflict, codeConflict, "order %q has no open exception", id)
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// streamWriteTimeout bounds one write to a stream client that stopped reading, so a dead
// connection gives its stream slot back instead of holding it for ever.
const streamWriteTimeout = 10 * time.Second

// streamOrder is GET /v1/orders/{order_id}/stream: Server-Sent Events, the order's view now and
// after every change, for dashboards that would otherwise poll. At most SHIPFLOW_STREAMS_PER_ORDER
// streams per order and SHIPFLOW_STREAMS_MAX per process are open at once; more are 429.
func (s *server) streamOrder(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	v, err := s.orderView(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no order %q", id)
	}
	if err != nil {
		return err
	}
	release, err := s.orderStreams.take(id)
	if err != nil {
		return streamsFull(c.Response().Header(), err)
	}
	defer release() // every return below, including the client going away (ctx ends)
	// Once per stream: what it sends afterwards is the same order, to the same actor.
	if err := readOrder(c, s.DB, id, readStream); err != nil {
		return err
	}
	changed, stop := s.Changes.Subscribe(ctx, id)
	defer stop()
	w := c.Response()
	rc := http.NewResponseController(w)
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // let nginx-style proxies pass events at once
	w.WriteHeader(http.StatusOK)
	write := func(format string, args ...any) error {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) // not every writer has one
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	send := func(v order.View) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return write("event: order\ndata: %s\n\n", b)
	}
	if err := send(v); err != nil {
		return nil
	}
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-keepAlive.C:
			if err := write(": keep-alive\n\n"); err != nil {
				return nil
			}
		case <-changed:
			v, err := s.orderView(ctx, id)
			if err != nil {
				continue
			}
			if err := send(v); err != nil {
				return nil
			}
		}
	}
}

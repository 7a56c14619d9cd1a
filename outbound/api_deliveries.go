package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
)

// listDeliveries is GET /v1/webhook-endpoints/{id}/deliveries: newest first, filtered by
// status, paged by cursor.
func (a *API) listDeliveries(c echo.Context) error {
	ctx, id := c.Request().Context(), c.Param("id")
	if _, err := GetEndpoint(ctx, a.DB, id); err != nil {
		return endpointError(err, id)
	}
	p := DeliveryParams{Cursor: c.QueryParam("cursor")}
	switch st := DeliveryStatus(c.QueryParam("status")); st {
	case "", DeliveryPending, DeliveryDelivered, DeliveryFailed:
		p.Status = st
	default:
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "status: must be pending, delivered or failed")
	}
	var err error
	if p.Limit, err = apierr.PageLimit(c); err != nil {
		return err
	}
	page, err := ListDeliveries(ctx, a.DB, id, p)
	if errors.Is(err, db.ErrBadCursor) {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "cursor: not a cursor from a previous page")
	}
	if err != nil {
		return err
	}
	if err := audit.Append(ctx, a.DB, audit.Entry{Action: audit.ActionReadDeliveries, Subject: id,
		Detail: map[string]any{"status": string(p.Status)}}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// getDelivery is GET /v1/webhook-deliveries/{id}: the delivery with every attempt.
func (a *API) getDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := GetDelivery(ctx, a.DB, c.Param("id"))
	if err != nil {
		return deliveryError(err, c.Param("id"))
	}
	if err := audit.Append(ctx, a.DB, audit.Entry{Action: audit.ActionReadDeliveries, Subject: d.ID, OrderID: d.OrderID}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// retryDelivery is POST /v1/webhook-deliveries/{id}/retry: one attempt now, whatever the
// delivery's state. The answer is 202: the attempt runs in the delivery's workflow, and its
// result shows in the delivery's attempt log.
func (a *API) retryDelivery(c echo.Context) error {
	d, err := a.Retry(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, d)
}

// retry starts a person's retry of d (as read) and then marks it pending for its workflow, in
// that order: a row is never marked for a run that was not started, where no dispatcher and
// no workflow would ever send it. A retry cut between the two leaves the row as it was, for
// the same request again to finish; starting it twice sends nothing twice
// (Deliveries.RetryDelivery). A pending delivery is left as it is: its dispatcher or
// workflow still owns it, and the signal only wakes a workflow's wait.
func (a *API) retry(ctx context.Context, d Delivery) error {
	if err := a.Deliveries.RetryDelivery(ctx, d); err != nil {
		return err
	}
	if d.Status == DeliveryPending {
		return nil
	}
	// The run is started: the mark is made even if the caller has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	_, err := MarkRetried(ctx, a.DB, d)
	return err
}

// markTimeout bounds the mark after a retry has started, which outlives the request.
const markTimeout = 10 * time.Second

// recoverRequest is the body of POST /v1/webhook-endpoints/{id}/recover.
type recoverRequest struct {
	Since *time.Time `json:"since"`
}

// recoverParallel bounds the retries recover starts at once, so a recovery of thousands does
// not crowd out everything else on the Temporal frontend.
const recoverParallel = 8

// recoverEndpoint is POST /v1/webhook-endpoints/{id}/recover {since}: every failed delivery
// of the endpoint created since then is retried, once each (API.Recover).
func (a *API) recoverEndpoint(c echo.Context) error {
	var r recoverRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return apierr.Decode(err)
	}
	if r.Since == nil {
		return apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "since is required (an RFC 3339 time)")
	}
	id := c.Param("id")
	started, err := a.Recover(c.Request().Context(), id, *r.Since)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"endpoint_id": id, "since": r.Since.UTC(), "recovered": started})
}

// waitsForDigest reports whether a pending delivery with no digest belongs to a feed, where it
// waits to be gathered into the feed's next digest.
func (a *API) waitsForDigest(ctx context.Context, d Delivery) bool {
	e, err := GetEndpoint(ctx, a.DB, d.EndpointID)
	return err == nil && e.Kind.Feed() && !isTestEvent(d.EventID)
}

func deliveryError(err error, id string) error {
	if errors.Is(err, db.ErrNotFound) {
		return apierr.Errorf(http.StatusNotFound, apierr.NotFound, "no webhook delivery %s", quoteID(id))
	}
	return err
}

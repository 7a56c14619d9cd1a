package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/workflows"
)

// deliveries starts delivery workflows on the worker's task queue.
func (s *server) deliveries() workflows.Deliveries {
	return workflows.Deliveries{Client: s.Temporal, TaskQueue: s.Config.Temporal.TaskQueue}
}

// listDeliveries is GET /v1/webhook-endpoints/{id}/deliveries: newest first, filtered by
// status, paged by cursor.
func (s *server) listDeliveries(c echo.Context) error {
	ctx, id := c.Request().Context(), c.Param("id")
	if _, err := db.GetEndpoint(ctx, s.DB, id); err != nil {
		return endpointError(err, id)
	}
	p := db.DeliveryParams{Cursor: c.QueryParam("cursor")}
	switch st := db.DeliveryStatus(c.QueryParam("status")); st {
	case "", db.DeliveryPending, db.DeliveryDelivered, db.DeliveryFailed:
		p.Status = st
	default:
		return errorf(http.StatusBadRequest, codeInvalidField, "status: must be pending, delivered or failed")
	}
	var err error
	if p.Limit, err = pageLimit(c); err != nil {
		return err
	}
	page, err := db.ListDeliveries(ctx, s.DB, id, p)
	if errors.Is(err, db.ErrBadCursor) {
		return errorf(http.StatusBadRequest, codeInvalidField, "cursor: not a cursor from a previous page")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// getDelivery is GET /v1/webhook-deliveries/{id}: the delivery with every attempt.
func (s *server) getDelivery(c echo.Context) error {
	d, err := db.GetDelivery(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return deliveryError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, d)
}

// retryDelivery is POST /v1/webhook-deliveries/{id}/retry: one attempt now, whatever the
// delivery's state. The answer is 202: the attempt runs in the delivery's workflow, and its
// result shows in the delivery's attempt log.
func (s *server) retryDelivery(c echo.Context) error {
	ctx, id := c.Request().Context(), c.Param("id")
	d, err := db.GetDelivery(ctx, s.DB, id)
	if err != nil {
		return deliveryError(err, id)
	}
	if err := s.deliveries().RetryDelivery(ctx, d); err != nil {
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "cannot start the retry now: %v", err)
	}
	return c.JSON(http.StatusAccepted, d)
}

// recoverRequest is the body of POST /v1/webhook-endpoints/{id}/recover.
type recoverRequest struct {
	Since *time.Time `json:"since"`
}

// recoverParallel bounds the retries recover starts at once, so a recovery of thousands does
// not crowd out everything else on the Temporal frontend.
const recoverParallel = 8

// recoverEndpoint is POST /v1/webhook-endpoints/{id}/recover {since}: every failed delivery
// of the endpoint created since then is retried, once each. Nothing is marked before its
// retry has started, so asking again after an error is safe and finishes the job.
func (s *server) recoverEndpoint(c echo.Context) error {
	ctx, id := c.Request().Context(), c.Param("id")
	var r recoverRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return adapterError(err)
	}
	if r.Since == nil {
		return errorf(http.StatusBadRequest, codeMissingField, "since is required (an RFC 3339 time)")
	}
	if _, err := db.GetEndpoint(ctx, s.DB, id); err != nil {
		return endpointError(err, id)
	}
	failed, err := db.FailedSince(ctx, s.DB, id, *r.Since)
	if err != nil {
		return err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, recoverParallel)
		dl    = s.deliveries()
	)
	for _, d := range failed {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := dl.RetryDelivery(ctx, d); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "recovery incomplete, ask again: %v", first)
	}
	return c.JSON(http.StatusAccepted, map[string]any{"endpoint_id": id, "since": r.Since.UTC(), "recovered": len(failed)})
}

func deliveryError(err error, id string) error {
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no webhook delivery %s", quoteID(id))
	}
	return err
}

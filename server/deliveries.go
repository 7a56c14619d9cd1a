package server

import (
	"context"
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
	if err := s.retry(ctx, d); err != nil {
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "cannot start the retry now, ask again: %v", err)
	}
	return c.JSON(http.StatusAccepted, d)
}

// retry starts a person's retry of d (as read) and then marks it pending for its workflow, in
// that order: a row is never marked for a run that was not started, where no dispatcher and
// no workflow would ever send it. A retry cut between the two leaves the row as it was, for
// the same request again to finish; starting it twice sends nothing twice
// (workflows.Deliveries.RetryDelivery). A pending delivery is left as it is: its dispatcher or
// workflow still owns it, and the signal only wakes a workflow's wait.
func (s *server) retry(ctx context.Context, d db.Delivery) error {
	if err := s.deliveries().RetryDelivery(ctx, d); err != nil {
		return err
	}
	if d.Status == db.DeliveryPending {
		return nil
	}
	// The run is started: the mark is made even if the caller has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	_, err := db.MarkRetried(ctx, s.DB, d)
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
// of the endpoint created since then is retried, once each. Nothing is marked before its
// retry has started (see retry), so a recovery cut short by Temporal or by the caller leaves
// the rest failed, and asking again finds them and finishes the job; what the first request
// started is pending by then, or done, and is not sent again.
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
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		started int
		sem     = make(chan struct{}, recoverParallel)
	)
	for _, d := range failed {
		sem <- struct{}{}
		if ctx.Err() != nil { // the caller has gone: start no more, and let the next request finish
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			err := s.retry(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				started++
			} else if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "recovery incomplete (%d of %d started), ask again: %v", started, len(failed), first)
	}
	return c.JSON(http.StatusAccepted, map[string]any{"endpoint_id": id, "since": r.Since.UTC(), "recovered": started})
}

func deliveryError(err error, id string) error {
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no webhook delivery %s", quoteID(id))
	}
	return err
}

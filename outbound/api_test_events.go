package outbound

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
)

// listEventTypes is GET /v1/event-types: the catalogue, every type with an example body.
func (a *API) listEventTypes(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"event_types": Catalogue()})
}

// testRequest is the body of POST /v1/webhook-endpoints/{id}/test; it may be empty.
type testRequest struct {
	EventType *string `json:"event_type"`
}

// testTimeout bounds a test's attempt and its record once the request is in: a caller that
// hangs up does not cut the attempt short, and an attempt is at most Timeout.
const testTimeout = Timeout + 15*time.Second

// testEndpoint is POST /v1/webhook-endpoints/{id}/test {event_type}: the catalogue's example
// of the type (DefaultTestType when none is named) is sent to the endpoint now, once, and
// answered with the delivery and its attempt.
func (a *API) testEndpoint(c echo.Context) error {
	var r testRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil && !errors.Is(err, io.EOF) {
		return apierr.Decode(err)
	}
	d, err := a.SendTest(c.Request().Context(), c.Param("id"), r.EventType)
	var limit *TestLimitError
	if errors.As(err, &limit) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(limit.RetryAfter.Seconds()))))
		return apierr.Errorf(http.StatusTooManyRequests, apierr.RateLimited, "%v", limit)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

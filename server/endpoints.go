package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
)

// rotationOverlap is how long a rotated-out secret keeps signing (SPEC section 4).
const rotationOverlap = 24 * time.Hour

// endpointRequest is the body of endpoint creation and updates.
type endpointRequest struct {
	URL         *string   `json:"url"`
	EventTypes  *[]string `json:"event_types"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

// checkEndpoint validates what a subscriber may set: a URL shipflow will agree to call (the
// dial-time guard still applies when delivering) and known event types.
func (s *server) checkEndpoint(r endpointRequest) error {
	if r.URL != nil {
		err := egress.CheckURL(*r.URL, egress.Policy{Allowed: s.Config.WebhookAllowedCIDRs, AllowHTTP: s.Config.WebhookAllowHTTP})
		if err != nil {
			return errorf(http.StatusUnprocessableEntity, codeUnprocessable, "url: %v", err)
		}
	}
	if r.EventTypes != nil {
		for i, t := range *r.EventTypes {
			if _, err := order.ParsePublishType(t); err != nil {
				return errorf(http.StatusBadRequest, codeInvalidField, "event_types[%d]: %v", i, err)
			}
		}
	}
	return nil
}

func decodeEndpoint(c echo.Context) (endpointRequest, error) {
	var r endpointRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, adapterError(err)
	}
	return r, nil
}

// masked hides an endpoint's secret: it is shown in full once, when created or rotated.
func masked(e db.Endpoint) db.Endpoint {
	if len(e.Secret) > 10 {
		e.Secret = e.Secret[:10] + strings.Repeat("*", 8)
	}
	return e
}

// createEndpoint is POST /v1/webhook-endpoints.
func (s *server) createEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	if r.URL == nil || *r.URL == "" {
		return errorf(http.StatusBadRequest, codeMissingField, "url is required")
	}
	if err := s.checkEndpoint(r); err != nil {
		return err
	}
	var types []string
	if r.EventTypes != nil {
		types = *r.EventTypes
	}
	desc := ""
	if r.Description != nil {
		desc = *r.Description
	}
	e, err := db.CreateEndpoint(c.Request().Context(), s.DB, *r.URL, desc, types)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, e)
}

// listEndpoints is GET /v1/webhook-endpoints.
func (s *server) listEndpoints(c echo.Context) error {
	es, err := db.ListEndpoints(c.Request().Context(), s.DB)
	if err != nil {
		return err
	}
	for i := range es {
		es[i] = masked(es[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"endpoints": es})
}

// getEndpoint is GET /v1/webhook-endpoints/{id}.
func (s *server) getEndpoint(c echo.Context) error {
	e, err := db.GetEndpoint(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, masked(e))
}

// updateEndpoint is PATCH /v1/webhook-endpoints/{id}.
func (s *server) updateEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	if err := s.checkEndpoint(r); err != nil {
		return err
	}
	e, err := db.UpdateEndpoint(c.Request().Context(), s.DB, c.Param("id"),
		db.EndpointChange{URL: r.URL, Description: r.Description, EventTypes: r.EventTypes, Enabled: r.Enabled})
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, masked(e))
}

// deleteEndpoint is DELETE /v1/webhook-endpoints/{id}.
func (s *server) deleteEndpoint(c echo.Context) error {
	if err := db.DeleteEndpoint(c.Request().Context(), s.DB, c.Param("id")); err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.NoContent(http.StatusNoContent)
}

// rotateSecret is POST /v1/webhook-endpoints/{id}/rotate-secret: the new secret is shown once,
// and the old one keeps signing for a day.
func (s *server) rotateSecret(c echo.Context) error {
	e, err := db.RotateSecret(c.Request().Context(), s.DB, c.Param("id"), rotationOverlap)
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, e)
}

func endpointError(err error, id string) error {
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no webhook endpoint %q", id)
	}
	return err
}

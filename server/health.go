package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz says the process is alive; it checks nothing else, so an orchestrator restarts the
// process only when the process itself is wedged.
func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the /readyz body: each dependency and, when it fails, why.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyz says whether this replica can do its work: Postgres (the inbox and read model) and
// Temporal (the workflows) must both answer. A load balancer drains a replica that says no.
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readiness{Status: "ok", Checks: map[string]string{"postgres": "ok", "temporal": "ok"}}
	if err := s.DB.Ping(ctx); err != nil {
		r.Status, r.Checks["postgres"] = "unavailable", "unreachable: "+err.Error()
	}
	if _, err := s.Temporal.CheckHealth(ctx, nil); err != nil {
		r.Status, r.Checks["temporal"] = "unavailable", "unreachable: "+err.Error()
	}
	if r.Status != "ok" {
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	return c.JSON(http.StatusOK, r)
}

package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz says the process is alive; it checks nothing else, so an orchestrator restarts the
// process only when the process itself is wedged.
func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// Words of the /readyz body, for the replica and for each dependency.
const (
	readyOK          = "ok"
	readyUnavailable = "unavailable"
)

const (
	// readyTimeout bounds one round of checks, so a hung dependency reads as unavailable.
	readyTimeout = 2 * time.Second
	// readyReuse is how long one round of checks answers every probe: any number of probes
	// cost the dependencies at most one ping each per second.
	readyReuse = time.Second
)

// readiness is the /readyz body: ok or not for the replica and each dependency, and nothing
// more. Why a dependency failed is for the operator's log, not for whoever can reach the port.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyState remembers the last round of checks and which dependencies were down at it.
type readyState struct {
	mu   sync.Mutex
	at   time.Time
	last readiness
	down map[string]bool
}

// readyz says whether this replica can do its work: Postgres (the inbox and read model) and
// Temporal (the workflows) must both answer. A load balancer drains a replica that says no.
func (s *server) readyz(c echo.Context) error {
	r := s.readiness(c.Request().Context())
	if r.Status != readyOK {
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	return c.JSON(http.StatusOK, r)
}

// readiness runs one round of checks, or returns the last one when it is fresh; concurrent
// probes wait for the round in progress rather than start their own.
func (s *server) readiness(ctx context.Context) readiness {
	st := &s.ready
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.last.Status != "" && time.Since(st.at) < readyReuse {
		return st.last
	}
	// The round answers other probes too: one caller hanging up must not make it fail.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	checks := []struct {
		name  string
		check func(context.Context) error
	}{
		{"postgres", s.DB.Ping},
		{"temporal", func(ctx context.Context) error { _, err := s.Temporal.CheckHealth(ctx, nil); return err }},
	}
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, ch := range checks { // side by side, so one hung dependency does not fail the other
		wg.Go(func() { errs[i] = ch.check(ctx) })
	}
	wg.Wait()
	r := readiness{Status: readyOK, Checks: map[string]string{}}
	for i, ch := range checks {
		err := errs[i]
		r.Checks[ch.name] = readyOK
		if err != nil {
			r.Status, r.Checks[ch.name] = readyUnavailable, readyUnavailable
		}
		st.note(s, ch.name, err)
	}
	st.at, st.last = time.Now(), r
	return r
}

// note logs a dependency's change of state: a warning with the error when it goes down, a line
// when it is back. While it stays down the error is logged at debug only, so neither a
// prober nor an outage floods the log.
func (st *readyState) note(s *server, name string, err error) {
	if st.down == nil {
		st.down = map[string]bool{}
	}
	switch {
	case err != nil && !st.down[name]:
		s.Logger.Warn("readiness: dependency unavailable", "dependency", name, "err", err)
	case err != nil:
		s.Logger.Debug("readiness: dependency still unavailable", "dependency", name, "err", err)
	case st.down[name]:
		s.Logger.Info("readiness: dependency available again", "dependency", name)
	}
	st.down[name] = err != nil
}

package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// requestLogger is the process logger tagged with the request id, so one grep finds every line
// of a request.
func (s *server) requestLogger(c echo.Context) *slog.Logger {
	return s.Logger.With("request_id", c.Response().Header().Get(echo.HeaderXRequestID))
}

// recoverPanics turns a handler panic into a logged 500 in the usual error shape: one bad
// request must not take the process down.
func (s *server) recoverPanics() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					stack := make([]byte, 8<<10)
					stack = stack[:runtime.Stack(stack, false)]
					s.requestLogger(c).Error("handler panic", "panic", fmt.Sprint(r), "stack", string(stack))
					err = errorf(http.StatusInternalServerError, codeInternal, "internal error; the request id identifies it in the logs")
				}
			}()
			return next(c)
		}
	}
}

// observe logs and measures every request. It resolves a handler's error into its response
// first, so the log line and the metrics carry the status the client really got.
func (s *server) observe() echo.MiddlewareFunc {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shipflow_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"method", "route", "code"})
	// Labelled by route template, never by raw path, to keep cardinality bounded.
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "shipflow_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
	}, []string{"method", "route"})
	s.Metrics.Registry.MustRegister(requests, duration)

	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			elapsed := time.Since(start)
			req, status := c.Request(), c.Response().Status
			route := c.Path()
			if route == "" || route == "/*" {
				route = "unmatched"
			}
			duration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
			requests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Inc()

			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case route == "/healthz" || route == "/readyz" || route == "/metrics":
				level = slog.LevelDebug // probes every few seconds would drown the log
			}
			s.requestLogger(c).Log(req.Context(), level, "http request",
				"method", req.Method, "route", route, "path", req.URL.Path, "status", status,
				"duration_ms", float64(elapsed.Microseconds())/1000,
				"bytes_in", req.ContentLength, "bytes_out", c.Response().Size)
			return nil
		}
	}
}

func (s *server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{Registry: s.Metrics.Registry})
}

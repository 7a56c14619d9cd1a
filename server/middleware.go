package server

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
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

// maxRequestIDLen caps a caller's request id: enough for a UUID or a trace id with a prefix.
const maxRequestIDLen = 64

// requestID tags the request with the caller's X-Request-ID when it is a short, plain token,
// and with a fresh one otherwise: the id is echoed in the response and written on every log
// line of the request, so an unchecked one would echo whatever a caller sent (60 KB, or a
// newline forging a log line) back to them and into the logs.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !validRequestID(id) {
				id = rand.Text()
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			return next(c)
		}
	}
}

// validRequestID reports whether id is 1 to maxRequestIDLen bytes of [A-Za-z0-9._:-].
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// maxLoggedPath caps the path a log line carries: a URL may be kilobytes long.
const maxLoggedPath = 256

// redactedToken stands in the log for a link's token, the segment after trackSegment or
// unsubscribeSegment: both links are bearer secrets.
const (
	redactedToken      = "[token]"
	trackSegment       = "track"
	unsubscribeSegment = "unsubscribe"
)

// logPath is a request path as the log may show it. A tracking link is a bearer secret, so
// the segment after any "track" segment is replaced, on every path, routed or not (a typo'd
// //track/ or /TRACK/ carries a real token too): a log line must not open a customer's order
// to whoever reads the logs.
func logPath(p string) string {
	cut := ""
	if len(p) > maxLoggedPath { // first, so that a long path costs no more than a short one
		p, cut = strings.ToValidUTF8(p[:maxLoggedPath], ""), "..."
	}
	segs := strings.Split(p, "/")
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], trackSegment) || strings.EqualFold(segs[i], unsubscribeSegment) {
			segs[i+1] = redactedToken
			i++
		}
	}
	if p = strings.Join(segs, "/"); len(p) > maxLoggedPath { // the redaction may lengthen it
		p, cut = p[:maxLoggedPath], "..."
	}
	return p + cut
}

// otherMethod stands for any method no route uses.
const otherMethod = "other"

// methodName is a request's method as metrics and the log show it: net/http takes any token
// as a method, of any length, and each new one would be a new metric series for good.
func methodName(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return otherMethod
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
			method := methodName(req.Method)
			duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
			requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()

			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case route == "/healthz" || route == "/readyz" || route == "/metrics":
				level = slog.LevelDebug // probes every few seconds would drown the log
			}
			s.requestLogger(c).Log(req.Context(), level, "http request",
				"method", method, "route", route, "path", logPath(req.URL.Path), "status", status,
				"duration_ms", float64(elapsed.Microseconds())/1000,
				"bytes_in", req.ContentLength, "bytes_out", c.Response().Size)
			return nil
		}
	}
}

func (s *server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{Registry: s.Metrics.Registry})
}

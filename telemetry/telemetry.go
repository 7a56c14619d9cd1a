// Package telemetry owns what operators read off a running shipflow: the structured JSON log and
// the Prometheus registry, including the Temporal SDK's own metrics (poll latencies, task
// failures, schedule-to-start) bridged into it so one /metrics page shows both.
package telemetry

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	sdkotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// NewLogger returns a JSON logger at the given level (debug, info, warn or error).
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // config validated it; an unknown level stays info
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Metrics is one process's Prometheus registry with the collectors every shipflow process has.
type Metrics struct {
	Registry *prometheus.Registry
	// Temporal receives the SDK's metrics; pass it as client.Options.MetricsHandler.
	Temporal client.MetricsHandler
}

// NewMetrics builds the registry with Go runtime, process and Temporal SDK metrics.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("temporal metrics exporter: %w", err)
	}
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)).Meter("temporal-sdk-go")
	handler := sdkotel.NewMetricsHandler(sdkotel.MetricsHandlerOptions{
		Meter: meter,
		// The default panics; a metrics hiccup must never take a worker down.
		OnError: func(err error) { slog.Warn("temporal metric", "err", err) },
		// The SDK's counters only grow: exported as Prometheus counters (with _total), so
		// rate() and alert rules read them as such, not as gauges (docs/temporal.md).
		UseMonotonicCounters: true,
	})
	return &Metrics{Registry: reg, Temporal: handler}, nil
}

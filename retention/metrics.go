package retention

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shipflow/shipflow/config"
)

// Collector exports retention on /metrics: each kind's configured age, and what the
// workflows pruned as retention_runs records it. Pruning runs in the workers; serve reads
// the table at each scrape, so any replica shows every run. The age's gauge beside the last
// run's time is what an operator alerts on: a last run older than a few intervals means
// nothing is pruned, and rows older than their age pile up.
type Collector struct {
	DB        *pgxpool.Pool
	Retention config.Retention
	Logger    *slog.Logger
}

// scrapeTimeout bounds the read of retention_runs, a few rows, so a slow database delays a
// scrape little.
const scrapeTimeout = 2 * time.Second

var (
	keepDesc = prometheus.NewDesc("shipflow_retention_keep_seconds",
		"How long each kind of data is kept before it is pruned (SHIPFLOW_RETENTION_<KIND>); 0: kept for ever.", []string{"kind"}, nil)
	prunedDesc = prometheus.NewDesc("shipflow_retention_pruned_total",
		"Rows each kind's retention pruned (deleted, or blanked for notification_bodies; orders for orders), over every run.", []string{"kind"}, nil)
	lastRunDesc = prometheus.NewDesc("shipflow_retention_last_run_timestamp_seconds",
		"When the last retention run that pruned each kind started.", []string{"kind"}, nil)
	lastPrunedDesc = prometheus.NewDesc("shipflow_retention_last_pruned",
		"Rows the last retention run pruned of each kind.", []string{"kind"}, nil)
	onDesc = prometheus.NewDesc("shipflow_retention_enabled",
		"1 while the retention schedule runs (SHIPFLOW_RETENTION), 0 when it is paused.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{keepDesc, prunedDesc, lastRunDesc, lastPrunedDesc, onDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	on := 0.0
	if c.Retention.On {
		on = 1
	}
	ch <- prometheus.MustNewConstMetric(onDesc, prometheus.GaugeValue, on)
	for _, a := range Ages(c.Retention) {
		ch <- prometheus.MustNewConstMetric(keepDesc, prometheus.GaugeValue, a.Keep.Seconds(), string(a.Kind))
	}
	if c.DB == nil { // a process without Postgres (some tests) shows the ages alone
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	ts, err := ListTotals(ctx, c.DB)
	if err != nil {
		if c.Logger != nil {
			c.Logger.Warn("retention metrics", "err", err)
		}
		return
	}
	for _, t := range ts {
		k := string(t.Kind)
		ch <- prometheus.MustNewConstMetric(prunedDesc, prometheus.CounterValue, float64(t.Total), k)
		ch <- prometheus.MustNewConstMetric(lastRunDesc, prometheus.GaugeValue, float64(t.LastRunAt.Unix()), k)
		ch <- prometheus.MustNewConstMetric(lastPrunedDesc, prometheus.GaugeValue, float64(t.LastPruned), k)
	}
}

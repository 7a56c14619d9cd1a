package main

import (
	"testing"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/order"
)

// TestDailyUpdateSettings: every new order starts with daily updates offered (customers who
// ask get them), at the configured hour, with the merchant's default from
// SHIPFLOW_DAILY_UPDATES.
func TestDailyUpdateSettings(t *testing.T) {
	for _, on := range []bool{false, true} {
		a := &app{cfg: &config.Config{DailyUpdates: on, DailyUpdateHour: 17}}
		if got, want := a.orderSettings().Daily, (order.Daily{Offered: true, Default: on, Hour: 17}); got != want {
			t.Errorf("SHIPFLOW_DAILY_UPDATES=%v: settings %+v, want %+v", on, got, want)
		}
	}
}

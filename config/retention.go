package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention is how long each kind of data is kept (README "Retention"; package retention
// prunes it). A zero age keeps that kind for ever.
type Retention struct {
	// On runs the retention schedule (SHIPFLOW_RETENTION); Every is its interval.
	On    bool
	Every time.Duration
	// Inbox: inbound deliveries applied or rejected, by when they arrived.
	Inbox time.Duration
	// NotificationBodies: the text of a message in the notification log, blanked; the row
	// stays for Notifications.
	NotificationBodies time.Duration
	Notifications      time.Duration
	// Deliveries: subscriber deliveries delivered or failed, by their last change, with their
	// attempts, and test events no delivery needs any more.
	Deliveries time.Duration
	// Orders: finished orders in the read model, by their last change.
	Orders time.Duration
	Audit  time.Duration
	// Transient: voice answers and failed verifications, two-way texts, ended console
	// sessions: rows the code itself reads for a day at most.
	Transient time.Duration
	// PrivacyRequests: erasures and exports kept for the merchant, done or failed, by when
	// they finished; an export's document holds a customer's personal data.
	PrivacyRequests time.Duration
}

// Day is the unit retention ages are written in.
const Day = 24 * time.Hour

// Bounds of a retention age: a day is the longest any transient row is read for (two-way
// texts, voice verifications), and ten years is longer than any law asks a shop to keep
// these records.
const (
	MinAge = Day
	MaxAge = 3660 * Day
)

// Bounds of SHIPFLOW_RETENTION_EVERY: a pass more often than a minute only adds load; one
// rarer than a day lets a day's rows pile up for the next.
const (
	minRetentionEvery = time.Minute
	maxRetentionEvery = Day
)

// ParseAge reads a retention age: a whole number of days written with the d unit ("30d",
// "395d"), or "0" or "off" for none (kept for ever), which it returns as 0.
func ParseAge(v string) (time.Duration, error) {
	switch v {
	case "0", "off":
		return 0, nil
	}
	digits, ok := strings.CutSuffix(v, "d")
	if !ok || digits == "" || len(digits) > 4 || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not an age in days such as 30d, or off", v)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("%q is not an age in days such as 30d, or off", v)
	}
	d := time.Duration(n) * Day
	if d < MinAge || d > MaxAge {
		return 0, fmt.Errorf("%q must be from %dd to %dd, or off", v, MinAge/Day, MaxAge/Day)
	}
	return d, nil
}

func age(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := ParseAge(v)
		if err != nil {
			return err
		}
		*dst = d
		return nil
	}
}

func retentionEvery(dst *time.Duration) func(string) error {
	return func(v string) error {
		var d time.Duration
		if err := duration(&d)(v); err != nil {
			return err
		}
		if d < minRetentionEvery || d > maxRetentionEvery {
			return fmt.Errorf("%q must be from %s to %s", v, minRetentionEvery, maxRetentionEvery)
		}
		*dst = d
		return nil
	}
}

// checkRetention refuses ages that contradict each other or the lifecycle. A body blanked
// after its row is gone promises something that never happens (bodies off with rows on keeps
// each body as long as its row). A finished order's workflow still runs while it waits for a
// return parcel (SHIPFLOW_RETURN_WATCH since its latest news) and for the review request
// (SHIPFLOW_REVIEW_REQUEST_DELAY), and projects the order as it goes: an order pruned before
// then would come back from its next projection without its history.
func (c *Config) checkRetention() error {
	r := c.Retention
	if r.Notifications > 0 && r.NotificationBodies > r.Notifications {
		return errors.New("config: SHIPFLOW_RETENTION_NOTIFICATION_BODIES: is longer than SHIPFLOW_RETENTION_NOTIFICATIONS; a body goes with its row, so make it no longer")
	}
	if live := max(c.ReturnWatch, c.ReviewRequestDelay); r.Orders > 0 && r.Orders <= live {
		return fmt.Errorf("config: SHIPFLOW_RETENTION_ORDERS: %dd is not longer than a finished order's workflow may still run (%s, SHIPFLOW_RETURN_WATCH or SHIPFLOW_REVIEW_REQUEST_DELAY); make it longer", r.Orders/Day, live)
	}
	return nil
}

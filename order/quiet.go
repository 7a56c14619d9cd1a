package order

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is the part of the customer's night when non-urgent messages wait, as minutes
// after local midnight. Start after End wraps midnight (21:00-08:00); equal means none.
type QuietHours struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// ParseQuietHours reads "21:00-08:00"; "off" means no quiet hours.
func ParseQuietHours(s string) (QuietHours, error) {
	if s == "off" {
		return QuietHours{}, nil
	}
	var h1, m1, h2, m2 int
	if n, err := fmt.Sscanf(s, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || n != 4 ||
		h1 < 0 || h1 > 23 || h2 < 0 || h2 > 23 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 {
		return QuietHours{}, fmt.Errorf("%q is not a range such as 21:00-08:00 (or off)", s)
	}
	return QuietHours{Start: h1*60 + m1, End: h2*60 + m2}, nil
}

// Urgent milestones are sent at any hour: on delivery day a message at 07:00 is the point. So
// is a cancellation: it answers the customer's own request, usually made minutes before, or is
// news they need before they wait in for a parcel, and it is the order's last message, so the
// order is over as soon as it is sent rather than the next morning.
func (m Milestone) Urgent() bool {
	switch m {
	case MilestoneOutForDelivery, MilestoneAvailableForPickup, MilestoneAttemptFailed, MilestoneDelivered, MilestoneCancelled:
		return true
	}
	return false
}

// afterReturn reports whether m is still worth telling once the order is returned.
func (m Milestone) afterReturn() bool {
	switch m {
	case MilestoneReturnInTransit, MilestoneReturnReceived, MilestoneRefundProcessed:
		return true
	}
	return false
}

// Contains reports whether the customer-local clock time minute (minutes after midnight) falls
// in the quiet hours: a daily update hour inside them is refused at start.
func (q QuietHours) Contains(minute int) bool {
	switch {
	case q.Off():
		return false
	case q.Start < q.End:
		return minute >= q.Start && minute < q.End
	}
	return minute >= q.Start || minute < q.End // wraps midnight
}

// Off reports whether there are no quiet hours.
func (q QuietHours) Off() bool { return q.Start == q.End }

// Wait is how long a non-urgent message due at now must wait to leave the customer's quiet
// hours in time zone tz (IANA; unknown or empty means UTC). It reads the time zone database,
// so a workflow calls it inside a SideEffect.
func (q QuietHours) Wait(now time.Time, tz string) time.Duration {
	start, end := q.Window(now, tz)
	return QuietWait(now, start, end)
}

// QuietWait is Wait from a window Window gave: the rest of it when now is inside, else 0.
func QuietWait(now, start, end time.Time) time.Duration {
	if end.IsZero() || now.Before(start) || !now.Before(end) {
		return 0
	}
	return end.Sub(now)
}

// Window is the customer's quiet hours that now is in, or else the next, as instants: a
// workflow asks it once (in a SideEffect, as it reads the time zone database) and answers
// every message until the window ends from it, deterministically. Zero times when there are
// no quiet hours.
func (q QuietHours) Window(now time.Time, tz string) (start, end time.Time) {
	if q.Off() {
		return time.Time{}, time.Time{}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	local := now.In(loc)
	for d := -1; d <= 1; d++ {
		day := local.AddDate(0, 0, d)
		start = time.Date(day.Year(), day.Month(), day.Day(), q.Start/60, q.Start%60, 0, 0, loc)
		end = time.Date(day.Year(), day.Month(), day.Day(), q.End/60, q.End%60, 0, 0, loc)
		if !end.After(start) {
			end = end.AddDate(0, 0, 1)
		}
		if end.After(now) {
			return start.UTC(), end.UTC()
		}
	}
	return start.UTC(), end.UTC() // not reached: tomorrow's window ends after now
}

// milestoneRank orders the milestones of one shipment's journey: a message held for quiet hours is
// stale once one of a higher rank was asked for after it. Delayed and the review request
// stand apart (see Superseded).
var milestoneRank = map[Milestone]int{
	MilestoneConfirmed:          1,
	MilestonePacked:             2,
	MilestoneShipped:            3,
	MilestoneInTransit:          4,
	MilestoneOutForDelivery:     5,
	MilestoneAvailableForPickup: 5,
	MilestoneAttemptFailed:      5,
	MilestoneDelivered:          6,
	MilestoneReturnInTransit:    7,
	MilestoneReturnReceived:     8,
}

// Superseded says why a message held for the customer's quiet hours has lost its point by the
// time it may go, or "" when it should still be sent: the order was cancelled or returned; a
// later milestone of the same shipment (of any shipment, for an order-level message) was
// asked for meanwhile, so the customer already heard better news, and several held messages
// collapse into the latest; a delay whose exception has closed. The review request goes
// unless the order was cancelled or returned. The cancellation message is the one message
// sent after a cancellation; a return's own messages and a refund still go after a return.
func (o *Order) Superseded(n Notify) string {
	switch {
	case n.Milestone == MilestoneCancelled:
		return ""
	case o.CancelledAt != nil:
		return "the order was cancelled"
	case o.ReturnedAt != nil && !n.Milestone.afterReturn():
		return "the order was returned"
	case n.Milestone == MilestoneReviewRequest, n.Milestone == MilestoneRefundProcessed:
		return ""
	case n.Milestone == MilestoneDailyUpdate:
		if len(o.Moving()) == 0 {
			return "no parcel is on its way any more"
		}
		return ""
	case n.Milestone == MilestoneDelayed:
		if x := o.Exception; x == nil || x.ShipmentID != n.ShipmentID {
			return "the delay it told of is over"
		}
		return ""
	}
	own := string(n.Milestone) + "/" + n.ShipmentID
	after := false
	for _, key := range o.Notified {
		if key == own {
			after = true
			continue
		}
		m, shipment, _ := strings.Cut(key, "/")
		if after && milestoneRank[Milestone(m)] > milestoneRank[n.Milestone] && (n.ShipmentID == "" || shipment == n.ShipmentID) {
			return fmt.Sprintf("%s was told after it", m)
		}
	}
	return ""
}

package order

import (
	"fmt"
	"slices"
	"strings"
)

// Steps are the rules of issue 19's "every step told": more messages (packed, cancelled,
// refund processed, in transit), a return parcel tracked like any other, and a contact change
// that reaches a live order. An order runs under the Steps its workflow started with; the zero
// value is the rules from before, which orders recorded before them must keep replaying.
type Steps struct {
	// Tell lists the milestones of the journey told to the customer (Switchable ones only).
	Tell []Milestone `json:"tell,omitempty"`
	// Returns tracks the return parcel an order.return.initiated carries.
	Returns bool `json:"returns,omitempty"`
	// Contact applies customer.updated and order.updated to the order's customer.
	Contact bool `json:"contact,omitempty"`
}

// Tells reports whether the journey's milestone m is told under s.
func (s Steps) Tells(m Milestone) bool { return slices.Contains(s.Tell, m) }

// Switchable are the milestones a deployment turns on or off (SHIPFLOW_NOTIFY_MILESTONES), in
// the order they are documented. The others are always told.
var Switchable = []Milestone{
	MilestonePacked, MilestoneInTransit, MilestoneCancelled, MilestoneRefundProcessed,
	MilestoneReturnInTransit, MilestoneReturnReceived,
}

// DefaultTell are the switchable milestones told unless switched off: all but in_transit, a
// message most customers find one too many.
func DefaultTell() []Milestone {
	return []Milestone{MilestonePacked, MilestoneCancelled, MilestoneRefundProcessed, MilestoneReturnInTransit, MilestoneReturnReceived}
}

// ParseTell reads a list of switchable milestones relative to the defaults: "in_transit"
// turns one on, "-packed" turns one off; "" keeps the defaults and "none" turns all off.
// Names are separated by commas; the result is in Switchable's order.
func ParseTell(s string) ([]Milestone, error) {
	on := DefaultTell()
	if s = strings.TrimSpace(s); s == "none" {
		return []Milestone{}, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, off := strings.CutPrefix(part, "-")
		name = strings.TrimPrefix(name, "+")
		m := Milestone(name)
		if !slices.Contains(Switchable, m) {
			return nil, fmt.Errorf("%s is not a milestone that can be switched (%s)", Quote(part), milestoneNames(Switchable))
		}
		on = slices.DeleteFunc(on, func(x Milestone) bool { return x == m })
		if !off {
			on = append(on, m)
		}
	}
	var out []Milestone
	for _, m := range Switchable {
		if slices.Contains(on, m) {
			out = append(out, m)
		}
	}
	return nonNil(out), nil
}

func milestoneNames(ms []Milestone) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

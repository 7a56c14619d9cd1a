package order

import (
	"slices"
	"time"
)

// Bounds on the state an order carries. The workflow passes the whole
// Order across continue-as-new and answers queries from it, so it must stay
// small however chatty the carriers are.
const (
	// MaxSeen is how many event ids are remembered for dedupe. Retries
	// come within hours, long before 2,000 newer events have arrived.
	MaxSeen = 2000
	// MaxTimeline is how many timeline entries are kept, the newest by
	// time; far more than anyone reads about one order.
	MaxTimeline = 500
)

// EntryKind says who or what an entry comes from.
type EntryKind string

// Entry kinds.
const (
	KindCommerce EntryKind = "commerce"
	KindTracking EntryKind = "tracking"
	KindDriver   EntryKind = "driver"
	KindStaff    EntryKind = "staff"
	KindSystem   EntryKind = "system"
	// KindCustomer: the customer themselves, on the voice line.
	KindCustomer EntryKind = "customer"
)

// Entry types of entries that are neither a commerce event type nor a
// shipment status.
const (
	EntryExceptionRaised   = "exception.raised"
	EntryExceptionResolved = "exception.resolved"
	EntryDelayReported     = "delay.reported"
	EntryChannelsUpdated   = "notify.channels_updated"
	// EntryDailyUpdates: the customer switched daily updates on or off.
	EntryDailyUpdates       = "notify.daily_updates_updated"
	EntryNotificationFailed = "notification.failed"
	EntryHumanRequested     = "human.requested"
)

// Entry is one line of the order's history. Events that changed nothing are
// kept too (Ignored, with Note saying why) because "why does it still say
// in transit?" is answered by the scan that was ignored.
type Entry struct {
	// Seq numbers entries in the order they were recorded since the order began. Trimming the
	// timeline never renumbers, so the read model can store each entry once.
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	Kind           EntryKind `json:"kind"`
	Type           string    `json:"type"`
	ShipmentID     string    `json:"shipment_id,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	Substatus      string    `json:"substatus,omitempty"`
	Description    string    `json:"description,omitempty"`
	Location       *Location `json:"location,omitempty"`
	Ignored        bool      `json:"ignored,omitempty"`
	Note           string    `json:"note,omitempty"`
	EventID        string    `json:"event_id,omitempty"`
	Source         string    `json:"source,omitempty"`
	Actor          string    `json:"actor,omitempty"`
	// Proof is the proof of delivery a delivered scan carried.
	Proof *Proof `json:"proof_of_delivery,omitempty"`
}

// ignore marks the entry as not having moved anything and says why.
func (e *Entry) ignore(why string) {
	e.Ignored = true
	e.note(why)
}

// note adds a remark; an entry can collect more than one.
func (e *Entry) note(s string) {
	if e.Note != "" {
		e.Note += "; "
	}
	e.Note += s
}

// record appends e to the timeline. Over the bound the entry with the
// oldest time goes, the earliest arrival among equals, so what is kept is
// the newest history, not merely the latest arrivals.
func (o *Order) record(e Entry) {
	o.Recorded++
	e.Seq = o.Recorded
	o.Timeline = append(o.Timeline, e)
	if len(o.Timeline) <= MaxTimeline {
		return
	}
	old := 0
	for i, t := range o.Timeline {
		if t.At.Before(o.Timeline[old].At) {
			old = i
		}
	}
	o.Timeline = slices.Delete(o.Timeline, old, old+1)
}

// seen reports whether the event with dedupe key k was already applied.
func (o *Order) seen(k string) bool { return slices.Contains(o.Seen, k) }

// remember marks k as applied, forgetting the oldest key over the bound.
func (o *Order) remember(k string) {
	o.Seen = append(o.Seen, k)
	if n := len(o.Seen) - MaxSeen; n > 0 {
		o.Seen = slices.Delete(o.Seen, 0, n)
	}
}

// Dedupe key prefixes: ids come from different systems, so each kind has
// its own namespace.
const (
	seenCommerce = "c/"
	seenTracking = "t/"
	seenDelay    = "d/"
	seenHuman    = "h/"
)

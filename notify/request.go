package notify

import (
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Request asks for one customer message about a milestone on one channel, with what the
// message may say, taken from the order when the milestone happened. It is the input of the
// order workflow's notification activities, so its JSON is in stored workflow histories:
// field names and tags must not change.
type Request struct {
	OrderID    string          `json:"order_id"`
	Milestone  order.Milestone `json:"milestone"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Channel    order.Channel   `json:"channel,omitempty"`
	// Channels is set instead of Channel by runs recorded before sends were per channel.
	Channels  []order.Channel `json:"channels,omitempty"`
	Customer  order.Customer  `json:"customer"`
	Shipments []Shipment      `json:"shipments,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	// DelayReason is set instead of Reason for a driver's delay: the customer is told its
	// fixed sentence, never the driver's words.
	DelayReason order.DelayReason `json:"delay_reason,omitempty"`
	// Superseded, when set, says why the message is not to be sent after all (it waited out
	// the customer's quiet hours and the order moved on meanwhile): the Service only logs it.
	Superseded string `json:"superseded,omitempty"`
	// Refund is the refund a refund_processed message tells of.
	Refund *Refund `json:"refund,omitempty"`
	// Day is the customer-local date (2006-01-02) a daily_update is for: each day's update is
	// a message of its own.
	Day string `json:"day,omitempty"`
	// Resend, when set, makes this a message staff asked to send again (the order workflow's
	// resend_notification update, whose id it is): a message of its own, with a key of its
	// own, sent once however often its activity is retried.
	Resend string `json:"resend,omitempty"`
}

// Refund is one of the order's refunds: N counts them from 1, so each has its own message.
type Refund struct {
	N        int    `json:"n"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Shipment is what a message may say about one shipment.
type Shipment struct {
	ID             string     `json:"id"`
	Carrier        string     `json:"carrier"`
	TrackingNumber string     `json:"tracking_number"`
	Items          []string   `json:"items,omitempty"` // item names
	ETA            *time.Time `json:"eta,omitempty"`
	// ETASource says who gave ETA: shipflow's own estimate is worded as one.
	ETASource order.ETASource      `json:"eta_source,omitempty"`
	Status    order.ShipmentStatus `json:"status"`
	City      string               `json:"city,omitempty"`
	// Place is where a delivered parcel was left (order.Proof.Place): the message says its
	// fixed sentence, never the carrier's words.
	Place order.DeliveryPlace `json:"place,omitempty"`
}

// Key identifies one message across every attempt to send it.
func Key(r Request) string {
	k := strings.Join([]string{r.OrderID, string(r.Milestone), r.ShipmentID, string(r.Channel)}, "/")
	if f := r.Refund; f != nil && f.N > 1 {
		k += "#" + strconv.Itoa(f.N) // the first refund's key is the plain one
	}
	if r.Day != "" {
		k += "@" + r.Day // a daily update's: day 2's is not day 1's
	}
	if r.Resend != "" {
		k += resendMark + r.Resend // staff's second sending is not the first
	}
	return k
}

// resendMark starts a resent message's part of its key.
const resendMark = "!"

// Origin is what a logged message told the customer of, read back from its key: the
// milestone message it was (with the refund or the day it was about) on its channel, and
// whether staff had it sent again. It is what sending the message again needs.
type Origin struct {
	order.Notify
	Channel order.Channel
	// Resend is the resend's id when staff sent this message again, else "".
	Resend string
}

// Origin reads back what e told of. It reports false for a message that was not one of the
// order's milestone messages (an answer to the customer's own text, package twoway), or whose
// key Key did not write.
func (e Entry) Origin() (Origin, bool) {
	o := Origin{
		Notify:  order.Notify{Milestone: order.Milestone(e.Milestone), ShipmentID: e.ShipmentID},
		Channel: order.Channel(e.Channel),
	}
	if !o.Milestone.Known() {
		return Origin{}, false
	}
	rest, ok := strings.CutPrefix(e.Key, Key(Request{OrderID: e.OrderID, Milestone: o.Milestone, ShipmentID: e.ShipmentID, Channel: o.Channel}))
	if !ok {
		return Origin{}, false
	}
	rest, o.Resend, _ = strings.Cut(rest, resendMark)
	rest, o.Day, _ = strings.Cut(rest, "@")
	if n, ok := strings.CutPrefix(rest, "#"); ok {
		var err error
		if o.Refund, err = strconv.Atoi(n); err != nil || o.Refund < 2 {
			return Origin{}, false
		}
	} else if rest != "" {
		return Origin{}, false
	}
	if o.Milestone == order.MilestoneRefundProcessed && o.Refund == 0 {
		o.Refund = 1 // the first refund's key is the plain one
	}
	return o, true
}

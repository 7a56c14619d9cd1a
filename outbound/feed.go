package outbound

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/googlechat"
	"github.com/shipflow/shipflow/escalate/slack"
	"github.com/shipflow/shipflow/escalate/teams"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// FeedSettings are what staff milestone feeds need besides an endpoint (docs/reference/feeds.md).
type FeedSettings struct {
	// DigestWindow is how long a feed's first waiting event waits for others before their
	// digest is sent (SHIPFLOW_FEED_DIGEST_WINDOW); zero sends what waits at once.
	DigestWindow time.Duration
	// PublicURL and TrackingSecret make the link of each order a digest lists, and the tracking
	// link connectors send: its tracking page when there is a secret (at TrackingPageURL when
	// the page has its own address, as the customer's messages link it), else the order in the
	// API.
	PublicURL, TrackingPageURL, TrackingSecret string
}

// trackingURL is the order's tracking page link, as the customer's messages give it; "" without
// a tracking secret.
func (f FeedSettings) trackingURL(orderID string) string {
	return tracklink.URL(cmp.Or(f.TrackingPageURL, f.PublicURL), f.TrackingSecret, orderID)
}

func (f FeedSettings) window() time.Duration { return max(f.DigestWindow, 0) }

// link is where staff open an order from a digest.
func (f FeedSettings) link(orderID string) string {
	if u := f.trackingURL(orderID); u != "" {
		return u
	}
	if f.PublicURL == "" {
		return ""
	}
	return f.PublicURL + "/v1/orders/" + url.PathEscape(orderID)
}

// feed is the Transport of the staff milestone feeds: the digest's events as one message
// through the chat's webhook, with the staff alerts' own client for that chat
// (escalate/slack, escalate/teams, escalate/googlechat).
type feed struct{ s *Sender }

// Send posts the attempt's events as one digest to a URL the kind's host list and the egress
// policy still allow, and classifies the chat's answer.
func (f feed) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	if err := CheckFeedURL(o.Endpoint.Kind, o.Endpoint.URL, f.s.Policy); err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	var chat escalate.Feed
	switch hc := f.s.httpClient(); o.Endpoint.Kind {
	case KindSlack:
		chat = slack.New(o.Endpoint.URL, hc)
	case KindTeams:
		chat = teams.New(o.Endpoint.URL, hc)
	case KindGoogleChat:
		chat = googlechat.New(o.Endpoint.URL, hc)
	default:
		return Result{Outcome: Failed, Err: "not a feed: " + string(o.Endpoint.Kind)}, now
	}
	start := time.Now()
	status, err := chat.PostDigest(ctx, f.s.Feeds.digest(o.Events()))
	return feedResult(status, err, time.Since(start)), now
}

// feedResult classifies a chat's answer to a digest. A webhook the chat no longer knows or
// accepts (401, 403, 404, 410: Slack's invalid_token, no_service, channel_is_archived, a
// deleted or re-signed Workflows flow, a Chat space's revoked token) is Gone: the feed is
// disabled, as a webhook endpoint is on 410, and staff hear of it. Any other refusal that
// sending the same message again cannot fix (400 invalid_payload, 413) fails the delivery
// without touching the feed, for a person to retry. 429 and 5xx wait for their Retry-After
// within the schedule; a network failure or a timeout is retried on the schedule too.
func feedResult(status int, err error, latency time.Duration) Result {
	r := Result{Status: status, Latency: latency, Outcome: Delivered}
	if err == nil {
		return r
	}
	r.Err = escalate.Shorten(err.Error())
	var he *escalate.HTTPError
	if errors.As(err, &he) {
		r.Body = he.Detail
	}
	switch {
	case errors.Is(err, egress.ErrForbiddenAddress):
		r.Outcome = Failed
	case escalate.IsPermanent(err):
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
			r.Outcome = Gone
		default:
			r.Outcome = Failed
		}
	default:
		r.Outcome = Retry
		r.RetryAfter, _ = escalate.RetryAfter(err)
	}
	return r
}

// milestones name each event type in a digest.
var milestones = map[string]string{
	string(order.PublishOrderCreated):           "Created",
	string(order.PublishOrderConfirmed):         "Confirmed",
	string(order.PublishOrderPacked):            "Packed",
	string(order.PublishOrderShipped):           "Shipped",
	string(order.PublishShipmentUpdated):        "Updated",
	string(order.PublishShipmentOutForDelivery): "Out for delivery",
	string(order.PublishShipmentException):      "Exception",
	string(order.PublishOrderDelivered):         "Delivered",
	string(order.PublishOrderCancelled):         "Cancelled",
	string(order.PublishOrderReturnInitiated):   "Return started",
	string(order.PublishOrderRefundProcessed):   "Refunded",
	string(order.PublishNotificationFailed):     "Customer message failed",
	string(order.PublishOrderHumanRequested):    "Callback requested",
}

// milestone names an event type in words.
func milestone(t string) string {
	if m, ok := milestones[t]; ok {
		return m
	}
	return strings.ReplaceAll(t, "_", " ")
}

// digest is the message of events: counts per milestone, the first MaxDigestLines listed
// with the order, its carrier and tracking number, where it stands and its link.
func (f FeedSettings) digest(events []Event) escalate.Digest {
	var d escalate.Digest
	index := map[string]int{}
	for _, e := range events {
		m := milestone(e.Type)
		if i, ok := index[m]; ok {
			d.Counts[i].N++
		} else {
			index[m] = len(d.Counts)
			d.Counts = append(d.Counts, escalate.Count{Milestone: m, N: 1})
		}
		if len(d.Lines) == escalate.MaxDigestLines {
			d.More++
			continue
		}
		d.Lines = append(d.Lines, f.line(e, m))
	}
	return d
}

// view is what a digest line reads of an event's data, the order's view (order.EventData).
type view struct {
	Status    string `json:"status"`
	Shipments []struct {
		ID             string `json:"shipment_id"`
		Carrier        string `json:"carrier"`
		TrackingNumber string `json:"tracking_number"`
		Status         string `json:"status"`
	} `json:"shipments"`
}

// line is one event of a digest. The parcel is the event's shipment, else the order's first;
// its status is shown for a parcel's event, the order's otherwise.
func (f FeedSettings) line(e Event, m string) escalate.Line {
	l := escalate.Line{OrderID: e.OrderID, Milestone: m, URL: f.link(e.OrderID)}
	var v view
	if json.Unmarshal(e.Data, &v) != nil {
		return l
	}
	l.Status = strings.ReplaceAll(v.Status, "_", " ")
	for i, s := range v.Shipments {
		if s.ID != e.ShipmentID && (e.ShipmentID != "" || i > 0) {
			continue
		}
		l.Carrier, _ = carrier.Builtin().Shown(s.Carrier, s.TrackingNumber)
		l.Tracking = s.TrackingNumber
		if e.ShipmentID != "" && s.Status != "" {
			l.Status = strings.ReplaceAll(s.Status, "_", " ")
		}
		break
	}
	return l
}

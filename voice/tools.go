package voice

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// tool is one thing the assistant can ask for: parse checks its parameters
// before anything is looked up, run answers it.
type tool struct {
	name  string
	parse func(params) (args, *paramError)
	run   func(h *Handler, ctx context.Context, inv *invocation) *Answer
}

// args are the parameters of every tool, checked and trimmed.
type args struct {
	orderNumber    string
	callerPhone    string
	trackingNumber string
	channel        order.Channel
	location       string
	reason         string
	reasonCode     order.DelayReason
	revisedETA     *etaSpec
}

var toolsByName = map[string]*tool{}

func init() {
	for _, t := range []*tool{
		{name: ToolLookupShipmentStatus, parse: parseCaller, run: (*Handler).lookup},
		{name: ToolSubscribeUpdates, parse: parseSubscribe, run: (*Handler).subscribe},
		{name: ToolReportDelay, parse: parseDelay, run: (*Handler).reportDelay},
		{name: ToolRequestHuman, parse: parseHuman, run: (*Handler).requestHuman},
	} {
		toolsByName[t.name] = t
	}
}

// parseCaller reads what every caller-facing tool needs: the order number
// and the caller's phone. A missing caller_phone is not a malformed request
// but a caller to verify, so it is left for run to answer.
func parseCaller(p params) (args, *paramError) {
	var a args
	var err *paramError
	if a.orderNumber, err = p.required("order_number"); err != nil {
		return a, err
	}
	a.callerPhone, err = p.str("caller_phone")
	return a, err
}

func parseSubscribe(p params) (args, *paramError) {
	a, err := parseCaller(p)
	if err != nil {
		return a, err
	}
	ch, err := p.str("channel")
	if err != nil {
		return a, err
	}
	a.channel = order.ChannelSMS
	if ch != "" {
		c, perr := order.ParseChannel(strings.ToLower(ch))
		if perr != nil {
			return a, &paramError{Param: "channel", Problem: "must be one of " + order.ChannelNames() + ", got \"" + ch + "\""}
		}
		a.channel = c
	}
	return a, nil
}

func parseHuman(p params) (args, *paramError) {
	a, err := parseCaller(p)
	if err != nil {
		return a, err
	}
	a.reason, err = p.str("reason")
	return a, err
}

func parseDelay(p params) (args, *paramError) {
	var a args
	var err *paramError
	var perr error
	if a.trackingNumber, err = p.str("tracking_number"); err != nil {
		return a, err
	}
	if a.orderNumber, err = p.str("order_number"); err != nil {
		return a, err
	}
	if a.trackingNumber == "" && a.orderNumber == "" {
		return a, &paramError{Param: "tracking_number", Missing: true, Alt: "order_number"}
	}
	if a.location, err = p.str("location"); err != nil {
		return a, err
	}
	if a.reason, err = p.str("reason"); err != nil {
		return a, err
	}
	code, err := p.str("reason_code")
	if err != nil {
		return a, err
	}
	a.reasonCode = order.ClassifyDelay(a.reason)
	if code != "" {
		if a.reasonCode, perr = order.ParseDelayReason(code); perr != nil {
			return a, &paramError{Param: "reason_code", Problem: "must be one of traffic, weather, vehicle, customs, address, other, got \"" + code + "\""}
		}
	}
	eta, err := p.str("revised_eta")
	if err != nil {
		return a, err
	}
	if eta != "" {
		spec, ok := parseETASpec(eta)
		if !ok {
			return a, &paramError{Param: "revised_eta", Problem: "must be an RFC 3339 time (2026-05-08T17:30:00+03:00) or a time of day (17:30), got \"" + eta + "\""}
		}
		a.revisedETA = spec
	}
	return a, nil
}

// findOrder looks an order up by the number the caller gave. Callers say
// "#1042" or "1042", and speech-to-text may leave spaces between digits,
// so when the number as given is unknown its bare form is tried.
func (h *Handler) findOrder(ctx context.Context, number string) (Found, error) {
	v, err := h.Source.Order(ctx, number)
	if !errors.Is(err, ErrNotFound) {
		return v, err
	}
	bare := strings.Map(func(r rune) rune {
		if r == '#' || r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, number)
	if bare == number || bare == "" {
		return v, err
	}
	return h.Source.Order(ctx, bare)
}

// lookupFailed answers a Source error: not_found for an unknown order,
// otherwise the apology.
func (h *Handler) lookupFailed(ctx context.Context, inv *invocation, err error, number string) *Answer {
	if errors.Is(err, ErrNotFound) {
		return &Answer{
			Status:         StatusNotFound,
			Data:           map[string]string{"order_number": number},
			AIInstructions: say(inv.locale).notFound(number),
		}
	}
	h.logger().Error("voice order lookup failed", "call_id", inv.callID, "tool", inv.tool.name, "err", err)
	return h.unavailable(inv.locale, "lookup_failed")
}

// lookup is lookup_shipment_status.
func (h *Handler) lookup(ctx context.Context, inv *invocation) *Answer {
	f, ans := h.verified(ctx, inv)
	if ans != nil {
		return ans
	}
	if f.Received {
		d, instructions := describeReceived(f.View, inv.args.orderNumber, h.now())
		return &Answer{Status: StatusSuccess, Data: d, AIInstructions: instructions}
	}
	d, instructions := describe(f.View, inv.args.orderNumber, h.now(), h.followUp())
	return &Answer{Status: StatusSuccess, Data: d, AIInstructions: instructions}
}

// subscribe is subscribe_updates: the channel is added to the order's
// current ones, which stay as they were.
func (h *Handler) subscribe(ctx context.Context, inv *invocation) *Answer {
	v, ans := h.verified(ctx, inv)
	if ans != nil {
		return ans
	}
	ph, ch := say(v.Customer.Locale), inv.args.channel
	data := map[string]any{"order_number": inv.args.orderNumber, "channel": ch}
	current := v.Notify.Channels
	switch {
	case v.Status.Final():
		data["subscribed"] = false
		return &Answer{Status: StatusSuccess, Data: data, AIInstructions: ph.subscribeClosed(inv.args.orderNumber, v.Status)}
	case slices.Contains(current, ch):
		data["subscribed"], data["channels"] = true, current
		return &Answer{Status: StatusSuccess, Data: data, AIInstructions: ph.subscribeAlready(ch)}
	case !v.Customer.Reaches(ch):
		data["code"] = "channel_unavailable"
		return &Answer{Status: StatusError, Data: data, AIInstructions: ph.subscribeUnreachable(ch, alternative(ch, v.Customer, current))}
	}
	channels := append(slices.Clone(current), ch)
	if err := h.Actions.SetChannels(ctx, v.OrderID, channels); err != nil {
		if errors.Is(err, order.ErrClosed) { // finished since the view was read
			data["subscribed"] = false
			return &Answer{Status: StatusSuccess, Data: data, AIInstructions: ph.subscribeClosed(inv.args.orderNumber, "")}
		}
		return h.actionFailed(ctx, inv, v.Customer.Locale, err)
	}
	data["subscribed"], data["channels"] = true, channels
	return &Answer{Status: StatusSuccess, Data: data, AIInstructions: ph.subscribed(inv.args.orderNumber, ch)}
}

// alternative is a channel to offer instead of ch, or "".
func alternative(ch order.Channel, c order.Customer, current []order.Channel) order.Channel {
	for _, alt := range order.Channels {
		if alt != ch && c.Reaches(alt) && !slices.Contains(current, alt) {
			return alt
		}
	}
	return ""
}

// requestHuman is request_human. The request is recorded with the order (its timeline, an
// event for subscribers, and the staff chats and ticket the order's workflow reaches, retried
// there), so the answer depends only on the workflow taking it, never on a chat answering within
// the call. The caller hears what happens next: a call back when someone was told, otherwise
// that it is recorded and how else to reach the shop. The call id makes a repeat harmless. The
// reason goes to staff only.
func (h *Handler) requestHuman(ctx context.Context, inv *invocation) *Answer {
	v, ans := h.verified(ctx, inv)
	if ans != nil {
		return ans
	}
	locale := v.Customer.Locale
	r := order.HumanRequest{ID: inv.callID, Reason: inv.args.reason, At: h.now().UTC(), Source: "voice:" + inv.platform}
	staffed, err := h.Actions.RequestHuman(ctx, v.OrderID, r)
	if err != nil {
		h.logger().Error("voice request_human failed", "call_id", inv.callID, "err", err)
		return &Answer{Status: StatusError, Data: map[string]string{"code": "action_failed"}, AIInstructions: say(locale).humanFailed()}
	}
	ph := say(locale)
	instructions := ph.humanRecorded()
	if staffed.Told() {
		instructions = ph.humanRequested(h.followUp(), staffed.Ticket)
	}
	return &Answer{
		Status: StatusSuccess,
		Data: map[string]any{"order_number": inv.args.orderNumber, "recorded": true,
			"callback_requested": staffed.Told(), "ticket": staffed.Ticket},
		AIInstructions: instructions,
	}
}

// reportDelay is report_delay, a driver's tool. Anyone but a driver (see
// Handler.driver) hears what an unknown parcel's driver hears, before
// anything is looked up: not even whether the number exists is given away,
// and the try counts against the call. The delay's ID is the call's, so a
// repeat is harmless. The driver's reason and location go to staff and
// subscribers; the customer hears the reason code's fixed sentence.
func (h *Handler) reportDelay(ctx context.Context, inv *invocation) *Answer {
	a := inv.args
	if !inv.driver {
		h.logger().Info("voice report_delay refused: caller is not a driver", "platform", inv.platform,
			"call_id", inv.callID, "caller", maskPhone(inv.callerID))
		h.fail(ctx, inv, "call:"+inv.platform+":"+inv.callID)
		if a.trackingNumber != "" {
			return &Answer{Status: StatusNotFound, Data: map[string]string{"tracking_number": a.trackingNumber},
				AIInstructions: say(inv.locale).trackingNotFound(a.trackingNumber)}
		}
		return &Answer{Status: StatusNotFound, Data: map[string]string{"order_number": a.orderNumber},
			AIInstructions: say(inv.locale).notFound(a.orderNumber)}
	}
	// With both numbers the order number says which order, and the order's workflow says
	// whether the tracking number is one of its parcels: the driver hears which one is wrong.
	orderID, number := a.orderNumber, a.orderNumber
	if a.trackingNumber != "" && a.orderNumber == "" {
		id, err := h.Source.OrderForTracking(ctx, a.trackingNumber)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return &Answer{
					Status:         StatusNotFound,
					Data:           map[string]string{"tracking_number": a.trackingNumber},
					AIInstructions: say(inv.locale).trackingNotFound(a.trackingNumber),
				}
			}
			return h.lookupFailed(ctx, inv, err, a.trackingNumber)
		}
		orderID = id
	}
	v, err := h.findOrder(ctx, orderID)
	if err != nil {
		return h.lookupFailed(ctx, inv, err, number)
	}
	inv.seen, inv.verified = v.OrderID, true // a driver's
	if number == "" {
		number = v.OrderID
	}
	locale := inv.locale
	if locale == "" {
		locale = v.Customer.Locale
	}
	ph := say(locale)
	d := order.Delay{
		ID: inv.callID, TrackingNumber: a.trackingNumber, Location: a.location, Reason: a.reason, At: h.now().UTC(),
		ReasonCode: a.reasonCode,
	}
	var sv *order.ShipmentView
	if a.trackingNumber != "" {
		sv = shipmentByTracking(v.View, a.trackingNumber)
	} else {
		open := openShipments(v.View)
		switch len(open) {
		case 0:
			switch v.Status {
			case order.StatusDelivered:
				return delayRefused(ph, v.View, nil, a.trackingNumber, number, order.ErrDelivered)
			case order.StatusCancelled, order.StatusReturned:
				return delayRefused(ph, v.View, nil, a.trackingNumber, number, order.ErrClosed)
			}
			return &Answer{Status: StatusError, Data: map[string]any{"order_number": number, "code": "no_open_shipment"},
				AIInstructions: ph.delayNoShipment(number, v.Status)}
		case 1:
			sv = &open[0]
			d.ShipmentID = sv.ShipmentID
		default:
			tns := make([]string, len(open))
			for i, s := range open {
				tns[i] = s.TrackingNumber
			}
			return &Answer{Status: StatusError, Data: map[string]any{"order_number": number, "code": "ambiguous_shipment", "tracking_numbers": tns},
				AIInstructions: ph.delayAmbiguous(number, len(open))}
		}
	}
	tz := v.Customer.TimeZone
	if a.revisedETA != nil {
		t := a.revisedETA.resolve(h.now(), zone(tz))
		d.RevisedETA = &t
	}
	if err := h.Actions.ReportDelay(ctx, v.OrderID, d); err != nil {
		if ans := delayRefused(ph, v.View, sv, a.trackingNumber, number, err); ans != nil {
			return ans
		}
		return h.actionFailed(ctx, inv, locale, err)
	}
	data := map[string]any{"order_number": number, "recorded": true}
	tracking := a.trackingNumber
	if sv != nil {
		data["shipment_id"] = sv.ShipmentID
		tracking = sv.TrackingNumber
	}
	if tracking != "" {
		data["tracking_number"] = tracking
	}
	eta := ""
	if d.RevisedETA != nil {
		data["revised_eta"], data["revised_eta_at"] = etaFull(*d.RevisedETA, tz, locale), d.RevisedETA.UTC()
		eta = etaRelative(*d.RevisedETA, h.now(), tz, locale)
	}
	return &Answer{Status: StatusSuccess, Data: data, AIInstructions: ph.delayRecorded(tracking, number, eta)}
}

// Codes of a refused delay report, in the answer's data.
const (
	codeAlreadyDelivered = "already_delivered"
	codeShipmentClosed   = "shipment_closed"
	codeUnknownShipment  = "unknown_shipment"
)

// delayRefused answers a delay report the order refused (err is one of the order sentinels,
// matched with errors.Is), or returns nil for any other error. v and sv are what the caller
// looked up, perhaps a moment old: the order's own refusal decides what is said, the view
// only how (a finished order that was delivered is told as delivered).
func delayRefused(ph phrases, v order.View, sv *order.ShipmentView, tn, number string, err error) *Answer {
	if tn == "" && sv != nil {
		tn = sv.TrackingNumber
	}
	data := map[string]any{"order_number": number}
	if tn != "" {
		data["tracking_number"] = tn
	}
	delivered := func() *Answer {
		data["code"] = codeAlreadyDelivered
		return &Answer{Status: StatusError, Data: data, AIInstructions: ph.delayDelivered(tn, number)}
	}
	switch {
	case errors.Is(err, order.ErrDelivered):
		return delivered()
	case errors.Is(err, order.ErrClosed):
		st := v.Status
		switch {
		case st == order.StatusDelivered:
			return delivered()
		case !st.Final() && sv != nil && sv.Status == order.ShipmentReturnedToSender:
			data["code"] = codeShipmentClosed // only the parcel is finished: it is going back
			return &Answer{Status: StatusError, Data: data, AIInstructions: ph.delayReturning(tn)}
		case !st.Final() && sv != nil && sv.Status == order.ShipmentCancelled:
			st = "" // only the parcel was cancelled
		}
		data["code"] = codeShipmentClosed
		return &Answer{Status: StatusError, Data: data, AIInstructions: ph.delayClosed(tn, number, st)}
	case errors.Is(err, order.ErrUnknownShipment):
		data["code"] = codeUnknownShipment
		return &Answer{Status: StatusError, Data: data, AIInstructions: ph.delayUnknownShipment(tn, number)}
	}
	return nil
}

// actionFailed answers an Action that failed or ran out of time.
func (h *Handler) actionFailed(ctx context.Context, inv *invocation, locale string, err error) *Answer {
	h.logger().Error("voice action failed", "call_id", inv.callID, "tool", inv.tool.name, "err", err)
	if locale == "" {
		locale = inv.locale
	}
	return h.unavailable(locale, "action_failed")
}

func shipmentByTracking(v order.View, tn string) *order.ShipmentView {
	for i := range v.Shipments {
		if strings.EqualFold(v.Shipments[i].TrackingNumber, tn) {
			return &v.Shipments[i]
		}
	}
	return nil
}

// openShipments are the shipments a delay can still be about.
func openShipments(v order.View) []order.ShipmentView {
	var open []order.ShipmentView
	for _, s := range v.Shipments {
		if !s.Status.Final() {
			open = append(open, s)
		}
	}
	return open
}

package loadtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// maxExamples caps the lines one kind of problem adds to a report; the count says the rest.
const maxExamples = 10

// findings collect what the checks found: problems fail the run, notes do not.
type findings struct {
	mu       sync.Mutex
	problems []string
	notes    []string
	seen     map[string]int // problems per kind, to cap the examples
}

// fail adds a problem of kind; past maxExamples of a kind only the count grows.
func (f *findings) fail(kind, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[kind]++
	if f.seen[kind] <= maxExamples {
		f.problems = append(f.problems, kind+": "+fmt.Sprintf(format, args...))
	}
}

func (f *findings) note(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, fmt.Sprintf(format, args...))
}

// finish sorts the problems and says how many of each kind were left out.
func (f *findings) finish() {
	slices.Sort(f.problems)
	for kind, n := range f.seen {
		if n > maxExamples {
			f.problems = append(f.problems, fmt.Sprintf("%s: %d more not listed (%d in all)", kind, n-maxExamples, n))
		}
	}
}

// expectedOrderEvents are the outbound events of one order's journey (nominalDeliveries).
var expectedOrderEvents = []string{"order.created", "order.confirmed", "order.packed", "order.shipped",
	"shipment.updated", "shipment.updated", "shipment.updated", "shipment.out_for_delivery", "order.delivered"}

// check runs every check of the fault suite. An error means a check could not be carried out
// (Postgres unreachable), not that it failed.
func (f *faultRun) check(ctx context.Context) (*findings, error) {
	out := &findings{}
	inbox, err := f.readInbox(ctx)
	if err != nil {
		return nil, err
	}
	f.checkOrders(ctx, inbox, out)
	if err := f.checkEvents(ctx, inbox, out); err != nil {
		return nil, err
	}
	if err := f.checkMessages(ctx, out); err != nil {
		return nil, err
	}
	if err := f.checkDeliveries(ctx, out); err != nil {
		return nil, err
	}
	out.finish()
	return out, nil
}

// inboxRow is what the inbox holds of one event the journey sent.
type inboxRow struct {
	source, status, lastError string
	attempts                  int
	// timelineID is the id the event has in the order's timeline: the webhook-id for a
	// commerce event; for a carrier scan, the scan's own id, a hash of what it says
	// (normalize.EventID), as the first accepted body said it.
	timelineID string
}

// readInbox reads the inbox rows of the run's events, by webhook-id.
func (f *faultRun) readInbox(ctx context.Context) (map[string][]inboxRow, error) {
	inbox := map[string][]inboxRow{}
	rows, err := f.pool.Query(ctx, `
		SELECT event_id, source, status, attempts, last_error, coalesce(delivery->'tracking'->0->>'id', event_id)
		FROM inbound_events WHERE event_id LIKE $1 || '%'`, f.j.prefix)
	if err != nil {
		return nil, fmt.Errorf("read the inbox: %w", err)
	}
	var eid string
	var r inboxRow
	if _, err := pgx.ForEachRow(rows, []any{&eid, &r.source, &r.status, &r.attempts, &r.lastError, &r.timelineID}, func() error {
		inbox[eid] = append(inbox[eid], r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the inbox: %w", err)
	}
	return inbox, nil
}

// timelineID is the id event s of order i has in the order's timeline ("" when the inbox
// never got it, which checkEvents reports).
func (f *faultRun) timelineID(inbox map[string][]inboxRow, i int, s step) string {
	if rs := inbox[f.eventID(i, s)]; len(rs) > 0 {
		return rs[0].timelineID
	}
	return ""
}

// checkOrders asks both sources of truth about every order: the order API (the read model)
// and the workflow itself. Both must say delivered, the workflow's timeline must hold each
// of the order's events exactly once, and none of them ignored: the journey sends an order's
// events one after the other, each newer than the last, so an ignored one was applied in an
// order it was not sent in.
func (f *faultRun) checkOrders(ctx context.Context, inbox map[string][]inboxRow, out *findings) {
	forEach(f.j.n, 8, func(i int) {
		id := f.j.orderID(i)
		if why := orderState(ctx, f.j, id, f.o.Secrets.AdminToken); why != "" {
			out.fail("order not delivered in the read model", "order %s: %s", id, why)
		}
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := workflows.QueryOrder(qctx, f.tc, id)
		if err != nil {
			out.fail("order workflow not answering", "order %s: %v", id, err)
			return
		}
		if v.Status != order.StatusDelivered || len(v.Shipments) != 1 || v.Shipments[0].Status != order.ShipmentDelivered {
			out.fail("order not delivered in its workflow", "order %s: status %s, shipments %v", id, v.Status, shipmentStatuses(v))
		}
		seen := map[string][]order.Entry{}
		for _, e := range v.Timeline {
			if e.EventID != "" {
				seen[e.EventID] = append(seen[e.EventID], e)
			}
		}
		for s := range stepCount {
			eid := f.timelineID(inbox, i, s)
			if eid == "" {
				continue
			}
			switch es := seen[eid]; {
			case len(es) == 0:
				out.fail("event missing from the workflow's timeline", "order %s: %s (event %s)", id, stepNames[s], eid)
			case len(es) > 1:
				out.fail("event applied twice by the workflow", "order %s: %s (event %s) is %d times in the timeline", id, stepNames[s], eid, len(es))
			case es[0].Ignored:
				out.fail("event applied out of the order it was sent in", "order %s: %s (event %s) was ignored by the workflow: %s",
					id, stepNames[s], eid, es[0].Note)
			}
		}
	})
}

func shipmentStatuses(v order.View) []string {
	var s []string
	for _, sh := range v.Shipments {
		s = append(s, string(sh.Status))
	}
	return s
}

// eventID is the webhook-id the journey sends step s of order i with (journey.send).
func (f *faultRun) eventID(i int, s step) string { return f.j.orderID(i) + "-" + stepNames[s] }

// checkEvents checks that every event a sender got a 2xx for was applied exactly once: it is
// in the inbox once and applied, it is in the read model's timeline once, and the order's
// outbound events are its journey's nine, numbered 1 to 9 without a gap or a repeat.
func (f *faultRun) checkEvents(ctx context.Context, inbox map[string][]inboxRow, out *findings) error {
	inbox = maps.Clone(inbox)
	timeline := map[string]int{}
	rows, err := f.pool.Query(ctx, `SELECT event_id, count(*) FROM tracking_events WHERE order_id LIKE $1 || '%' AND event_id <> '' GROUP BY event_id`, f.j.prefix)
	if err != nil {
		return fmt.Errorf("read the timeline: %w", err)
	}
	var eid string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&eid, &n}, func() error { timeline[eid] = n; return nil }); err != nil {
		return fmt.Errorf("read the timeline: %w", err)
	}
	published, seqs := map[string][]string{}, map[string][]int64{}
	rows, err = f.pool.Query(ctx, `SELECT order_id, seq, type FROM order_events WHERE order_id LIKE $1 || '%' ORDER BY order_id, seq`, f.j.prefix)
	if err != nil {
		return fmt.Errorf("read the published events: %w", err)
	}
	var oid, typ string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&oid, &seq, &typ}, func() error {
		published[oid] = append(published[oid], typ)
		seqs[oid] = append(seqs[oid], seq)
		return nil
	}); err != nil {
		return fmt.Errorf("read the published events: %w", err)
	}
	for oid, got := range seqs {
		for k, seq := range got {
			if seq != int64(k+1) {
				out.fail("published events not numbered 1, 2, 3...", "order %s: sequence numbers %v", oid, got)
				break
			}
		}
	}

	for i := range f.j.n {
		id := f.j.orderID(i)
		for s := range stepCount {
			eid := f.eventID(i, s)
			rs := inbox[eid]
			delete(inbox, eid)
			tid := eid
			switch {
			case len(rs) == 0:
				out.fail("acknowledged event not in the inbox", "order %s: %s (event %s) got a 2xx but was never stored", id, stepNames[s], eid)
			case len(rs) > 1:
				out.fail("event stored twice in the inbox", "order %s: %s (event %s) has %d rows", id, stepNames[s], eid, len(rs))
			case rs[0].status != "applied":
				out.fail("acknowledged event never applied", "order %s: %s (event %s) is %s after %d relay attempts (%s)", id, stepNames[s], eid, rs[0].status, rs[0].attempts, rs[0].lastError)
			}
			if len(rs) > 0 {
				tid = rs[0].timelineID
			}
			switch n := timeline[tid]; {
			case n == 0:
				out.fail("event missing from the read model's timeline", "order %s: %s (event %s, in the timeline as %s)", id, stepNames[s], eid, tid)
			case n > 1:
				out.fail("event applied twice in the read model", "order %s: %s (event %s, in the timeline as %s) is %d times in tracking_events", id, stepNames[s], eid, tid, n)
			}
		}
		got := published[id]
		delete(published, id)
		if !slices.Equal(sortedCopy(got), sortedCopy(expectedOrderEvents)) {
			out.fail("published events not the journey's", "order %s: published %v, want %v", id, got, expectedOrderEvents)
		}
	}
	for eid, rs := range inbox {
		out.fail("inbox row no event explains", "event %s (%s, %s)", eid, rs[0].source, rs[0].status)
	}
	for oid, types := range published {
		out.fail("events published for an order the run did not make", "order %s: %v", oid, types)
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// checkMessages checks that each customer got each milestone's message on each channel
// exactly once. A message that never arrived and that the notification log marks unknown is a
// note, not a failure: a worker killed between claiming a message and hearing the provider's
// answer leaves shipflow unable to tell whether it went, and shipflow then chooses not to risk
// a second text (notify.Service; README "Exactly once").
func (f *faultRun) checkMessages(ctx context.Context, out *findings) error {
	type logRow struct {
		status, error string
		attempts      int
	}
	logged := map[messageKey]logRow{}
	rows, err := f.pool.Query(ctx, `SELECT order_id, milestone, channel, "to", status, error, attempts FROM notifications WHERE order_id LIKE $1 || '%'`, f.j.prefix)
	if err != nil {
		return fmt.Errorf("read the notification log: %w", err)
	}
	var oid, milestone, channel, to string
	var r logRow
	if _, err := pgx.ForEachRow(rows, []any{&oid, &milestone, &channel, &to, &r.status, &r.error, &r.attempts}, func() error {
		logged[messageKey{Channel: channel, To: to, Milestone: milestone}] = r
		return nil
	}); err != nil {
		return fmt.Errorf("read the notification log: %w", err)
	}
	arrivals := f.box.all()
	for i := range f.j.n {
		id := f.j.orderID(i)
		for _, milestone := range slices.Sorted(mapKeys(milestoneSteps)) {
			for _, k := range []messageKey{{"sms", phone(i), milestone}, {"email", email(i), milestone}} {
				times := arrivals[k]
				delete(arrivals, k)
				l, ok := logged[k]
				switch {
				case len(times) > 1:
					out.fail("customer message sent twice", "order %s: %s %s to %s arrived %d times (at %s; log: %s after %d attempts)",
						id, k.Channel, k.Milestone, k.To, len(times), clockTimes(times), l.status, l.attempts)
				case len(times) == 1:
				case ok && l.status == "unknown":
					out.note("order %s: %s %s to %s never arrived; the log marks it unknown (the attempt that claimed it died), so shipflow did not risk a second send",
						id, k.Channel, k.Milestone, k.To)
				case ok:
					out.fail("customer message missing", "order %s: %s %s to %s never arrived (log: %s after %d attempts: %s)",
						id, k.Channel, k.Milestone, k.To, l.status, l.attempts, l.error)
				default:
					out.fail("customer message missing", "order %s: %s %s to %s never arrived and is not in the notification log", id, k.Channel, k.Milestone, k.To)
				}
			}
		}
	}
	for k, times := range arrivals {
		out.fail("customer message no order owed", "%s %s to %s arrived %d times", k.Channel, k.Milestone, k.To, len(times))
	}
	// While SendGrid was down, every email it refused went to Mailgun in the same attempt: a
	// refusal with nothing at Mailgun means the emails waited out the outage instead.
	if refused := f.sendgrid.refused(); refused > 0 && f.mailgunTook.Load() == 0 {
		out.fail("email did not fail over", "SendGrid refused %d requests and Mailgun took no email", refused)
	}
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func clockTimes(ts []time.Time) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Format("15:04:05.000")
	}
	return strings.Join(s, ", ")
}

// checkDeliveries checks that every published event was delivered to the subscriber: one
// delivery per event, every one delivered, and the subscriber verified each event's arrival.
// Repeats are allowed (delivery is at least once); a bad signature never is.
func (f *faultRun) checkDeliveries(ctx context.Context, out *findings) error {
	rows, err := f.pool.Query(ctx, `
		SELECT e.order_id, e.seq, e.type, e.id, d.id, d.status, d.attempts, d.last_error
		FROM order_events e
		LEFT JOIN webhook_deliveries d ON d.event_id = e.id AND d.endpoint_id = $2
		WHERE e.order_id LIKE $1 || '%'
		ORDER BY e.order_id, e.seq`, f.j.prefix, f.endpointID)
	if err != nil {
		return fmt.Errorf("read the deliveries: %w", err)
	}
	var oid, typ, eventID string
	var seq int64
	var deliveryID, status, lastError *string
	var attempts *int
	events := 0
	f.sub.mu.Lock()
	arrived := make(map[string]bool, len(f.sub.first))
	for id := range f.sub.first {
		arrived[id] = true
	}
	f.sub.mu.Unlock()
	if _, err := pgx.ForEachRow(rows, []any{&oid, &seq, &typ, &eventID, &deliveryID, &status, &attempts, &lastError}, func() error {
		events++
		switch {
		case deliveryID == nil:
			out.fail("published event without a delivery", "order %s: event #%d %s (%s)", oid, seq, typ, eventID)
		case *status != "delivered":
			out.fail("subscriber delivery not delivered", "order %s: event #%d %s, delivery %s is %s after %d attempts (%s)",
				oid, seq, typ, *deliveryID, *status, *attempts, *lastError)
		case !arrived[eventID]:
			out.fail("delivered event never reached the subscriber", "order %s: event #%d %s (%s), delivery %s", oid, seq, typ, eventID, *deliveryID)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read the deliveries: %w", err)
	}
	if want := f.j.n * nominalDeliveries; events != want {
		out.fail("published events", "%d published, want %d", events, want)
	}
	if bad := f.sub.bad.Load(); bad > 0 {
		out.fail("subscriber deliveries refused", "%d deliveries failed signature or body verification", bad)
	}
	return nil
}

// Recovery is how the system got through the faults: what was retried, and where.
type Recovery struct {
	// WebhookRequestsFailed are the journey's requests that got no 200 (connection refused,
	// reset, 5xx) and were sent again; DuplicateAnswers are resends answered "duplicate", whose
	// first delivery had been stored but its answer lost.
	WebhookRequestsFailed int `json:"webhook_requests_failed"`
	DuplicateAnswers      int `json:"duplicate_answers"`
	// RelayedMoreThanOnce are inbox rows the relay had to try more than once (Temporal or
	// Postgres down, order not there yet), with their extra attempts.
	RelayedMoreThanOnce int `json:"relayed_more_than_once"`
	RelayExtraAttempts  int `json:"relay_extra_attempts"`
	// TwilioRefused are requests the failing Twilio stand-in refused; NotifyRetried are
	// messages that took more than one provider call; NotifyUnknown are messages left in doubt.
	TwilioRefused int `json:"twilio_refused"`
	// SendGridRefused are requests the failing SendGrid stand-in refused; MailgunTook are the
	// emails Mailgun, the second email provider, took meanwhile.
	SendGridRefused int `json:"sendgrid_refused"`
	MailgunTook     int `json:"mailgun_took"`
	NotifyRetried   int `json:"notify_retried"`
	NotifyUnknown   int `json:"notify_unknown"`
	// Webhook deliveries: attempts recorded against deliveries, and events the subscriber got
	// more than once.
	DeliveryAttempts  int `json:"delivery_attempts"`
	Deliveries        int `json:"deliveries"`
	SubscriberRepeats int `json:"subscriber_repeats"`
}

// recovery reads the retry counts; a figure it cannot read stays zero.
func (f *faultRun) recovery(ctx context.Context) Recovery {
	var r Recovery
	f.j.mu.Lock()
	r.WebhookRequestsFailed, r.DuplicateAnswers = f.j.failures, f.j.statuses["duplicate"]
	f.j.mu.Unlock()
	r.TwilioRefused, r.SendGridRefused, r.MailgunTook = int(f.twilio.refused()), int(f.sendgrid.refused()), int(f.mailgunTook.Load())
	f.sub.mu.Lock()
	r.SubscriberRepeats = f.sub.repeat
	f.sub.mu.Unlock()
	_ = f.pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM inbound_events WHERE event_id LIKE $1 || '%' AND attempts > 1),
			(SELECT coalesce(sum(attempts - 1), 0) FROM inbound_events WHERE event_id LIKE $1 || '%' AND attempts > 1),
			(SELECT count(*) FROM notifications WHERE order_id LIKE $1 || '%' AND attempts > 1),
			(SELECT count(*) FROM notifications WHERE order_id LIKE $1 || '%' AND status = 'unknown'),
			(SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $2),
			(SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $2)`,
		f.j.prefix, f.endpointID).Scan(&r.RelayedMoreThanOnce, &r.RelayExtraAttempts, &r.NotifyRetried, &r.NotifyUnknown,
		&r.DeliveryAttempts, &r.Deliveries)
	return r
}

package sendgrid

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Event is one delivery or engagement event from SendGrid's Event Webhook, reduced to what
// shipflow tracks about a notification.
type Event struct {
	Email string
	// Event is SendGrid's event type: processed, deferred, delivered, bounce, dropped, open,
	// click, spamreport, unsubscribe, group_unsubscribe, group_resubscribe.
	Event string
	// MessageID is sg_message_id: the X-Message-Id the send returned, a dot, and SendGrid's
	// per-recipient suffix. XMessageID gives the first part back.
	MessageID string
	// EventID is sg_event_id, unique per event: SendGrid retries deliveries, and the same
	// event may arrive twice.
	EventID string
	// Reason explains a bounce, drop or deferral: SendGrid's reason, or for a deferral its
	// response from the receiving server.
	Reason    string
	Timestamp time.Time
	// Args are the custom args sent with the message (e.g. "notification_id"), which SendGrid
	// posts back as top-level fields of every event.
	Args map[string]string
}

// XMessageID is the X-Message-Id the send returned: sg_message_id up to its first dot.
func (e Event) XMessageID() string {
	id, _, _ := strings.Cut(e.MessageID, ".")
	return id
}

// eventFields are the fields SendGrid itself puts in events; any other string field is a
// custom arg.
var eventFields = map[string]bool{
	"email": true, "timestamp": true, "event": true, "smtp-id": true, "sg_event_id": true,
	"sg_message_id": true, "category": true, "reason": true, "status": true, "response": true,
	"attempt": true, "type": true, "bounce_classification": true, "useragent": true, "ip": true,
	"url": true, "url_offset": true, "tls": true, "cert_err": true, "asm_group_id": true,
	"marketing_campaign_id": true, "marketing_campaign_name": true,
	"marketing_campaign_version": true, "marketing_campaign_split_id": true,
	"singlesend_id": true, "singlesend_name": true, "template_id": true, "template_name": true,
	"template_version_id": true, "template_hash": true, "sg_template_id": true,
	"sg_template_name": true, "sg_machine_open": true, "sg_content_type": true,
	"send_at": true, "pool": true, "newsletter": true, "post_type": true, "phase_id": true,
	"mc_stats": true, "unique_args": true, "custom_args": true,
}

// ParseEvents reads an Event Webhook body: a JSON array of event objects. It fails on a body
// that is not such an array or on an event without its type, so that a malformed post is
// answered 400 rather than half applied.
func ParseEvents(body []byte) ([]Event, error) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("sendgrid: event webhook body is not a JSON array of events: %w", err)
	}
	events := make([]Event, 0, len(raw))
	for i, fields := range raw {
		e, err := parseEvent(fields)
		if err != nil {
			return nil, fmt.Errorf("sendgrid: event %d: %w", i, err)
		}
		events = append(events, e)
	}
	return events, nil
}

func parseEvent(fields map[string]json.RawMessage) (Event, error) {
	if fields == nil {
		return Event{}, errors.New("not a JSON object")
	}
	e := Event{
		Email:     str(fields["email"]),
		Event:     str(fields["event"]),
		MessageID: str(fields["sg_message_id"]),
		EventID:   str(fields["sg_event_id"]),
		Reason:    str(fields["reason"]),
		Args:      map[string]string{},
	}
	if e.Event == "" {
		return Event{}, errors.New("no event type")
	}
	if e.Reason == "" && e.Event == "deferred" {
		e.Reason = str(fields["response"])
	}
	if ts, ok := fields["timestamp"]; ok {
		t, err := unixTime(ts)
		if err != nil {
			return Event{}, err
		}
		e.Timestamp = t
	}
	// Custom args arrive at the top level; older senders' unique_args may arrive nested.
	for _, nested := range []string{"unique_args", "custom_args"} {
		var m map[string]json.RawMessage
		if json.Unmarshal(fields[nested], &m) == nil {
			for k, v := range m {
				if s, ok := strValue(v); ok {
					e.Args[k] = s
				}
			}
		}
	}
	for k, v := range fields {
		if eventFields[k] {
			continue
		}
		if s, ok := strValue(v); ok {
			e.Args[k] = s
		}
	}
	return e, nil
}

// unixTime reads SendGrid's timestamp: Unix seconds, as a number (or a numeric string).
func unixTime(raw json.RawMessage) (time.Time, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return time.Time{}, fmt.Errorf("timestamp %s is not Unix seconds", raw)
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= 0 && i < 1<<40 {
		return time.Unix(i, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f >= 1<<40 || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("timestamp %s is not Unix seconds", raw)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func strValue(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func str(raw json.RawMessage) string {
	s, _ := strValue(raw)
	return s
}

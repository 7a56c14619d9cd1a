package mailgun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Event types of Mailgun's webhooks that shipflow acts on; others (accepted, opened,
// clicked) are parsed and ignored.
const (
	EventAccepted     = "accepted"
	EventDelivered    = "delivered"
	EventFailed       = "failed"
	EventUnsubscribed = "unsubscribed"
	EventComplained   = "complained"
)

// Severities of a failed event: a permanent failure is a bounce Mailgun gives up on (or a
// suppressed address), a temporary one is retried by Mailgun itself.
const (
	SeverityPermanent = "permanent"
	SeverityTemporary = "temporary"
)

// Limits on the signature block, far above what Mailgun sends (a 50-character token, 64 hex
// digits of HMAC-SHA256, Unix seconds), so that a hostile post costs nothing.
const (
	MaxToken     = 256
	MaxSignature = 128
)

// Signature is the "signature" object of a webhook post.
type Signature struct {
	Timestamp string `json:"timestamp"`
	Token     string `json:"token"`
	Signature string `json:"signature"`
}

// Event is the "event-data" of a webhook post, reduced to what shipflow tracks.
type Event struct {
	ID        string // Mailgun's event id, unique per event
	Event     string // delivered, failed, unsubscribed, complained, ...
	Severity  string // of a failed event: permanent or temporary
	Recipient string
	// MessageID is the message's Message-Id without angle brackets: the id the send returned.
	MessageID string
	// Reason explains a failure: the receiving server's answer, or Mailgun's reason.
	Reason    string
	Timestamp time.Time
	// Vars are the user variables sent with the message (v:notification_id, ...).
	Vars map[string]string
}

// Webhook is one webhook post: its signature and its event.
type Webhook struct {
	Signature Signature
	Event     Event
}

// eventData is the part of "event-data" shipflow reads.
type eventData struct {
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	Severity  string          `json:"severity"`
	Reason    string          `json:"reason"`
	Recipient string          `json:"recipient"`
	Timestamp json.RawMessage `json:"timestamp"`
	Message   struct {
		Headers struct {
			MessageID string `json:"message-id"`
		} `json:"headers"`
	} `json:"message"`
	DeliveryStatus struct {
		Message     string `json:"message"`
		Description string `json:"description"`
	} `json:"delivery-status"`
	UserVariables map[string]json.RawMessage `json:"user-variables"`
}

// ParseWebhook reads a webhook body: {"signature": {...}, "event-data": {...}}. It fails on a
// body of another shape or an event without its type, so a malformed post is answered 400.
// The signature is only read here; Verify checks it.
func ParseWebhook(body []byte) (Webhook, error) {
	var raw struct {
		Signature *Signature `json:"signature"`
		EventData *eventData `json:"event-data"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Webhook{}, fmt.Errorf("mailgun: webhook body is not a JSON object of signature and event-data: %w", err)
	}
	if raw.Signature == nil || raw.EventData == nil {
		return Webhook{}, errors.New("mailgun: webhook body lacks signature or event-data")
	}
	d := raw.EventData
	if d.Event == "" {
		return Webhook{}, errors.New("mailgun: event-data has no event type")
	}
	e := Event{ID: d.ID, Event: d.Event, Severity: d.Severity, Recipient: d.Recipient,
		MessageID: MessageID(d.Message.Headers.MessageID), Reason: d.DeliveryStatus.Message, Vars: map[string]string{}}
	if e.Reason == "" {
		e.Reason = d.DeliveryStatus.Description
	}
	if e.Reason == "" {
		e.Reason = d.Reason
	}
	if len(d.Timestamp) > 0 {
		t, err := unixTime(d.Timestamp)
		if err != nil {
			return Webhook{}, fmt.Errorf("mailgun: event-data: %w", err)
		}
		e.Timestamp = t
	}
	for k, v := range d.UserVariables {
		var s string
		if json.Unmarshal(v, &s) == nil {
			e.Vars[k] = s
		}
	}
	return Webhook{Signature: *raw.Signature, Event: e}, nil
}

// unixTime reads Mailgun's event timestamp: Unix seconds with a fraction.
func unixTime(raw json.RawMessage) (time.Time, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f < 0 || f >= 1<<40 || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("timestamp %.40s is not Unix seconds", raw)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// Sign computes a webhook signature as Mailgun does: the hex HMAC-SHA256, keyed with the
// webhook signing key, of the timestamp followed by the token with no separator.
func Sign(signingKey, timestamp, token string) string {
	m := hmac.New(sha256.New, []byte(signingKey))
	m.Write([]byte(timestamp))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether s was made with signingKey. Replay protection (an old timestamp, a
// token seen before) is the caller's.
func Verify(signingKey string, s Signature) bool {
	if signingKey == "" || s.Token == "" || s.Timestamp == "" || len(s.Token) > MaxToken || len(s.Signature) > MaxSignature {
		return false
	}
	if _, err := strconv.ParseInt(s.Timestamp, 10, 64); err != nil {
		return false
	}
	got, err := hex.DecodeString(s.Signature)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(Sign(signingKey, s.Timestamp, s.Token))
	return hmac.Equal(got, want)
}

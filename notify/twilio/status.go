package twilio

import (
	"context"
	"errors"
	"fmt"

	"github.com/shipflow/shipflow/notify"
)

// statuses maps Twilio's message statuses onto the notification log's. A status not here
// (receiving, received: inbound messages) says nothing about a message we sent.
var statuses = map[string]notify.Status{
	"accepted": notify.StatusSent, "scheduled": notify.StatusSent, "queued": notify.StatusSent,
	"sending": notify.StatusSent, "sent": notify.StatusSent,
	// Some parts arrived; Twilio may still report the rest.
	"partially_delivered": notify.StatusSent,
	"delivered":           notify.StatusDelivered, "read": notify.StatusDelivered,
	"undelivered": notify.StatusUndelivered, "failed": notify.StatusFailed,
	// A scheduled message cancelled before it went: the customer got nothing.
	"canceled": notify.StatusFailed,
}

// LogStatus is the notification log's status for Twilio's status s, from a status callback or
// a fetched Message; false when s says nothing about an outbound message.
func LogStatus(s string) (notify.Status, bool) {
	st, ok := statuses[s]
	return st, ok
}

// maxSID bounds a Message SID (two letters and 32 hex digits) well above its real length.
const maxSID = 64

// codeNotFound is Twilio's error code for a resource it does not have.
const codeNotFound = "20404"

var _ notify.Looker = (*Sender)(nil)

// Lookup fetches the Message sid from Twilio and returns its status in the log's terms, with
// Twilio's error code when it has one: what a status callback would have said. It answers
// notify.ErrNoSuchMessage when Twilio has no such message.
func (s *Sender) Lookup(ctx context.Context, sid string) (notify.Status, string, error) {
	// twilio-go puts the SID into the URL path unescaped.
	if sid == "" || len(sid) > maxSID || !alphanumeric.MatchString(sid) {
		return "", "", fmt.Errorf("twilio: message %q: %w", sid, notify.ErrNoSuchMessage)
	}
	rest, rt, cancel := s.client(ctx)
	defer cancel()
	res, err := rest.Api.FetchMessage(sid, nil)
	if err != nil {
		err = classify("twilio: fetch message "+sid, err, rt.status, rt.errBody)
		if p := (*notify.PermanentError)(nil); errors.As(err, &p) && p.Code == codeNotFound {
			return "", "", fmt.Errorf("%w: %w", notify.ErrNoSuchMessage, err)
		}
		return "", "", err
	}
	if res.Status == nil {
		return "", "", fmt.Errorf("twilio: fetch message %s: Twilio answered without a status", sid)
	}
	st, ok := LogStatus(*res.Status)
	if !ok {
		return "", "", fmt.Errorf("twilio: fetch message %s: status %q is not an outbound message's", sid, *res.Status)
	}
	why := ""
	if res.ErrorCode != nil && *res.ErrorCode != 0 {
		why = fmt.Sprintf("twilio error %d", *res.ErrorCode)
	}
	return st, why, nil
}

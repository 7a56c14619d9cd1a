// Package twoway answers a customer's own text ("where is my parcel?", by SMS or WhatsApp)
// with the status the voice assistant would give, from the number on the order only. A
// provider's inbound webhook (Twilio's today, the WhatsApp Cloud API's next) hands the
// message to Answerer.Answer and sends back the text it returns, in the webhook's own
// response, so the customer is answered within the provider's timeout (Twilio's is 15 s):
// only Postgres is read, never a workflow.
//
// The rules:
//   - Orders are found by the sender's number (E.164, normalised as the voice line does) on
//     the order in the read model: the open ones, newest first, up to MaxOrders, and the
//     reply says how many there are; with none open, the latest finished within
//     RecentlyFinished. A number on no order gets one fixed line and nothing else.
//   - The customer's text is never stored, logged or repeated back.
//   - One answer per number and channel per Interval, counted in Postgres so every serve
//     replica counts the same; a message within the interval gets no reply.
//   - A provider's retry of the same message (same message id) gets the same reply and
//     writes nothing new.
//   - Every answer is a row of the notification log (milestone notify.MilestoneReply) per
//     order answered, so staff see what was said.
//   - A number that opted out (STOP) is still answered: the customer asked, and a reply to a
//     direct question is not a notification. The consent words themselves (Keyword) are the
//     provider handler's to apply and are never answered here.
package twoway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
	"github.com/shipflow/shipflow/voice"
)

// Limits of an answer.
const (
	// MaxOrders is how many open orders one reply tells of; more are counted, not told.
	MaxOrders = 3
	// RecentlyFinished is how long after its last change a finished (delivered, cancelled,
	// returned) order is still told of, when the number has no open one.
	RecentlyFinished = 14 * 24 * time.Hour
	// DefaultInterval is the shortest time between two answers to one number
	// (SHIPFLOW_TWO_WAY_INTERVAL).
	DefaultInterval = time.Minute
	// MaxReply is the longest reply in characters: Twilio's cap on a message body, which
	// it sends as up to ten SMS segments.
	MaxReply = 1600
	// MaxTextBytes bounds a customer's text: Twilio's 1,600 characters of up to 4 bytes.
	MaxTextBytes = MaxReply * 4
	// maxMessageID bounds a provider's message id (Twilio's: 34 characters; WhatsApp's
	// wamid: about 60).
	maxMessageID = 128
	// keep is how long an inbound message is remembered for its retries: providers retry
	// within minutes.
	keep = 24 * time.Hour
)

// ErrInvalid marks an inbound message the Answerer refuses: a caller's bug or a hostile
// request, answered 400 by the webhook.
var ErrInvalid = errors.New("invalid inbound text")

// Inbound is one text a customer sent.
type Inbound struct {
	// Provider names who delivered it ("twilio"): message ids are unique per provider.
	Provider string
	// MessageID is the provider's id of the message (Twilio's MessageSid), which a retry
	// of the same message repeats.
	MessageID string
	Channel   order.Channel // order.ChannelSMS or order.ChannelWhatsApp
	// From is the sender's number, E.164 ("+37060000000"), without any "whatsapp:" prefix.
	From string
	// Text is what the customer wrote. It decides nothing but whether it is a consent word,
	// and is never stored or repeated.
	Text string
	// Locale is the language of the fixed line a number on no order gets ("" is English);
	// an order's own locale decides every other reply.
	Locale string
}

// Answerer answers customers' texts from the read model.
type Answerer struct {
	DB db.Executor
	// TrackingURL is the base of tracking links (SHIPFLOW_TRACKING_PAGE_URL, else
	// SHIPFLOW_PUBLIC_URL); TrackingSecret signs them, and without it replies carry none.
	TrackingURL, TrackingSecret string
	// Interval is the shortest time between two answers to one number; zero is
	// DefaultInterval.
	Interval time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Answer returns the reply to in, or "" when none is to be sent: in is a consent word, or
// the number was answered within the interval. It is safe to call again with the same
// message: the first reply is returned and nothing more is written. An error wrapping
// ErrInvalid is the caller's to refuse; any other is Postgres's.
func (a *Answerer) Answer(ctx context.Context, in Inbound) (string, error) {
	if err := in.check(); err != nil {
		return "", err
	}
	if k, _ := notify.KeywordOf(in.Text); k != notify.KeywordNone {
		return "", nil
	}
	address := order.E164(in.From)
	if address == "" {
		address = in.From // a short code or sender id: on no order, but still limited
	}
	var reply, outcome string
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		// One message of a number at a time, in every replica: the limit below is then
		// exact, and two messages in the same instant cannot both be answered.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"twoway:"+string(in.Channel)+":"+address); err != nil {
			return fmt.Errorf("lock %s: %w", notify.Mask(address), err)
		}
		prior, seen, err := answered(ctx, tx, in.Provider, in.MessageID)
		if err != nil || seen {
			reply, outcome = prior, "retry"
			return err
		}
		limited, err := answeredSince(ctx, tx, in.Channel, address, a.interval())
		if err != nil {
			return err
		}
		var entries []notify.Entry
		outcome = "limited"
		if !limited {
			reply, entries, outcome, err = a.compose(ctx, tx, in, address)
			if err != nil {
				return err
			}
		}
		if err := remember(ctx, tx, in, address, reply); err != nil {
			return err
		}
		log := notify.NewLog(tx)
		for _, e := range entries {
			if _, err := log.Record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("answer %s text from %s: %w", in.Channel, notify.Mask(address), err)
	}
	a.logger().Info("customer text answered", "channel", in.Channel, "from", notify.Mask(address),
		"message_id", in.MessageID, "outcome", outcome)
	return reply, nil
}

// Reply answers in as Answer does and sends the reply with send, for a provider whose webhook
// cannot carry a reply in its own answer (the WhatsApp Cloud API). The reply goes at most once
// per message, however often the provider posts the message again: it is claimed in Postgres
// before send is called. A send that fails for now (send's error is not a
// *notify.PermanentError) is released, so the provider's retry of the webhook sends it, and
// its error returned; one refused for good is not tried again.
func (a *Answerer) Reply(ctx context.Context, in Inbound, send func(ctx context.Context, reply string) error) error {
	reply, err := a.Answer(ctx, in)
	if err != nil || reply == "" {
		return err
	}
	claimed, err := claimSend(ctx, a.DB, in.Provider, in.MessageID)
	if err != nil || !claimed {
		return err
	}
	err = send(ctx, reply)
	switch {
	case err == nil:
		return nil
	case notify.IsPermanent(err):
		a.logger().Warn("reply to a customer's text refused", "channel", in.Channel, "message_id", in.MessageID, "err", err)
		return nil
	}
	if rerr := releaseSend(context.WithoutCancel(ctx), a.DB, in.Provider, in.MessageID); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// compose is the reply to a number not answered within the interval, with the log rows
// that record it, and what it was (for the application log): orders, finished or no_order.
func (a *Answerer) compose(ctx context.Context, ex db.Executor, in Inbound, address string) (string, []notify.Entry, string, error) {
	views, open, err := ordersOf(ctx, ex, address, MaxOrders, a.now().Add(-RecentlyFinished))
	if err != nil {
		return "", nil, "", err
	}
	entry := func(orderID, locale, body string) notify.Entry {
		return notify.Entry{
			Key:     strings.Join([]string{orderID, notify.MilestoneReply, in.MessageID, string(in.Channel)}, "/"),
			OrderID: orderID, Milestone: notify.MilestoneReply, Channel: string(in.Channel), To: address,
			Template: notify.MilestoneReply, Locale: locale, Body: body, Provider: in.Provider, Status: notify.StatusSent,
		}
	}
	if len(views) == 0 {
		reply := voice.NoOrderText(in.Locale)
		return reply, []notify.Entry{entry("", in.Locale, reply)}, "no_order", nil
	}
	reply := a.tell(views, open)
	for len([]rune(reply)) > MaxReply && len(views) > 1 {
		views = views[:len(views)-1]
		reply = a.tell(views, open)
	}
	reply = shorten(reply, MaxReply)
	entries := make([]notify.Entry, len(views))
	for i, v := range views {
		entries[i] = entry(v.OrderID, v.Customer.Locale, reply)
	}
	outcome := "orders"
	if open == 0 {
		outcome = "finished"
	}
	return reply, entries, outcome, nil
}

// tell is the reply about views, of open open orders in all: each order's status text, after
// a line saying how many there are when not all are told.
func (a *Answerer) tell(views []order.View, open int) string {
	var parts []string
	if open > len(views) {
		parts = append(parts, voice.MoreOrdersText(views[0].Customer.Locale, len(views), open))
	}
	now := a.now()
	for _, v := range views {
		parts = append(parts, voice.StatusText(v, now, tracklink.URL(a.TrackingURL, a.TrackingSecret, v.OrderID)))
	}
	return strings.Join(parts, "\n\n")
}

// shorten cuts s to n characters, an ellipsis marking the cut.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// check refuses what no provider sends: an unknown channel, a message without an id or with
// one that is not printable ASCII, a sender that is not an address, a text past the cap or
// holding what no keyboard types.
func (in Inbound) check() error {
	switch {
	case in.Channel != order.ChannelSMS && in.Channel != order.ChannelWhatsApp:
		return fmt.Errorf("%w: channel %q is not sms or whatsapp", ErrInvalid, in.Channel)
	case in.Provider == "":
		return fmt.Errorf("%w: no provider", ErrInvalid)
	case in.From == "" || len(in.From) > maxAddress || strings.ContainsFunc(in.From, func(r rune) bool { return !addressRune(r) }):
		return fmt.Errorf("%w: the sender is not a phone number, short code or sender id", ErrInvalid)
	}
	if err := order.CheckKey("message id", in.MessageID, maxMessageID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := CheckText(in.Text); err != nil {
		return err
	}
	return nil
}

// maxAddress bounds a sender: an E.164 number is at most 16 characters, an alphanumeric
// sender id 11.
const maxAddress = 32

func addressRune(r rune) bool {
	return r == '+' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// CheckText refuses a customer's text that no phone sends: over MaxTextBytes, invalid UTF-8,
// or holding a control character other than the line breaks and tabs a keyboard types
// (order.UnsafeRune: NUL, escapes, bidirectional overrides). The error wraps ErrInvalid.
func CheckText(s string) error {
	switch {
	case len(s) > MaxTextBytes:
		return fmt.Errorf("%w: the text is longer than %d bytes", ErrInvalid, MaxTextBytes)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: the text is not valid UTF-8", ErrInvalid)
	}
	for _, r := range s {
		if r != '\n' && r != '\r' && r != '\t' && order.UnsafeRune(r) {
			return fmt.Errorf("%w: the text holds a control character (U+%04X)", ErrInvalid, r)
		}
	}
	return nil
}

func (a *Answerer) interval() time.Duration {
	if a.Interval > 0 {
		return a.Interval
	}
	return DefaultInterval
}

func (a *Answerer) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Answerer) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shipflow/shipflow/loop"
)

// The unresolved-notification check. A sending attempt that died after calling its provider
// leaves its message `unknown`: the retry does not send again (at most once), and waits for the
// provider's receipt. A receipt can fail to come (lost, no status callback configured, or no
// message id on record to match it to), and then the message would stay `unknown` for ever,
// with nobody told that the customer may have heard nothing. Every worker runs this check
// (Unresolved.Run): a message unknown for longer than a receipt takes is looked up at its
// provider where the provider can say, and otherwise marked failed, so it shows in the
// compliance log, counts on /metrics and is logged. It is never sent again.
const (
	// ReceiptWait is how long an unknown message waits for its receipt: Twilio's status
	// callbacks come within seconds to minutes of the carrier's report.
	ReceiptWait = 30 * time.Minute
	// unresolvedEvery is how often the check looks.
	unresolvedEvery = time.Minute
	// unresolvedPage bounds the messages one check takes, so a backlog is worked through a
	// page a minute instead of holding up the worker.
	unresolvedPage = 100
)

// Outcomes of the check, the values of the unresolved counter's outcome label.
const (
	unresolvedProvider = "provider"      // the provider's record gave the status
	unresolvedNoRecord = "no_receipt"    // nothing could say: marked failed
	unresolvedLater    = "lookup_failed" // the provider could not be asked: looked at again after ReceiptWait
)

// Looker is a provider that can say what became of a message it accepted (Twilio's Message
// resource). SendGrid cannot without a paid add-on, so email has none.
type Looker interface {
	// Lookup returns the message's status as a receipt would, and the provider's reason for a
	// failure; ErrNoSuchMessage when the provider has no message messageID.
	Lookup(ctx context.Context, messageID string) (Status, string, error)
}

// ErrNoSuchMessage: the provider has no message with that id.
var ErrNoSuchMessage = errors.New("the provider has no such message")

// Unresolved resolves messages left unknown. It is safe for several workers at once: each
// message is taken by one check (Log.claimUnknown).
type Unresolved struct {
	log     *Log
	lookers map[string]Looker // by provider name, as the log records it
	logger  *slog.Logger
	wait    time.Duration
	count   *prometheus.CounterVec
}

// NewUnresolved returns the check over log, asking lookers (by provider name: "twilio") where
// a message's provider is one of them and its id is on record.
func NewUnresolved(log *Log, lookers map[string]Looker, logger *slog.Logger) *Unresolved {
	if logger == nil {
		logger = slog.Default()
	}
	return &Unresolved{log: log, lookers: lookers, logger: logger, wait: ReceiptWait,
		count: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shipflow_notifications_unresolved_total",
			Help: "Customer messages left unknown by a sending attempt that died and no receipt after " + ReceiptWait.String() + ", by channel and how they were resolved.",
		}, []string{"channel", "outcome"}),
	}
}

// Register adds the check's counter to reg.
func (u *Unresolved) Register(reg prometheus.Registerer) error { return reg.Register(u.count) }

// Run checks at once (a restart follows the crashes that leave messages unknown) and every
// minute until ctx ends.
func (u *Unresolved) Run(ctx context.Context) {
	loop.Every(ctx, unresolvedEvery, func(ctx context.Context) {
		if _, err := u.Check(ctx); err != nil && ctx.Err() == nil {
			u.logger.Error("look for unresolved notifications", "err", err)
		}
	})
}

// Check takes a page of messages unknown for longer than ReceiptWait and resolves each. It
// returns how many it resolved; one whose provider could not be asked is left unknown and
// taken again after another ReceiptWait.
func (u *Unresolved) Check(ctx context.Context) (int, error) {
	entries, err := u.log.claimUnknown(ctx, time.Now().Add(-u.wait), unresolvedPage)
	if err != nil {
		return 0, err
	}
	resolved := 0
	for _, e := range entries {
		if u.resolve(ctx, e) {
			resolved++
		}
	}
	return resolved, nil
}

// resolve settles one unknown message and reports whether it did.
func (u *Unresolved) resolve(ctx context.Context, e Entry) bool {
	noReceipt := fmt.Sprintf("no receipt within %s after the sending attempt died; the customer may or may not have received it", u.wait)
	st, why, outcome := StatusFailed, noReceipt, unresolvedNoRecord
	if looker := u.lookers[e.Provider]; looker != nil && e.ProviderMessageID != "" {
		got, reason, err := looker.Lookup(ctx, e.ProviderMessageID)
		switch {
		case errors.Is(err, ErrNoSuchMessage):
			why = noReceipt + "; " + err.Error()
		case err != nil:
			u.count.WithLabelValues(e.Channel, unresolvedLater).Inc()
			u.logger.Warn("notification still unknown: its provider could not be asked; the check asks again later",
				"key", e.Key, "channel", e.Channel, "to", Mask(e.To), "provider", e.Provider, "after", u.wait, "err", err)
			return false
		default:
			st, outcome = got, unresolvedProvider
			why = "no receipt came after the sending attempt died; status from " + e.Provider + "'s record"
			if reason != "" {
				why += ": " + reason
			}
		}
	}
	ok, err := u.log.resolve(ctx, e.ID, st, why)
	if err != nil {
		u.logger.Warn("notification still unknown: could not record its resolution; the check tries again later",
			"key", e.Key, "err", err)
		return false
	}
	if !ok {
		return false // a receipt came meanwhile
	}
	u.count.WithLabelValues(e.Channel, outcome).Inc()
	u.logger.Warn("notification left unknown by a sending attempt that died is resolved; it is not sent again",
		"key", e.Key, "order", e.OrderID, "channel", e.Channel, "to", Mask(e.To), "status", st, "outcome", outcome, "reason", why)
	return true
}

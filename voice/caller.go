package voice

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Limits on failed caller verifications. A failure is an order number that
// is not found, or a caller number that is not the order's; a first call
// without any number (the assistant has not asked yet) is not one. Past a
// limit the caller is answered verification_required without a look at
// the order or the number, so guessing stops paying: a few tries per call
// allow for a misheard digit, and a cap per order stops guessing spread
// over many calls. A locked order unlocks as its failures age out of the
// window, whoever calls.
const (
	MaxFailuresPerCall  = 3
	MaxFailuresPerOrder = 10
	CallFailureWindow   = 24 * time.Hour // longer than any call: a call's count never runs out
	OrderFailureWindow  = time.Hour
)

// verdict is why a caller was not verified, as far as the caller may be
// told: never whether the order has a phone number on file.
type verdict int

const (
	// verdictAsk: no number to check yet; ask for one.
	verdictAsk verdict = iota
	// verdictFailed: the number the caller gave does not verify.
	verdictFailed
	// verdictFailedNetwork: the number the caller calls from does not
	// verify, and a number they say cannot override it.
	verdictFailedNetwork
	// verdictLocked: too many failures; no more tries.
	verdictLocked
)

type driverKey struct{}

// AsDriver marks a request's context as a driver's: the server does so for
// a request carrying a driver token. report_delay answers nobody else.
func AsDriver(ctx context.Context) context.Context {
	return context.WithValue(ctx, driverKey{}, true)
}

func isDriver(ctx context.Context) bool {
	d, _ := ctx.Value(driverKey{}).(bool)
	return d
}

// driver reports whether a call is a driver's: its request carries a driver
// token, or the network's caller id is one of DriverPhones. A number the
// caller says is never enough.
func (h *Handler) driver(ctx context.Context, inv *invocation) bool {
	if isDriver(ctx) {
		return true
	}
	if inv.callerID == "" {
		return false
	}
	id := e164(inv.callerID)
	for _, p := range h.DriverPhones {
		if id != "" && id == e164(p) {
			return true
		}
	}
	return false
}

// networkCaller is a platform's caller id as a number to compare, or ""
// when it is not a phone number at all ("anonymous", a SIP URI, garbage):
// then there is no network caller id, and the caller's word is all there is.
func networkCaller(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 32 || phoneDigits(s) == "" {
		return ""
	}
	return s
}

// e164 is p as "+<digits>" when it is written in international form, else "" (order.E164).
func e164(p string) string { return order.E164(p) }

// verified finds the caller's order and checks the caller may hear about
// it: the network's caller id, or without one the number the caller says,
// must be the order's phone. It returns the order, or the answer to give
// instead (not_found, verification_required, or an error when the Source
// failed). An unverified caller's answer is in the platform's language,
// not the customer's, and says nothing of the order.
func (h *Handler) verified(ctx context.Context, inv *invocation) (Found, *Answer) {
	number := inv.args.orderNumber
	callKey := "call:" + inv.platform + ":" + inv.callID
	if h.failures(ctx, inv, callKey, CallFailureWindow) >= MaxFailuresPerCall {
		return Found{}, h.unverified(inv, verdictLocked, "call_locked", "")
	}
	v, err := h.findOrder(ctx, number)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			h.fail(ctx, inv, callKey)
		}
		return v, h.lookupFailed(ctx, inv, err, number)
	}
	inv.seen = v.OrderID
	caller, said := inv.callerID, inv.args.callerPhone
	if caller == "" {
		caller = said
	}
	if caller == "" {
		return v, h.unverified(inv, verdictAsk, "caller_phone_missing", "")
	}
	orderKey := "order:" + v.OrderID
	if h.failures(ctx, inv, orderKey, OrderFailureWindow) >= MaxFailuresPerOrder {
		return v, h.unverified(inv, verdictLocked, "order_locked", caller)
	}
	if v.Customer.Phone != "" && samePhone(caller, v.Customer.Phone) {
		inv.verified = true
		return v, nil
	}
	h.fail(ctx, inv, callKey, orderKey)
	why, vd := "caller_phone_mismatch", verdictFailed
	if inv.callerID != "" {
		why, vd = "caller_id_mismatch", verdictFailedNetwork
		if said != "" && said != inv.callerID {
			why = "caller_id_mismatch_spoken_ignored"
		}
	}
	if v.Customer.Phone == "" {
		why = "no_phone_on_order" // for the log only: the caller hears what a mismatch hears
	}
	return v, h.unverified(inv, vd, why, caller)
}

// unverified is the answer to a caller who is not verified: the order
// number they gave back, and instructions that depend only on what the
// caller knows (whether they gave a number, whether they call from one),
// never on the order. why goes to the log alone.
func (h *Handler) unverified(inv *invocation, vd verdict, why, caller string) *Answer {
	h.logger().Info("voice caller not verified", "platform", inv.platform, "call_id", inv.callID, "tool", inv.tool.name,
		"reason", why, "caller", maskPhone(caller), "network_caller_id", inv.callerID != "")
	return &Answer{
		Status:         StatusVerificationRequired,
		Data:           map[string]string{"order_number": inv.args.orderNumber},
		AIInstructions: say(inv.locale).verify(vd),
	}
}

// failures counts key's failures within window. A store that cannot answer
// counts none: the voice line keeps working while Postgres is away, and the
// limit applies again when it is back.
func (h *Handler) failures(ctx context.Context, inv *invocation, key string, window time.Duration) int {
	if h.Attempts == nil {
		return 0
	}
	n, err := h.Attempts.Failures(ctx, key, window)
	if err != nil {
		h.logger().Warn("voice attempts unavailable", "call_id", inv.callID, "err", err)
		return 0
	}
	return n
}

// fail records one failed verification under each key.
func (h *Handler) fail(ctx context.Context, inv *invocation, keys ...string) {
	if h.Attempts == nil {
		return
	}
	if err := h.Attempts.Fail(ctx, keys...); err != nil {
		h.logger().Warn("voice attempt not recorded", "call_id", inv.callID, "err", err)
	}
}

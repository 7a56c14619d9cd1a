package voice

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
)

// DefaultDeadline is the answer deadline when Handler.Deadline is not set
// (SHIPFLOW_VOICE_DEADLINE, docs/reference/configuration.md).
const DefaultDeadline = 800 * time.Millisecond

// DefaultFollowUp is how soon staff get back to a customer when
// Handler.FollowUp is not set.
const DefaultFollowUp = 24 * time.Hour

// memoTTL is how long a first answer is kept for repeats.
const memoTTL = 24 * time.Hour

// memoPutTimeout bounds storing an answer that was already given.
const memoPutTimeout = 2 * time.Second

// Answer statuses (docs/reference/voice.md).
const (
	StatusSuccess              = "success"
	StatusNotFound             = "not_found"
	StatusVerificationRequired = "verification_required"
	StatusError                = "error"
)

// Answer is the answer to one tool call, the POSKAI response body. Vapi and
// Retell carry the same answer in their own envelopes.
type Answer struct {
	Status string `json:"status"`
	// Data holds facts the assistant may use; it is an empty object, never
	// null, and holds no order details unless the caller was verified.
	Data any `json:"data"`
	// AIInstructions tell the assistant what to say, written from the
	// order's real state in the customer's language.
	AIInstructions string `json:"ai_instructions"`
}

// Handler answers voice assistant tool calls. Its three http.Handlers take
// the same tools in the shape of each platform; mount them behind the voice
// bearer-token middleware.
//
// Every call is answered within Deadline: the lookup and any action run
// under it less a small margin for writing the answer, and if they have not
// finished by then the caller hears an apology and an offer of a call back
// rather than silence. A call repeated with the same call id, tool and
// parameters gets the first answer back from Memo, without repeating its
// action.
type Handler struct {
	Source  Source
	Actions Actions
	// Memo keeps first answers for 24 hours. Nil turns repeat detection off.
	Memo Memo
	// Deadline is the time to answer in; DefaultDeadline when zero.
	Deadline time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// FollowUp is how soon staff contact a customer about a problem or a
	// call-back request, as the instructions promise it; DefaultFollowUp
	// when zero. It should match the escalation SLA.
	FollowUp time.Duration
	// Attempts counts failed verifications, per call and per order. Nil
	// turns the limits off.
	Attempts Attempts
	// DriverPhones are drivers' numbers (E.164): a call whose network
	// caller id is one of them is a driver's. A request's context marks a
	// driver too (AsDriver, for a driver token).
	DriverPhones []string
	// VapiSecrets, when any is set, are required of every Vapi request
	// (VerifyVapi); RetellKeys likewise of every Retell request
	// (VerifyRetell). Several allow a rotation.
	VapiSecrets []string
	RetellKeys  []string
	// Lookups counts each first answer to lookup_shipment_status by outcome (a platform's
	// repeat is not counted again). Nil counts nothing.
	Lookups Lookups
	// Trail records each first answer to a tool call in the audit trail, and then counts the
	// lookups itself, in the same round trip, instead of Lookups. Nil records nothing.
	Trail Trail
}

// POSKAI answers the shape of docs/reference/voice.md: POST /voice/tools.
func (h *Handler) POSKAI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := h.deadline(r.Context())
		defer cancel()
		defer h.recoverRequest(w)
		body, rerr := readBody(w, r)
		if rerr == nil {
			var inv *invocation
			if inv, rerr = decodePOSKAI(body); rerr == nil {
				inv.driver = h.driver(r.Context(), inv)
				writeJSON(w, http.StatusOK, json.RawMessage(h.invoke(ctx, inv)))
				return
			}
		}
		h.badRequest(w, "poskai", rerr)
	})
}

// Vapi answers Vapi's "tool-calls" server message with
// {"results":[{"toolCallId","result"}]}. Each result is the POSKAI answer
// as a JSON string: Vapi adds the result to the conversation for the model,
// which then has the facts for follow-up questions, the status to act on
// (ask for the phone number, repeat the order number) and ai_instructions
// to word its reply, so it speaks better than from a fixed sentence. The
// string has no line breaks, as Vapi requires. Several tool calls in one
// message are answered together, within the one deadline.
func (h *Handler) Vapi() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := h.deadline(r.Context())
		defer cancel()
		defer h.recoverRequest(w)
		body, rerr := readBody(w, r)
		if rerr == nil && len(h.VapiSecrets) > 0 {
			rerr = unauthorized(VerifyVapi(h.VapiSecrets, r.Header, body, h.now()))
		}
		if rerr == nil {
			var calls []vapiCall
			if calls, rerr = decodeVapi(body); rerr == nil {
				type result struct {
					ToolCallID string `json:"toolCallId"`
					Result     string `json:"result"`
				}
				results := make([]result, len(calls))
				var wg sync.WaitGroup
				for i, c := range calls {
					c.inv.driver = h.driver(r.Context(), c.inv)
					wg.Go(func() {
						results[i] = result{ToolCallID: c.toolCallID, Result: string(h.invoke(ctx, c.inv))}
					})
				}
				wg.Wait()
				writeJSON(w, http.StatusOK, struct {
					Results []result `json:"results"`
				}{results})
				return
			}
		}
		h.badRequest(w, "vapi", rerr)
	})
}

// Retell answers a Retell custom function call with the POSKAI answer as a
// JSON object, which Retell hands to the model as the function's result.
func (h *Handler) Retell() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := h.deadline(r.Context())
		defer cancel()
		defer h.recoverRequest(w)
		body, rerr := readBody(w, r)
		if rerr == nil && len(h.RetellKeys) > 0 {
			rerr = unauthorized(VerifyRetell(h.RetellKeys, r.Header.Get(HeaderRetellSignature), body, h.now()))
		}
		if rerr == nil {
			var inv *invocation
			if inv, rerr = decodeRetell(body); rerr == nil {
				inv.driver = h.driver(r.Context(), inv)
				writeJSON(w, http.StatusOK, json.RawMessage(h.invoke(ctx, inv)))
				return
			}
		}
		h.badRequest(w, "retell", rerr)
	})
}

// deadline is the context a request is answered under: Deadline less a
// margin for encoding and writing the answer (a tenth, at most 50ms).
func (h *Handler) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	d := h.Deadline
	if d <= 0 {
		d = DefaultDeadline
	}
	margin := min(d/10, 50*time.Millisecond)
	return context.WithTimeout(ctx, d-margin)
}

// invoke answers one tool call within ctx's deadline. The lookup and the
// action run on their own goroutine, so a Source or Action that ignores
// its context cannot hold the answer up. A first answer is stored in Memo
// before it is given (within the deadline), so that a platform's retry,
// which comes after, finds it; an error answer is not stored, so a retry
// gets another chance.
func (h *Handler) invoke(ctx context.Context, inv *invocation) []byte {
	start := time.Now()
	key := inv.key()
	answered := make(chan []byte, 1)
	stored := make(chan struct{})
	var hit bool
	go func() {
		defer close(stored)
		body, fresh, status := h.compute(ctx, inv, key)
		hit = !fresh
		answered <- body
		if fresh && status != StatusError && h.Memo != nil {
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), memoPutTimeout)
			defer cancel()
			if err := h.Memo.Put(pctx, key, body, memoTTL); err != nil {
				h.logger().Warn("voice memo put failed", "call_id", inv.callID, "tool", inv.tool.name, "err", err)
			}
		}
	}()
	select {
	case body := <-answered:
		select {
		case <-stored:
		case <-ctx.Done():
		}
		status := statusOf(body)
		h.logger().Info("voice tool answered", "platform", inv.platform, "call_id", inv.callID, "tool", inv.tool.name,
			"status", status, "repeat", hit, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		if !hit {
			h.record(ctx, inv, status, inv.seen, inv.verified)
		}
		return body
	case <-ctx.Done():
		h.logger().Warn("voice tool missed its deadline", "platform", inv.platform, "call_id", inv.callID,
			"tool", inv.tool.name, "duration_ms", float64(time.Since(start).Microseconds())/1000, "err", ctx.Err())
		// The tool may still be running: what it saw is not read here, and the caller heard
		// nothing of the order.
		h.record(ctx, inv, StatusError, "", false)
		return encodeAnswer(h.unavailable(inv.locale, "timeout"))
	}
}

// recordTimeout bounds recording an answer, which happens after the answer is given.
const recordTimeout = 2 * time.Second

// record puts a first answer to a tool call in the audit trail, with the order the tool saw
// (seen, "" for none) and whether the caller was verified, and counts a lookup_shipment_status
// by outcome: one write, on a goroutine of its own, so the caller never waits for it. A write
// that fails is logged: the caller's answer matters more than its record.
func (h *Handler) record(ctx context.Context, inv *invocation, status, seen string, verified bool) {
	outcome := outcomeOf(status)
	var count *Count
	if inv.tool.name == ToolLookupShipmentStatus {
		count = &Count{Day: h.now().UTC(), Outcome: outcome}
	}
	if h.Trail == nil && (h.Lookups == nil || count == nil) {
		return
	}
	e := h.entry(ctx, inv, outcome, seen, verified)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	go func() {
		defer cancel()
		var err error
		if h.Trail != nil {
			err = h.Trail.Record(ctx, e, count)
		} else {
			err = h.Lookups.CountLookup(ctx, count.Day, count.Outcome)
		}
		if err != nil {
			h.logger().Warn("voice answer not recorded", "call_id", inv.callID, "tool", inv.tool.name, "outcome", outcome, "err", err)
		}
	}()
}

// entry is the audit entry of a tool call: attributed to the named token the request carries,
// or else to the platform, via voice. Its subject is the order seen, or the number the caller
// gave when none was found.
func (h *Handler) entry(ctx context.Context, inv *invocation, outcome LookupOutcome, seen string, verified bool) audit.Entry {
	name := inv.platform
	if a, ok := access.ActorFrom(ctx); ok && a.Name != "" {
		name = a.Name
	}
	subject := seen
	if subject == "" {
		subject = cmp.Or(inv.args.orderNumber, inv.args.trackingNumber)
	}
	d := map[string]any{"tool": inv.tool.name, "outcome": outcome, "verified": verified, "platform": inv.platform, "call_id": inv.callID}
	if inv.driver {
		d["driver"] = true
	}
	return audit.Entry{Actor: name, Via: access.ViaVoice, Action: audit.ActionVoiceLookup, Subject: subject, OrderID: seen, Detail: d}
}

// compute is the answer: the stored first answer for a repeat (fresh
// false), else the tool's. A panic in a Source or Action is an error answer.
func (h *Handler) compute(ctx context.Context, inv *invocation, key string) (body []byte, fresh bool, status string) {
	defer func() {
		if r := recover(); r != nil {
			h.logger().Error("voice tool panicked", "call_id", inv.callID, "tool", inv.tool.name,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			body, fresh, status = encodeAnswer(h.unavailable(inv.locale, "internal")), true, StatusError
		}
	}()
	if h.Memo != nil {
		prev, ok, err := h.Memo.Get(ctx, key)
		switch {
		case err != nil:
			h.logger().Warn("voice memo get failed", "call_id", inv.callID, "tool", inv.tool.name, "err", err)
		case ok && json.Valid(prev):
			return prev, false, statusOf(prev)
		case ok:
			h.logger().Warn("voice memo held an unreadable answer", "call_id", inv.callID, "tool", inv.tool.name)
		}
	}
	a := inv.tool.run(h, ctx, inv)
	if ctx.Err() != nil && a.Status == StatusError {
		// The answer is late anyway; say why in the log, not twice.
		a = h.unavailable(inv.locale, "timeout")
	}
	return encodeAnswer(a), true, a.Status
}

// unavailable is the answer when shipflow cannot answer properly: an
// apology and an offer of a call back, never silence.
func (h *Handler) unavailable(locale, code string) *Answer {
	return &Answer{Status: StatusError, Data: map[string]string{"code": code}, AIInstructions: say(locale).unavailable(h.followUp())}
}

// unauthorized is a platform signature's refusal as a 401, or nil.
func unauthorized(err error) *apierr.Error {
	if err == nil {
		return nil
	}
	return &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.Unauthorized, Message: err.Error()}
}

func (h *Handler) badRequest(w http.ResponseWriter, platform string, e *apierr.Error) {
	h.logger().Info("voice request refused", "platform", platform, "code", e.Code, "message", e.Message)
	writeJSON(w, e.Status, struct {
		Error *apierr.Error `json:"error"`
	}{e})
}

// recoverRequest turns a panic while reading a request into a 400 rather
// than a 500: the decoders are fuzzed, so this is the last line.
func (h *Handler) recoverRequest(w http.ResponseWriter) {
	if r := recover(); r != nil {
		if r == http.ErrAbortHandler {
			panic(r)
		}
		h.logger().Error("voice request panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		writeJSON(w, http.StatusBadRequest, struct {
			Error *apierr.Error `json:"error"`
		}{&apierr.Error{Code: apierr.InvalidJSON, Message: "request could not be read"}})
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) followUp() time.Duration {
	if h.FollowUp > 0 {
		return h.FollowUp
	}
	return DefaultFollowUp
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// encodeAnswer is the answer's JSON, with no trailing newline and no HTML
// escaping, so it also serves as Vapi's one-line result string.
func encodeAnswer(a *Answer) []byte {
	if a.Data == nil {
		a.Data = struct{}{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil { // cannot happen for the types used
		return []byte(`{"status":"error","data":{},"ai_instructions":""}`)
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func statusOf(body []byte) string {
	var a struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(body, &a)
	return a.Status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":{"code":"internal","message":"could not encode the answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

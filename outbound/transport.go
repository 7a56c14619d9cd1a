package outbound

import (
	"context"
	"encoding/json"
	"time"

	"github.com/shipflow/shipflow/egress"
)

// Transport carries one attempt to a destination of its kind and says how it went. Everything
// around the attempt (the outbox, the first attempt, the retry schedule, the attempt log, the
// disable rule, manual retry and recover) is the same for every kind; a transport only sends.
// Like Attempt it never returns an error: every failure is a Result, recorded with the
// delivery. It returns the time the attempt counts as made.
type Transport interface {
	Send(ctx context.Context, o Outgoing, attempt int) (Result, time.Time)
}

// transport is the Transport of kind k, or nil for a kind this build cannot send.
func (s *Sender) transport(k Kind) Transport {
	switch k {
	case KindWebhook:
		return webhook{s}
	case KindSlack, KindTeams, KindGoogleChat:
		return feed{s}
	}
	if c, ok := connectors[k]; ok {
		return c.Transport(s)
	}
	return nil
}

// webhook is KindWebhook's transport: docs/reference/outbound-webhooks.md's signed Standard Webhooks POST.
type webhook struct{ s *Sender }

// Send posts the body for this attempt number, with the endpoint's headers, signed with every
// secret the endpoint has at this moment, to a URL the egress policy still allows.
func (w webhook) Send(ctx context.Context, o Outgoing, attempt int) (Result, time.Time) {
	body, err := json.Marshal(NewBody(o.Event, attempt))
	now := time.Now()
	if err != nil {
		return Result{Outcome: Failed, Err: "encoding body: " + err.Error()}, now
	}
	if err := egress.CheckURL(o.Endpoint.URL, w.s.Policy); err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	return Attempt(ctx, w.s.httpClient(), o.Endpoint.URL, o.Endpoint.Headers, o.Endpoint.Secrets(now), o.Event.ID, body, now), now
}

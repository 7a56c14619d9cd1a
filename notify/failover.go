package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Provider is one of a channel's providers, by the name the notification log records for it
// ("sendgrid", "mailgun", "twilio", "sns").
type Provider struct {
	Name   string
	Sender Sender
}

// Failover sends a channel's message through the first of its providers that takes it: a
// merchant with SendGrid and Mailgun keeps emailing while SendGrid is down. It is itself the
// channel's Sender, so the Service's exactly-once bookkeeping (the log row written and claimed
// before the first provider is called) covers every provider tried: within one attempt the
// message goes to the next provider only after the one before answered that it did not take
// it, and a later attempt begins again at the first.
//
// Every refusal but an opt-out moves on to the next provider. A provider that is down (5xx,
// 429, a timeout, no connection) is the failover the merchant configured several for; one that
// refuses for good may refuse for a reason of its own (its credentials, its sender, its own
// suppression list) that the next does not share. An opt-out is the customer's word, which no
// other provider may override.
type Failover []Provider

// Send tries each provider in turn. It returns the first acceptance, with the providers that
// failed before it in Sent.Failover; when every provider failed, an error naming each, which is
// a *PermanentError only when every provider refused for good (so the caller's retries, or its
// channel fallback, decide what comes next).
func (f Failover) Send(ctx context.Context, m Message) (Sent, error) {
	var (
		failed    []string
		permanent = true
		errs      []error
	)
	for _, p := range f {
		sent, err := p.Sender.Send(ctx, m)
		if err == nil {
			if sent.Provider == "" {
				sent.Provider = p.Name
			}
			sent.Failover = strings.Join(failed, "; ")
			return sent, nil
		}
		if errors.Is(err, ErrOptedOut) {
			return Sent{}, err
		}
		if ctx.Err() != nil {
			// The attempt itself is over (its deadline, the worker stopping): whether the
			// provider took the message is unknown, and the next would be a second one.
			return Sent{}, err
		}
		failed = append(failed, fmt.Sprintf("%s: %v", p.Name, err))
		permanent = permanent && IsPermanent(err)
		errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
	}
	if len(errs) == 0 {
		return Sent{}, &PermanentError{Err: errors.New("the channel has no provider")}
	}
	if len(errs) == 1 {
		return Sent{}, errs[0]
	}
	err := fmt.Errorf("every provider failed: %w", errors.Join(errs...))
	if permanent {
		return Sent{}, &PermanentError{Err: err}
	}
	return Sent{}, failover{err}
}

// failover is the error of a channel whose providers all failed, at least one of them for now.
// It hides the permanent refusals among them from IsPermanent, so the message is retried.
type failover struct{ err error }

func (e failover) Error() string { return e.err.Error() }

// Names lists the providers in the order they are tried, for logs and start-up messages.
func (f Failover) Names() []string {
	names := make([]string, len(f))
	for i, p := range f {
		names[i] = p.Name
	}
	return names
}

// Package freshdesk keeps one Freshdesk ticket per order exception through the v2 API, as an
// alternative to Zendesk: it opens the ticket, finding the one an earlier attempt already
// opened instead of opening a second; adds private notes, raises its priority and resolves it;
// and tells refusals that retrying cannot fix (a rejected API key, a deleted ticket, invalid
// fields) from the ones it can (429, 5xx, network failures).
//
// Freshdesk tickets have no external id, and its search API lags behind writes by minutes, so
// the ticket is found again by its subject (which begins with the order id) among the newest tickets of
// the requester shipflow opens them for: the list endpoint reads what was just written.
package freshdesk

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// defaultTimeout bounds a request when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// lookBack is how many of the requester's newest tickets Open searches: the retry that must
// find a ticket comes minutes after its creation.
const lookBack = 100

// Config holds the FRESHDESK_* settings.
type Config struct {
	Domain    string // FRESHDESK_DOMAIN: the account, <domain>.freshdesk.com
	URL       string // FRESHDESK_URL: a base URL instead of the domain's, for stand-ins
	APIKey    string // FRESHDESK_API_KEY: a secret, sent only in the Authorization header
	Requester string // FRESHDESK_REQUESTER_EMAIL: the contact tickets are opened for
}

// BaseURL is the API's base URL: URL when set, else https://<Domain>.freshdesk.com.
func (c Config) BaseURL() string {
	if c.URL != "" {
		return strings.TrimRight(c.URL, "/")
	}
	if c.Domain == "" {
		return ""
	}
	return "https://" + c.Domain + ".freshdesk.com"
}

// Complete reports whether c has everything a ticket needs.
func (c Config) Complete() bool {
	return c.BaseURL() != "" && c.APIKey != "" && c.Requester != ""
}

// Tickets opens and updates tickets in one Freshdesk account. It implements escalate.Tickets
// and is safe for concurrent use.
type Tickets struct {
	base      string
	auth      string // Basic base64(api_key:X), as Freshdesk takes an API key
	requester string
	cfgErr    error // why the configuration is unusable; every call fails permanently with it
	hc        *http.Client
}

var _ escalate.Tickets = (*Tickets)(nil)

// New returns Tickets for the account cfg names, sending with hc, or with a client with a
// 30-second timeout when hc is nil. An incomplete cfg makes every call fail permanently,
// naming what is missing (never the key).
func New(cfg Config, hc *http.Client) *Tickets {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	t := &Tickets{
		base:      cfg.BaseURL(),
		auth:      "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.APIKey+":X")),
		requester: cfg.Requester,
		hc:        hc,
	}
	switch u, err := url.Parse(t.base); {
	case t.base == "":
		t.cfgErr = errors.New("neither FRESHDESK_DOMAIN nor FRESHDESK_URL is set")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "":
		t.cfgErr = errors.New("the Freshdesk URL is not a base URL such as https://example.freshdesk.com")
	case cfg.APIKey == "":
		t.cfgErr = errors.New("FRESHDESK_API_KEY is not set")
	case cfg.Requester == "":
		t.cfgErr = errors.New("FRESHDESK_REQUESTER_EMAIL is not set")
	}
	return t
}

// Open returns the id of the order's ticket, opening it only when there is none still usable.
// It first lists the requester's newest tickets and takes the newest open one whose subject
// begins "Order <id>: " (Open makes every subject begin so), so an activity retried after its first attempt opened the
// ticket (even when that answer was lost) finds it rather than opening a second. A resolved
// ticket is reopened with a private note: the order has a new exception and the ticket must
// show up again in the agents' views. A closed ticket is left alone and a new one opened.
// tk.Requester and tk.Public are ignored: Freshdesk tickets are opened for the configured
// requester (a staff mailbox), and nothing on them is meant for the customer.
func (t *Tickets) Open(ctx context.Context, tk escalate.Ticket) (string, error) {
	what := fmt.Sprintf("freshdesk: open ticket for order %s", tk.OrderID)
	if t.cfgErr != nil {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, t.cfgErr)}
	}
	if tk.OrderID == "" {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: no order id, so a retry could not find the ticket again", what)}
	}
	prio, err := priority(tk.Priority)
	if err != nil {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	if prio == 0 {
		prio = priorityMedium
	}
	key := subjectKey(tk.OrderID)
	subject := tk.Subject
	if !strings.HasPrefix(subject, key) {
		subject = key + cmp.Or(subject, "exception")
	}
	body := tk.Body
	if body == "" {
		body = subject // Freshdesk refuses a ticket without a description
	}

	found, err := t.find(ctx, what, key)
	if err != nil {
		return "", err
	}
	if found != nil {
		id := strconv.FormatInt(found.ID, 10)
		if found.Status == statusResolved {
			reopen := escalate.Update{Comment: "The order has a new exception.\n\n" + body, Priority: tk.Priority, Status: "open"}
			if err := t.update(ctx, what+": reopen resolved ticket "+id, id, reopen); err != nil {
				return "", err
			}
		}
		return id, nil
	}

	var created ticket
	create := newTicket{
		Email: t.requester, Subject: subject, Description: toHTML(body),
		Status: statusOpen, Priority: prio, Tags: tk.Tags,
	}
	if err := t.do(ctx, what+": create", http.MethodPost, "/api/v2/tickets", nil, create, &created); err != nil {
		return "", err
	}
	if created.ID == 0 {
		// Retrying is safe: the next attempt finds the ticket by its subject.
		return "", fmt.Errorf("%s: create: answer has no ticket id", what)
	}
	return strconv.FormatInt(created.ID, 10), nil
}

// subjectKey begins the subject of every ticket of the order: it is how Open finds the
// order's ticket again, whatever the reason in the rest of the subject.
func subjectKey(orderID string) string { return "Order " + orderID + ": " }

// find returns the newest of the requester's recent tickets whose subject begins with key and
// that is not closed, or nil.
func (t *Tickets) find(ctx context.Context, what, key string) (*ticket, error) {
	var list []ticket
	q := url.Values{"email": {t.requester}, "order_by": {"created_at"}, "order_type": {"desc"}, "per_page": {strconv.Itoa(lookBack)}}
	if err := t.do(ctx, what+": look up the requester's tickets", http.MethodGet, "/api/v2/tickets", q, nil, &list); err != nil {
		return nil, err
	}
	var best *ticket
	for i := range list {
		c := &list[i]
		if !strings.HasPrefix(c.Subject, key) || c.Status == statusClosed {
			continue
		}
		if best == nil || c.ID > best.ID { // ids grow with creation
			best = c
		}
	}
	return best, nil
}

// Update adds u.Comment to the ticket as a private note (agents see it, the requester is never
// mailed), then sets u.Priority and u.Status when given. An empty Update sends nothing. A retry
// after a lost answer adds the note twice; the priority and status are the same either way.
func (t *Tickets) Update(ctx context.Context, id string, u escalate.Update) error {
	what := fmt.Sprintf("freshdesk: update ticket %s", id)
	if t.cfgErr != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, t.cfgErr)}
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: not a Freshdesk ticket id", what)}
	}
	return t.update(ctx, what, id, u)
}

func (t *Tickets) update(ctx context.Context, what, id string, u escalate.Update) error {
	prio, err := priority(u.Priority)
	if err != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	st, err := status(u.Status)
	if err != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, err)}
	}
	if u.Comment != "" {
		n := note{Body: toHTML(u.Comment), Private: true}
		if err := t.do(ctx, what+": add note", http.MethodPost, "/api/v2/tickets/"+id+"/notes", nil, n, nil); err != nil {
			return err
		}
	}
	if prio == 0 && st == 0 {
		return nil
	}
	return t.do(ctx, what, http.MethodPut, "/api/v2/tickets/"+id, nil, ticketChange{Status: st, Priority: prio}, nil)
}

// priority maps escalate's priority names onto Freshdesk's numbers; "" is 0, unchanged.
func priority(p string) (int, error) {
	switch p {
	case "":
		return 0, nil
	case "low":
		return priorityLow, nil
	case "normal":
		return priorityMedium, nil
	case "high":
		return priorityHigh, nil
	case "urgent":
		return priorityUrgent, nil
	}
	return 0, fmt.Errorf("priority %q is none of low, normal, high, urgent", p)
}

// status maps escalate's status names (Zendesk's) onto Freshdesk's numbers; "" is 0, unchanged.
func status(s string) (int, error) {
	switch s {
	case "":
		return 0, nil
	case "new", "open":
		return statusOpen, nil
	case "pending", "hold":
		return statusPending, nil
	case "solved":
		return statusResolved, nil
	case "closed":
		return statusClosed, nil
	}
	return 0, fmt.Errorf("status %q is none of open, pending, solved, closed", s)
}

// toHTML makes plain text a Freshdesk HTML body: escaped, with its line breaks kept.
func toHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

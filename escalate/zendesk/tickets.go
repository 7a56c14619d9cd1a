// Package zendesk keeps one Zendesk Support ticket per order through the Tickets API: it opens
// the ticket, finding the one an earlier attempt already opened by its external id (the order
// id) instead of opening a second; comments on it, raises its priority and solves it; and tells
// refusals that retrying cannot fix (rejected credentials, a deleted ticket, invalid fields)
// from the ones it can (429, 409, 5xx, network failures). When a ticket names its customer
// (escalate.Ticket.Requester and Public), the customer is the ticket's requester, staff's text
// stays a private note and the customer is told, once, in a public comment.
package zendesk

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// defaultTimeout bounds a request when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// Config holds the ZENDESK_* settings.
type Config struct {
	URL      string // ZENDESK_URL: https://<subdomain>.zendesk.com, or a stand-in server's URL
	Email    string // ZENDESK_EMAIL: the agent the API token acts as
	APIToken string // ZENDESK_API_TOKEN: a secret, sent only in the Authorization header
}

// Tickets opens and updates tickets in one Zendesk account. It implements escalate.Tickets and
// is safe for concurrent use.
type Tickets struct {
	base   string // Config.URL without a trailing slash
	auth   string // the Authorization header: Basic base64(email/token:api_token)
	cfgErr error  // why the configuration is unusable; every call fails permanently with it
	hc     *http.Client
}

var _ escalate.Tickets = (*Tickets)(nil)

// New returns Tickets for the account at cfg.URL that authenticate with cfg.Email's API token
// and send with hc, or with a client with a 30-second timeout when hc is nil. An incomplete
// cfg makes every call fail permanently, naming what is missing (never the token).
func New(cfg Config, hc *http.Client) *Tickets {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	t := &Tickets{
		base: strings.TrimRight(cfg.URL, "/"),
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+"/token:"+cfg.APIToken)),
		hc:   hc,
	}
	switch u, err := url.Parse(t.base); {
	case cfg.URL == "":
		t.cfgErr = errors.New("ZENDESK_URL is not set")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		t.cfgErr = errors.New("ZENDESK_URL is not an http(s) URL such as https://example.zendesk.com")
	case cfg.Email == "":
		t.cfgErr = errors.New("ZENDESK_EMAIL is not set")
	case cfg.APIToken == "":
		t.cfgErr = errors.New("ZENDESK_API_TOKEN is not set")
	}
	return t
}

// Open returns the id of the order's ticket, opening it only when the order has none that is
// still usable. It first lists the tickets whose external id is tk.OrderID and takes the
// newest one that is not closed, so an activity retried after its first attempt opened the
// ticket (even when that answer was lost) finds it rather than opening a second. A solved
// ticket is reopened with tk.Body as a private comment: the order has a new exception and
// its ticket must show up again in the agents' views. A closed ticket cannot change, so an
// order whose tickets are all closed gets a new one.
//
// A ticket for its customer (see customer) is opened with them as its requester, tk.Body as a
// private first comment and then tk.Public as a public one, which Zendesk mails to them; a
// retry adds it again only if it is not on the ticket yet (see tell). When Zendesk refuses the
// public comment for good, Open returns the ticket's id with an error wrapping
// escalate.ErrPublicRefused.
func (t *Tickets) Open(ctx context.Context, tk escalate.Ticket) (string, error) {
	what := fmt.Sprintf("zendesk: open ticket for order %s", tk.OrderID)
	if t.cfgErr != nil {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, t.cfgErr)}
	}
	if tk.OrderID == "" {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: no order id, so a retry could not find the ticket again", what)}
	}
	body := tk.Body
	if body == "" {
		body = tk.Subject // Zendesk refuses a ticket without a first comment
	}
	if body == "" {
		return "", &escalate.PermanentError{Err: fmt.Errorf("%s: neither body nor subject", what)}
	}

	rq, forCustomer := customer(tk)
	tkt, err := t.find(ctx, what, tk.OrderID)
	if err != nil {
		return "", err
	}
	if tkt != nil && tkt.Status == "solved" {
		id := strconv.FormatInt(tkt.ID, 10)
		reopen := ticketChange{
			Comment:  &comment{Body: reopenLead + body, Public: new(false)},
			Priority: tk.Priority,
			Status:   "open",
		}
		if err := t.do(ctx, what+": reopen solved ticket "+id, http.MethodPut, ticketPath(id), nil, changeRequest{reopen}, nil); err != nil {
			return "", err
		}
	}
	if tkt == nil {
		create := createRequest{Ticket: newTicket{
			Subject:    tk.Subject,
			Comment:    comment{Body: body},
			Priority:   tk.Priority,
			Tags:       tk.Tags,
			ExternalID: tk.OrderID,
		}}
		if forCustomer {
			// The requester reads every public comment: staff's text must be a private note.
			create.Ticket.Requester = &rq
			create.Ticket.Comment.Public = new(false)
		}
		var created ticketAnswer
		if err := t.do(ctx, what+": create", http.MethodPost, "/api/v2/tickets.json", nil, create, &created); err != nil {
			return "", err
		}
		if created.Ticket.ID == 0 {
			// Retrying is safe: the next attempt finds the ticket by its external id.
			return "", fmt.Errorf("%s: create: answer has no ticket id", what)
		}
		tkt = &created.Ticket
	}
	id := strconv.FormatInt(tkt.ID, 10)
	if forCustomer {
		if err := t.tell(ctx, what, tkt, tk.Public, body); err != nil {
			if errors.Is(err, escalate.ErrPublicRefused) {
				return id, err
			}
			return "", err
		}
	}
	return id, nil
}

// find returns the newest ticket with externalID that is not closed, or nil. External ids are
// not unique in Zendesk, and its filter is compared again here so that only an exact match
// counts. An order has a handful of tickets at most, so the first page (100) holds them all.
func (t *Tickets) find(ctx context.Context, what, externalID string) (*ticket, error) {
	var list listAnswer
	q := url.Values{"external_id": {externalID}}
	if err := t.do(ctx, what+": look up by external id", http.MethodGet, "/api/v2/tickets.json", q, nil, &list); err != nil {
		return nil, err
	}
	var best *ticket
	for i := range list.Tickets {
		c := &list.Tickets[i]
		if c.ExternalID != externalID || c.Status == "closed" {
			continue
		}
		if best == nil || c.ID > best.ID { // ids grow with creation
			best = c
		}
	}
	return best, nil
}

// Update adds u.Comment to the ticket as a private note (agents see it, a requester is never
// mailed) and sets u.Priority and u.Status when given. An empty Update sends nothing. A retry
// after a lost answer adds the comment twice; the priority and status are the same either way.
func (t *Tickets) Update(ctx context.Context, id string, u escalate.Update) error {
	what := fmt.Sprintf("zendesk: update ticket %s", id)
	if t.cfgErr != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, t.cfgErr)}
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: not a Zendesk ticket id", what)}
	}
	if u == (escalate.Update{}) {
		return nil
	}
	change := ticketChange{Priority: u.Priority, Status: u.Status}
	if u.Comment != "" {
		change.Comment = &comment{Body: u.Comment, Public: new(false)}
	}
	return t.do(ctx, what, http.MethodPut, ticketPath(id), nil, changeRequest{change}, nil)
}

// ticketPath is the Tickets API path of one ticket; id is digits only.
func ticketPath(id string) string { return "/api/v2/tickets/" + id + ".json" }

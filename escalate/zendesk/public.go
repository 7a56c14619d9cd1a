package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shipflow/shipflow/escalate"
)

// maxName is the longest user name Zendesk accepts (a longer one fails the whole ticket with
// 422): a longer customer name is cut to it rather than cost staff their ticket.
const maxName = 255

// reopenLead begins the private comment that reopens a solved ticket for a new exception.
const reopenLead = "The order has a new exception.\n\n"

// customer returns the requester a ticket is opened for and true when tk is meant for its
// customer: public comments are on (tk.Public is set) and the order has an email Zendesk will
// take. Anything else opens the ticket for staff alone, as before public comments: a customer's
// odd address must not cost staff their ticket. The name loses control characters and runs of
// white space; a missing one is the email's local part (Zendesk needs one to create the user),
// a long one is cut to what Zendesk accepts.
func customer(tk escalate.Ticket) (requester, bool) {
	email := strings.TrimSpace(tk.Requester.Email)
	if tk.Public == "" || email == "" {
		return requester{}, false
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return requester{}, false
	}
	name := strings.Join(strings.Fields(strings.Map(printable, tk.Requester.Name)), " ")
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(name) > maxName {
		name = strings.TrimSpace(string([]rune(name)[:maxName]))
	}
	return requester{Name: name, Email: email}, true
}

// printable drops control characters (a name comes from a shop platform), keeping white
// space for strings.Fields to fold into single spaces.
func printable(r rune) rune {
	if unicode.IsControl(r) && !unicode.IsSpace(r) {
		return -1
	}
	return r
}

// tell adds the customer-facing comment public to ticket id, exactly once for this exception
// whatever retries happen: it first reads the ticket's newest comments and adds nothing when
// public was already said since staffBody (this exception's private note: the ticket's
// description, or the comment that reopened it). A public comment is mailed to the requester
// by the account's triggers, so a ticket whose requester is its submitter (one opened for
// staff before public comments were on) is left alone: the customer would not read it. A
// permanent refusal is wrapped in escalate.ErrPublicRefused: the ticket itself is fine.
func (t *Tickets) tell(ctx context.Context, what string, tk *ticket, public, staffBody string) error {
	if tk.RequesterID == 0 || tk.RequesterID == tk.SubmitterID {
		return nil
	}
	id := fmt.Sprint(tk.ID)
	var page commentsAnswer
	q := url.Values{"sort_order": {"desc"}, "per_page": {"100"}}
	if err := t.do(ctx, what+": list comments", http.MethodGet, "/api/v2/tickets/"+id+"/comments.json", q, nil, &page); err != nil {
		return refused(err)
	}
	if said(page.Comments, public, staffBody) {
		return nil
	}
	change := ticketChange{Comment: &comment{Body: public, Public: new(true)}}
	return refused(t.do(ctx, what+": public comment", http.MethodPut, ticketPath(id), nil, changeRequest{change}, nil))
}

// refused marks a permanent refusal as the customer's comment's alone.
func refused(err error) error {
	if escalate.IsPermanent(err) {
		return fmt.Errorf("%w: %w", escalate.ErrPublicRefused, err)
	}
	return err
}

// said reports whether newestFirst holds public as a public comment made since this
// exception's private note staffBody (or anywhere on the page, when the note is not on it).
// Bodies are compared as Zendesk keeps them: white space around them trimmed, line ends
// unified.
func said(newestFirst []listedComment, public, staffBody string) bool {
	public, staffBody = norm(public), norm(staffBody)
	for _, c := range newestFirst {
		b := norm(c.Body)
		switch {
		case c.Public && b == public:
			return true
		case !c.Public && (b == staffBody || b == norm(reopenLead+staffBody)):
			return false // this exception's note: anything older was said about another
		}
	}
	return false
}

// norm is a comment body as Zendesk stores it, for comparing.
func norm(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

package zendesk

// The Tickets API's request and answer bodies, as far as shipflow uses them.

// ticket is a ticket in an answer.
type ticket struct {
	ID          int64  `json:"id"`
	ExternalID  string `json:"external_id"` // null decodes as ""
	Status      string `json:"status"`      // new, open, pending, hold, solved or closed
	RequesterID int64  `json:"requester_id"`
	SubmitterID int64  `json:"submitter_id"`
}

// ticketAnswer answers a create or an update.
type ticketAnswer struct {
	Ticket ticket `json:"ticket"`
}

// listAnswer answers GET /api/v2/tickets.json.
type listAnswer struct {
	Tickets []ticket `json:"tickets"`
}

// createRequest is POST /api/v2/tickets.json.
type createRequest struct {
	Ticket newTicket `json:"ticket"`
}

type newTicket struct {
	Requester  *requester `json:"requester,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	Comment    comment    `json:"comment"`
	Priority   string     `json:"priority,omitempty"`
	Tags       []string   `json:"tags,omitempty"`
	ExternalID string     `json:"external_id"`
}

// requester names a ticket's requester by identity: Zendesk finds the user with the email or
// creates an end user with the name (an existing user keeps theirs).
type requester struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// commentsAnswer answers GET /api/v2/tickets/{id}/comments.json.
type commentsAnswer struct {
	Comments []listedComment `json:"comments"`
}

// listedComment is a comment in an answer.
type listedComment struct {
	ID       int64  `json:"id"`
	AuthorID int64  `json:"author_id"`
	Body     string `json:"body"`
	Public   bool   `json:"public"`
}

// comment is a ticket comment; Public nil leaves Zendesk's default: public on a ticket's first
// comment, and after that whatever the first comment was.
type comment struct {
	Body   string `json:"body"`
	Public *bool  `json:"public,omitempty"`
}

// changeRequest is PUT /api/v2/tickets/{id}.json.
type changeRequest struct {
	Ticket ticketChange `json:"ticket"`
}

// ticketChange holds what an update changes; empty fields stay as they are.
type ticketChange struct {
	Comment  *comment `json:"comment,omitempty"`
	Priority string   `json:"priority,omitempty"`
	Status   string   `json:"status,omitempty"`
}

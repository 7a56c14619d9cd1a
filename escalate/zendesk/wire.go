package zendesk

// The Tickets API's request and answer bodies, as far as shipflow uses them.

// ticket is a ticket in an answer.
type ticket struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"` // null decodes as ""
	Status     string `json:"status"`      // new, open, pending, hold, solved or closed
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
	Subject    string   `json:"subject,omitempty"`
	Comment    comment  `json:"comment"`
	Priority   string   `json:"priority,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	ExternalID string   `json:"external_id"`
}

// comment is a ticket comment; Public nil leaves Zendesk's default (public).
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

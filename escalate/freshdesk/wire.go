package freshdesk

// The Tickets API's request and answer bodies, as far as shipflow uses them.

// Freshdesk's ticket statuses and priorities are numbers.
const (
	statusOpen     = 2
	statusPending  = 3
	statusResolved = 4
	statusClosed   = 5

	priorityLow    = 1
	priorityMedium = 2
	priorityHigh   = 3
	priorityUrgent = 4
)

// ticket is a ticket in an answer.
type ticket struct {
	ID      int64  `json:"id"`
	Subject string `json:"subject"`
	Status  int    `json:"status"`
}

// newTicket is POST /api/v2/tickets. Freshdesk needs a requester (a contact, created from the
// email when it does not exist), a subject, an HTML description, a status and a priority.
type newTicket struct {
	Email       string   `json:"email"`
	Subject     string   `json:"subject"`
	Description string   `json:"description"`
	Status      int      `json:"status"`
	Priority    int      `json:"priority"`
	Tags        []string `json:"tags,omitempty"`
}

// ticketChange is PUT /api/v2/tickets/{id}; zero fields stay as they are.
type ticketChange struct {
	Status   int `json:"status,omitempty"`
	Priority int `json:"priority,omitempty"`
}

// note is POST /api/v2/tickets/{id}/notes: a private note is for agents only and mails nobody
// outside the team.
type note struct {
	Body    string `json:"body"`
	Private bool   `json:"private"`
}

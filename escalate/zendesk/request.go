package zendesk

import (
	"context"
	"net/url"

	"github.com/shipflow/shipflow/escalate"
)

// maxAnswer bounds a successful answer: a page of 100 tickets with their descriptions.
const maxAnswer = 16 << 20

// do sends one API request (escalate.TicketAPI.Call): errors never carry the credentials,
// which travel only in the Authorization header.
func (t *Tickets) do(ctx context.Context, what, method, path string, query url.Values, in, out any) error {
	api := escalate.TicketAPI{Base: t.base, Auth: t.auth, HC: t.hc, MaxAnswer: maxAnswer, Classify: classify}
	return api.Call(ctx, what, method, path, query, in, out)
}

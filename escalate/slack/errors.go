package slack

import (
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// describe reads Slack's refusal. Slack answers a webhook's refusal with a status and its
// plain-text error code as the whole body: 400 invalid_payload or invalid_blocks, 403
// invalid_token or action_prohibited, 404 no_service or channel_not_found, 410
// channel_is_archived. A body that is not one (a proxy's page) is only quoted.
func describe(b []byte) (code, detail string) {
	s := escalate.Shorten(string(b))
	if s == "" || strings.ContainsAny(s, " <") {
		return "", s
	}
	return s, s
}

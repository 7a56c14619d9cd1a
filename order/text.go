package order

import "strings"

// The text of a timeline entry is read by staff in the console and the API, and a part left
// empty reads as a defect ("shipped via : sms"). Every text made of parts is built here, and
// leaves a part out rather than print it empty.

// notificationFailedText says which message failed, on which channel and why: "shipped via
// sms: invalid number". An empty channel (the workflow's report that every channel failed,
// each named in reason) and an empty reason are left out.
func notificationFailedText(m Milestone, ch Channel, reason string) string {
	what := string(m)
	if what == "" {
		what = "message"
	}
	if ch != "" {
		what += " via " + string(ch)
	}
	if reason = strings.TrimSpace(reason); reason != "" {
		what += ": " + reason
	}
	return what
}

package zendesk

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shipflow/shipflow/escalate"
)

// FuzzCustomer feeds customer names and addresses, well-formed or hostile, to customer, which
// decides whether a ticket is opened for its customer and with what identity: it must never
// panic, and whatever it lets through must be what Zendesk takes (an address alone, a name of
// 1 to 255 characters without control characters), since a refusal would cost staff the
// whole ticket.
func FuzzCustomer(f *testing.F) {
	f.Add("Grace Hopper", "grace@example.com")
	f.Add("", "ona@example.lt")
	f.Add("Ona\x00 \t Žemaitė\n", "ona@example.lt")
	f.Add(strings.Repeat("Ž", 300), "a@b.co")
	f.Add(strings.Repeat("a", 254)+" b", "a@b.co")
	f.Add("Grace", "Grace <grace@example.com>")
	f.Add("Grace", "grace@")
	f.Add("Grace", " grace@example.com ")
	f.Add("\xff\xfe", "\"quoted\"@example.com")
	f.Fuzz(func(t *testing.T, name, email string) {
		rq, ok := customer(escalate.Ticket{Requester: escalate.Requester{Name: name, Email: email}, Public: "told"})
		if !ok {
			return
		}
		if a, err := mail.ParseAddress(rq.Email); err != nil || a.Address != rq.Email || a.Name != "" {
			t.Fatalf("email %q let through from %q", rq.Email, email)
		}
		n := utf8.RuneCountInString(rq.Name)
		if n < 1 || n > maxName || strings.TrimSpace(rq.Name) != rq.Name {
			t.Fatalf("name %q (%d characters) from %q", rq.Name, n, name)
		}
		if strings.IndexFunc(rq.Name, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
			t.Fatalf("name %q keeps a control character", rq.Name)
		}
	})
}

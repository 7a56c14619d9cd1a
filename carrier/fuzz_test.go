package carrier

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParse holds the carriers file parser to its promise: whatever a merchant's file holds,
// Parse returns an error or rows a table accepts, whose links are https URLs on the template's
// host with nothing of the tracking number outside its one value.
func FuzzParse(f *testing.F) {
	f.Add([]byte(builtinJSON), "05809023456789")
	f.Add([]byte(`[{"code":"acme","name":"Acme","tracking_url":"https://acme.example/t/{tracking_number}?x=1"}]`), "1Z&x=2#y")
	f.Add([]byte(`[{"code":"a","name":"A","aliases":["b","c"]},{"code":"a","name":"B"}]`), "")
	f.Fuzz(func(t *testing.T, b []byte, number string) {
		cs, err := Parse(b)
		if err != nil {
			return
		}
		tbl, err := New(cs)
		if err != nil {
			t.Fatalf("Parse accepted rows New refuses: %v", err)
		}
		for _, c := range tbl.All() {
			link := c.Link(number)
			if link == "" {
				continue
			}
			u, err := url.Parse(link)
			if err != nil || u.Scheme != "https" {
				t.Fatalf("%s: Link(%q) = %q (%v)", c.Code, number, link, err)
			}
			tmpl, _ := url.Parse(strings.ReplaceAll(c.TrackingURL, Placeholder, "0"))
			if u.Host != tmpl.Host {
				t.Fatalf("%s: Link(%q) = %q left the template's host %q", c.Code, number, link, tmpl.Host)
			}
		}
	})
}

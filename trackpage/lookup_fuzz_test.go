package trackpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
)

// FuzzLookupForm posts any body to the /track lookup form, as any content type and from any
// site: it never panics, answers only with the form's statuses, sends to a tracking page only
// an order number and contact that match, and never draws back a character no page may show.
func FuzzLookupForm(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	f.Add("order=1042&contact=ona.petraite%40example.lt", form, "same-origin")
	f.Add("order=%231042&contact=lt+01103", form, "none")
	f.Add("order=1043&contact=01103", form, "")
	f.Add("order=1042%00&contact=Ona%E2%80%AE%40example.lt", form, "same-origin")
	f.Add("order=%ff%fe&contact=%zz", form, "same-origin")
	f.Add("order="+strings.Repeat("9", 5000)+"&contact=x", form, "same-origin")
	f.Add("order=1042&order=1043&contact=jonas%40example.lt", form, "same-site")
	f.Add("order=1042&contact=ona.petraite%40example.lt", form, "cross-site")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"order\"\r\n\r\n1042\r\n--b--\r\n", "multipart/form-data; boundary=b", "same-origin")
	f.Fuzz(func(t *testing.T, body, contentType, fetchSite string) {
		fm, _ := newForm()
		req := httptest.NewRequest(http.MethodPost, FormRoute, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", fetchSite)
		rec := httptest.NewRecorder()
		fm.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		case http.StatusSeeOther:
			number := strings.TrimPrefix(strings.TrimSpace(req.PostForm.Get(fieldOrder)), "#")
			c, ok := fm.Orders.(*fakeContacts).m[number]
			if !ok || !matches(c, strings.TrimSpace(req.PostForm.Get(fieldContact))) || rec.Header().Get("Location") != FormRoute+"/"+c.Token {
				t.Fatalf("sent %q to %s", body, rec.Header().Get("Location"))
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		page := rec.Body.String()
		if !utf8.ValidString(page) {
			t.Fatalf("the page is not UTF-8 for %q", body)
		}
		for i, r := range page {
			if order.UnsafeRune(r) && r != '\n' && r != '\t' && r != '\r' {
				t.Fatalf("the page holds U+%04X at byte %d for %q", r, i, body)
			}
		}
	})
}

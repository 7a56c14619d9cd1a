package trackpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
)

// shop is the brand the tests dress pages in.
var shop = brand.Brand{
	Name: "Ona's Shoes", LogoURL: "https://cdn.shop.example/img/logo.png", Primary: "#0f766e", Accent: "#fde047",
	SupportEmail: "help@shop.example", SupportPhone: "+370 600 12345",
}

func brandedPage() *Page {
	p := newPage(newOrders(token, inTransit()), newUpdates())
	p.Brand = shop
	return p
}

func TestPageWearsTheBrand(t *testing.T) {
	res, body := get(t, brandedPage(), "/track/"+token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	wantIn(t, body,
		`<img class="logo" src="https://cdn.shop.example/img/logo.png" alt="Ona's Shoes"`,
		"<title>On its way · Order 1042 · Ona's Shoes</title>",
		"--primary: #0f766e; --on-primary: #ffffff; --accent: #fde047; --on-accent: #111827;",
		"Questions about your order?",
		`<a href="mailto:help@shop.example">help@shop.example</a>`,
		`<a href="tel:+37060012345">+370 600 12345</a>`,
	)
	// The logo's origin, exactly, and nothing else from elsewhere.
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src data: https://cdn.shop.example;") {
		t.Errorf("CSP does not allow the logo's origin: %s", csp)
	}
	if strings.Contains(csp, "https://cdn.shop.example/") || strings.Contains(csp, "*") {
		t.Errorf("CSP allows more than the logo's origin: %s", csp)
	}
}

func TestPageWithoutBrand(t *testing.T) {
	res, body := get(t, newPage(newOrders(token, inTransit()), newUpdates()), "/track/"+token)
	wantIn(t, body, `<p class="brand">Order tracking</p>`, "--primary: "+brand.DefaultPrimary)
	wantNotIn(t, body, "<img", "Questions about your order?")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src data:;") {
		t.Errorf("CSP without a logo: %s", csp)
	}
}

func TestPageBrandInLithuanian(t *testing.T) {
	v := inTransit()
	v.Customer.Locale = "lt-LT"
	p := brandedPage()
	p.Orders = newOrders(token, v)
	_, body := get(t, p, "/track/"+token)
	wantIn(t, body, "Turite klausimų apie užsakymą?", "Rašykite", "Skambinkite", "Sekti siuntą DPD svetainėje")
}

func TestPageCarrierLink(t *testing.T) {
	body := pageOf(t, split())
	wantIn(t, body,
		`<dd class="carrier">DPD</dd>`,
		`<a class="button" href="https://tracking.dpd.de/status/en_US/parcel/05809023456789" rel="noopener noreferrer">Track with DPD</a>`,
		`<a class="button" href="https://www.omniva.lt/verslo/siuntos_sekimas?barcode=CC123456789EE" rel="noopener noreferrer">Track with Omniva</a>`,
	)

	// A carrier the table does not know: its name as the shop gave it, no link.
	v := inTransit()
	v.Shipments[0].Carrier = "Kurjeris Jonas"
	body = pageOf(t, v)
	wantIn(t, body, `<dd class="carrier">Kurjeris Jonas</dd>`)
	wantNotIn(t, body, "Track with", `class="carrier-link"`)

	// A code is shown by its display name.
	v.Shipments[0].Carrier = "dhl_express"
	wantIn(t, pageOf(t, v), `<dd class="carrier">DHL Express</dd>`, "Track with DHL Express")
}

func TestPageMerchantCarriers(t *testing.T) {
	cs, err := carrier.Builtin().With([]carrier.Carrier{{Code: "jonas", Name: "Jonas Courier", TrackingURL: "https://jonas.example/t/{tracking_number}", Aliases: []string{"Kurjeris Jonas"}}})
	if err != nil {
		t.Fatal(err)
	}
	v := inTransit()
	v.Shipments[0].Carrier = "Kurjeris Jonas"
	p := newPage(newOrders(token, v), nil)
	p.Carriers = cs
	_, body := get(t, p, "/track/"+token)
	wantIn(t, body, `<dd class="carrier">Jonas Courier</dd>`, `href="https://jonas.example/t/05809023456789"`, "Track with Jonas Courier")
}

func TestProblemPagesWearTheBrand(t *testing.T) {
	_, body := get(t, brandedPage(), "/track/"+otherToken)
	wantIn(t, body, "We can't find this tracking page", `alt="Ona's Shoes"`, "help@shop.example")

	rec := httptest.NewRecorder()
	if err := Busy(rec, shop, 7); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "7" {
		t.Errorf("Busy: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src data: https://cdn.shop.example;") {
		t.Errorf("Busy's CSP does not allow the logo: %s", csp)
	}

	rec = httptest.NewRecorder()
	if err := Notice(rec, shop, http.StatusOK, "Unsubscribe", []string{"Stop?"}, "Unsubscribe"); err != nil {
		t.Fatal(err)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("Notice with a button: %s", csp)
	}
}

// A colour that did not pass config's check (a caller building Page by hand) never reaches
// the stylesheet.
func TestPageColourIsNeverInjected(t *testing.T) {
	p := brandedPage()
	p.Brand.Primary = "red;} body{display:none"
	_, body := get(t, p, "/track/"+token)
	wantNotIn(t, body, "display:none")
	wantIn(t, body, "--primary: "+brand.DefaultPrimary)
}

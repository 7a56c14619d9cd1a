package trackpage

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
)

// files are the page's templates, stylesheet and script. They are built
// in and inlined into every response, so the page needs no other request
// (but the brand's logo) and a strict Content-Security-Policy can allow
// exactly these.
//
//go:embed templates/*.tmpl templates/style.css templates/script.js
var files embed.FS

var (
	pageTemplate    = template.Must(template.ParseFS(files, "templates/page.html.tmpl", "templates/main.html.tmpl", "templates/dress.html.tmpl"))
	problemTemplate = template.Must(template.ParseFS(files, "templates/problem.html.tmpl", "templates/dress.html.tmpl"))
	formTemplate    = template.Must(template.ParseFS(files, "templates/form.html.tmpl", "templates/dress.html.tmpl"))
	style           = mustRead("templates/style.css")
	script          = template.JS(mustRead("templates/script.js"))
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// look is what every page wears: the merchant's brand as the templates draw it, and the
// stylesheet in its colours.
type look struct {
	Name         string // the store's name, or the page's own title without one
	LogoURL      string
	SupportEmail string
	SupportPhone string
	Tel          template.URL // tel: link of SupportPhone, digits only
	CSS          template.CSS
	L            footer
}

// footer is the footer's words.
type footer struct{ Questions, Email, Call string }

// dress makes b the look of a page in w's words. The colours were checked at start-up;
// one that somehow is not #rrggbb falls back to the default rather than reach the CSS.
func dress(b brand.Brand, w *words) look {
	colour := func(c, def string) string {
		if c == "" || brand.CheckColor(c) != nil {
			return def
		}
		return c
	}
	b.Primary, b.Accent = colour(b.Primary, brand.DefaultPrimary), colour(b.Accent, brand.DefaultAccent)
	vars := fmt.Sprintf(":root { --primary: %s; --on-primary: %s; --accent: %s; --on-accent: %s; }\n",
		b.PrimaryColor(), b.OnPrimary(), b.AccentColor(), b.OnAccent())
	l := look{
		Name: b.Name, SupportEmail: b.SupportEmail, SupportPhone: b.SupportPhone, Tel: template.URL(b.TelURL()),
		CSS: template.CSS(vars + style),
		L:   footer{Questions: w.questions, Email: w.emailUs, Call: w.callUs},
	}
	if brand.CheckLogoURL(b.LogoURL) == nil {
		l.LogoURL = b.LogoURL
	}
	if l.Name == "" {
		l.Name = w.brand
	}
	return l
}

// page is what page.html.tmpl draws.
type page struct {
	Lang   string
	Title  string
	Nonce  string
	Events string // URL of the events stream, relative to the page
	Look   look
	JS     template.JS
	Main   summary
}

// problem is what problem.html.tmpl draws.
type problem struct {
	Heading string
	Text    []string
	// Button, when set, is a form that posts to the page's own URL (the unsubscribe page's
	// confirmation), labelled Button.
	Button string
	Nonce  string
	Look   look
}

// renderPage draws the whole page of v for the customer holding token.
func renderPage(v order.View, token, nonce string, now time.Time, b brand.Brand, cs *carrier.Table) ([]byte, error) {
	s := present(v, now, cs)
	w := wordsFor(v.Customer.Locale)
	p := page{
		Lang:   w.lang,
		Title:  s.Status + " · " + s.Order,
		Nonce:  nonce,
		Events: token + "/events",
		Look:   dress(b, w),
		JS:     script,
		Main:   s,
	}
	if b.Name != "" {
		p.Title += " · " + b.Name
	}
	return execute(pageTemplate, "page.html.tmpl", p)
}

// renderMain draws only the main section, what the events stream sends.
func renderMain(v order.View, now time.Time, cs *carrier.Table) ([]byte, error) {
	return execute(pageTemplate, "main", present(v, now, cs))
}

// Problem pages. They are in English: without an order there is no
// customer locale to go by.
var (
	notFoundPage = problem{
		Heading: "We can't find this tracking page",
		Text: []string{
			"The link may be incomplete or may have expired.",
			"Please open the link from your latest shipping email or text message again, or contact the shop you ordered from.",
		},
	}
	unavailablePage = problem{
		Heading: "Tracking is unavailable right now",
		Text:    []string{"We couldn't load your order just now. Please try again in a few minutes."},
	}
	busyPage = problem{
		Heading: "Too many requests",
		Text:    []string{"This page was asked for too often from your network just now. Please wait a moment and reload it."},
	}
)

func renderProblem(p problem, nonce string, b brand.Brand) ([]byte, error) {
	p.Nonce, p.Look = nonce, dress(b, &english)
	return execute(problemTemplate, "problem.html.tmpl", p)
}

// execute renders into a buffer first, so that a failing template becomes
// an error page rather than half a page with a 200.
func execute(t *template.Template, name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("trackpage: render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

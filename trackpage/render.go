package trackpage

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"time"

	"github.com/shipflow/shipflow/order"
)

// files are the page's templates, stylesheet and script. They are built
// in and inlined into every response, so the page needs no other request
// and a strict Content-Security-Policy can allow exactly these.
//
//go:embed templates/*.tmpl templates/style.css templates/script.js
var files embed.FS

var (
	pageTemplate    = template.Must(template.ParseFS(files, "templates/page.html.tmpl", "templates/main.html.tmpl"))
	problemTemplate = template.Must(template.ParseFS(files, "templates/problem.html.tmpl"))
	style           = template.CSS(mustRead("templates/style.css"))
	script          = template.JS(mustRead("templates/script.js"))
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// page is what page.html.tmpl draws.
type page struct {
	Lang   string
	Title  string
	Nonce  string
	Events string // URL of the events stream, relative to the page
	CSS    template.CSS
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
	CSS    template.CSS
}

// renderPage draws the whole page of v for the customer holding token.
func renderPage(v order.View, token, nonce string, now time.Time) ([]byte, error) {
	s := present(v, now)
	p := page{
		Lang:   wordsFor(v.Customer.Locale).lang,
		Title:  s.Status + " · " + s.Order,
		Nonce:  nonce,
		Events: token + "/events",
		CSS:    style,
		JS:     script,
		Main:   s,
	}
	return execute(pageTemplate, "page.html.tmpl", p)
}

// renderMain draws only the main section, what the events stream sends.
func renderMain(v order.View, now time.Time) ([]byte, error) {
	return execute(pageTemplate, "main", present(v, now))
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

func renderProblem(p problem, nonce string) ([]byte, error) {
	p.Nonce, p.CSS = nonce, style
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

package template

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
)

// page is what the email HTML layout and body see: the message's data and
// its subject line, already rendered, for the <title>.
type page struct {
	Data
	Subject string
}

// render executes a message. Each execution works on clones carrying this
// render's functions (see clones), so concurrent renders for different
// customers never share a clock or a zone.
func (c *catalog) render(msg *message, d Data) (Rendered, error) {
	loc := location(d.TimeZone)
	d = d.prepare(loc)
	funcs := formatter{w: c.words, now: d.Now, loc: loc}.funcs()
	r := Rendered{Locale: c.locale}
	var err error
	if msg.subject != nil {
		if r.Subject, err = execText(msg.subject, &msg.subjects, funcs, d); err != nil {
			return Rendered{}, err
		}
		r.Subject = strings.Join(strings.Fields(r.Subject), " ") // one header line, whatever the data held
	}
	if r.Text, err = execText(msg.text, &msg.texts, funcs, d); err != nil {
		return Rendered{}, err
	}
	if r.Text == "" {
		return Rendered{}, fmt.Errorf("%s: renders an empty message", msg.text.Name())
	}
	if msg.html != nil {
		if r.HTML, err = execHTML(msg, funcs, page{Data: d, Subject: r.Subject}); err != nil {
			return Rendered{}, err
		}
		// The store's contacts close every email, as the HTML layout's footer does.
		if s := c.words.support(d.Brand); s != "" {
			r.Text += "\n\n" + s
		}
		if d.UnsubscribeURL != "" { // the law and the mailbox providers ask for it in every email
			r.Text += "\n\n" + c.words.unsubscribe + " " + d.UnsubscribeURL
		}
	}
	return r, nil
}

// clones lends out clones of a template. A render needs its own functions
// (the customer's clock and zone), so it works on a clone; but a clone costs
// allocations, and html/template escapes each clone again at its first
// execution, which made escaping half of a message's CPU under load
// (docs/BENCHMARKS.md). So a clone that rendered is kept and lent again, to
// one render at a time, which binds its own functions in place of the last.
type clones[T interface{ Clone() (T, error) }] struct{ pool sync.Pool }

func (c *clones[T]) get(of T) (T, error) {
	if t, ok := c.pool.Get().(T); ok {
		return t, nil
	}
	return of.Clone()
}

// put takes back a clone that executed without error; one that failed is
// dropped, whatever state the failure left it in.
func (c *clones[T]) put(t T) { c.pool.Put(t) }

// execHTML executes an email's HTML. Errors name the body and the layout,
// as either may be at fault.
func execHTML(msg *message, funcs map[string]any, p page) (string, error) {
	t, err := msg.htmls.get(msg.html)
	if err == nil {
		var b strings.Builder
		if err = t.Funcs(funcs).Execute(&b, p); err == nil {
			msg.htmls.put(t)
			return fixDateDot(b.String()), nil
		}
	}
	return "", fmt.Errorf("%s in layout %s: %w", msg.file, msg.layout, err)
}

func execText(tmpl *texttemplate.Template, cs *clones[*texttemplate.Template], funcs map[string]any, d Data) (string, error) {
	t, err := cs.get(tmpl)
	if err != nil {
		return "", fmt.Errorf("%s: %w", tmpl.Name(), err)
	}
	var b strings.Builder
	if err := t.Funcs(funcs).Execute(&b, d); err != nil {
		return "", err // text/template names the file and line
	}
	cs.put(t)
	return tidy(b.String()), nil
}

// tidy cleans up what conditionals leave behind in plain text: trailing
// spaces, runs of blank lines, blank lines at either end.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	return fixDateDot(strings.TrimSpace(strings.Join(out, "\n")))
}

// dateDot finds a Lithuanian date ending a sentence: "gegužės 8 d." followed
// by the template's own full stop.
var dateDot = regexp.MustCompile(`(\d d\.)\.([^.]|$)`)

// fixDateDot keeps one full stop after a date abbreviation, so a template
// may end a sentence with {{eta ...}}. whatever the date looks like.
func fixDateDot(s string) string {
	return dateDot.ReplaceAllString(s, "$1$2")
}

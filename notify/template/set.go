package template

import (
	"fmt"
	htmltemplate "html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	texttemplate "text/template"
	"time"

	"github.com/shipflow/shipflow/order"
)

// milestones and channels are every message the Set must be able to write.
var (
	milestones = []order.Milestone{
		order.MilestoneConfirmed, order.MilestoneShipped, order.MilestoneOutForDelivery,
		order.MilestoneAvailableForPickup, order.MilestoneAttemptFailed, order.MilestoneDelivered,
		order.MilestoneDelayed, order.MilestoneReviewRequest,
		order.MilestonePacked, order.MilestoneInTransit, order.MilestoneCancelled, order.MilestoneRefundProcessed,
		order.MilestoneReturnInTransit, order.MilestoneReturnReceived, order.MilestoneDailyUpdate,
	}
	channels = []order.Channel{order.ChannelSMS, order.ChannelWhatsApp, order.ChannelEmail, order.ChannelPush}
)

// Set is every customer message in every locale, parsed and checked. It is
// built once at start-up by Load and is safe for concurrent use.
type Set struct {
	catalogs map[string]*catalog // by canonical locale
}

// Rendered is one message ready to send. Subject is the email's subject line
// or the push notification's title (both are the one line that names the
// message before it is opened), empty for texts; HTML is set for email only.
// Text is the SMS, WhatsApp or push body, or the email's plain-text part.
// Locale is the locale whose templates wrote it, which the notification log
// records so staff can see when a customer got the English fallback.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	Locale  string
}

// catalog is the messages of one locale, each template already resolved
// through the fallback chain.
type catalog struct {
	locale   string
	words    *words
	messages map[key]*message
}

type key struct {
	channel   order.Channel
	milestone order.Milestone
}

// message is the templates of one milestone on one channel.
type message struct {
	subject *texttemplate.Template // email's subject, push's title
	text    *texttemplate.Template
	html    *htmltemplate.Template // email only: the layout, with the body as "content"
	file    string                 // email only: the HTML body's file, for errors
	layout  string                 // email only: the layout's file, for errors

	// Clones of the three, lent to one render at a time (see clones).
	subjects, texts clones[*texttemplate.Template]
	htmls           clones[*htmltemplate.Template]
}

// Load parses the default templates and, when dir is not empty, the
// operator's templates in dir, which replace defaults of the same locale
// and file name and may add locales. Every template is rendered against
// sample orders before Load returns, so a mistake in an override stops
// start-up with an error naming the file rather than failing a customer's
// message later.
func Load(dir string) (*Set, error) {
	embedded, err := readTree(defaults, "templates", func(p string) string { return p })
	if err != nil {
		return nil, fmt.Errorf("embedded templates: %w", err)
	}
	var overrides tree
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("template directory: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("template directory %s is not a directory", dir)
		}
		overrides, err = readTree(os.DirFS(dir), ".", func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) })
		if err != nil {
			return nil, err
		}
	}
	locales := make(map[string]bool)
	for l := range embedded {
		locales[l] = true
	}
	for l := range overrides {
		locales[l] = true
	}
	s := &Set{catalogs: make(map[string]*catalog, len(locales))}
	for _, l := range slices.Sorted(maps.Keys(locales)) {
		c, err := build(l, embedded, overrides)
		if err != nil {
			return nil, err
		}
		s.catalogs[l] = c
	}
	return s, nil
}

// build resolves and parses the messages of one locale: each file is the
// operator's or the default one of the most specific locale in the chain
// that has it.
func build(locale string, embedded, overrides tree) (*catalog, error) {
	chain := localeChain(locale)
	find := func(name string) source {
		for _, l := range chain {
			if s, ok := overrides[l][name]; ok {
				return s
			}
			if s, ok := embedded[l][name]; ok {
				return s
			}
		}
		panic("notify/template: no default template " + name) // the tests keep en complete
	}
	c := &catalog{locale: locale, words: wordsFor(locale), messages: make(map[key]*message)}
	funcs := formatter{w: c.words, loc: time.UTC}.funcs()
	for _, m := range milestones {
		for _, ch := range channels {
			subjectName, textName, htmlName := fileNames(m, ch)
			msg := &message{}
			var err error
			if msg.text, err = parseText(find(textName), funcs); err != nil {
				return nil, err
			}
			if subjectName != "" {
				if msg.subject, err = parseText(find(subjectName), funcs); err != nil {
					return nil, err
				}
			}
			if ch == order.ChannelEmail {
				body, layout := find(htmlName), find(layoutFile)
				msg.file, msg.layout = body.path, layout.path
				if msg.html, err = parseHTML(layout, body, funcs); err != nil {
					return nil, err
				}
			}
			for _, d := range samples() {
				d.Milestone = m
				if _, err := c.render(msg, d); err != nil {
					return nil, fmt.Errorf("rendering a sample %s message for locale %s: %w", m, locale, err)
				}
			}
			c.messages[key{ch, m}] = msg
		}
	}
	return c, nil
}

func parseText(src source, funcs map[string]any) (*texttemplate.Template, error) {
	t, err := texttemplate.New(src.path).Funcs(funcs).Parse(src.text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.path, err)
	}
	return t, nil
}

// parseHTML parses the layout and the body into one template, the body
// reachable from the layout as "content" while keeping its own file name
// for error messages.
func parseHTML(layout, body source, funcs map[string]any) (*htmltemplate.Template, error) {
	t, err := htmltemplate.New(layout.path).Funcs(funcs).Parse(layout.text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", layout.path, err)
	}
	b, err := t.New(body.path).Parse(body.text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", body.path, err)
	}
	if _, err := t.AddParseTree("content", b.Tree); err != nil {
		return nil, fmt.Errorf("%s: %w", body.path, err)
	}
	return t, nil
}

// Render writes the message for milestone m on channel ch in the
// customer's locale (d.Locale, then its language, then English).
func (s *Set) Render(ch order.Channel, m order.Milestone, d Data) (Rendered, error) {
	if !slices.Contains(channels, ch) {
		return Rendered{}, fmt.Errorf("unknown channel %q", ch)
	}
	if !slices.Contains(milestones, m) {
		return Rendered{}, fmt.Errorf("unknown milestone %q", m)
	}
	c := s.catalog(d.Locale)
	return c.render(c.messages[key{ch, m}], d)
}

// catalog is the most specific catalog for locale; English always exists.
func (s *Set) catalog(locale string) *catalog {
	for _, l := range localeChain(locale) {
		if c, ok := s.catalogs[l]; ok {
			return c
		}
	}
	return s.catalogs[fallbackLocale]
}

package template

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

var (
	defaultsOnce sync.Once
	defaultSet   *Set
	defaultErr   error
)

// defaultTemplates is Load(""), loaded once for the whole test binary.
func defaultTemplates(t testing.TB) *Set {
	t.Helper()
	defaultsOnce.Do(func() { defaultSet, defaultErr = Load("") })
	if defaultErr != nil {
		t.Fatalf("Load(\"\"): %v", defaultErr)
	}
	return defaultSet
}

// fixture is an order of n shipments (0 to 3) seen on Wednesday 6 May
// 2026 at 13:30 in Vilnius: Shoes arrive tomorrow, the Jacket on Friday,
// the Hat on May 20. The milestone is about the first shipment.
func fixture(locale string, n int) Data {
	tomorrow, friday, later := at("2026-05-07T14:00:00Z"), at("2026-05-08T14:00:00Z"), at("2026-05-20T09:00:00Z")
	all := []Shipment{
		{ID: "shp_1", Carrier: "DPD", TrackingNumber: "05212345678901", Items: []string{"Shoes"},
			ETA: &tomorrow, Status: order.ShipmentInTransit, City: "Kaunas"},
		{ID: "shp_2", Carrier: "Omniva", TrackingNumber: "CE123456789LT", Items: []string{"Jacket"},
			ETA: &friday, Status: order.ShipmentInTransit},
		{ID: "shp_3", Carrier: "DPD", TrackingNumber: "05212345678902", Items: []string{"Hat"},
			ETA: &later, Status: order.ShipmentInfoReceived},
	}
	d := Data{
		OrderID: "ord_1042", OrderNumber: "#1042", FirstName: "Ona", Locale: locale,
		TimeZone: "Europe/Vilnius", Now: at("2026-05-06T10:30:00Z"),
		Shipments:   all[:n],
		TrackingURL: "https://track.example.com/o/ord_1042", ReviewURL: "https://shop.example.com/r/1042",
		Reason: "road works",
	}
	if n > 0 {
		d.Shipment = all[0]
	}
	return d
}

func TestRenderEveryMessage(t *testing.T) {
	s := defaultTemplates(t)
	locales := []struct{ locale, want, greeting string }{
		{"en", "en", "Hi"},
		{"lt", "lt", "Sveiki"},
		{"lt-LT", "lt", "Sveiki"},
		{"fr", "en", "Hi"},
		{"", "en", "Hi"},
	}
	data := map[string]Data{
		"no shipment": fixture("", 0),
		"one":         fixture("", 1),
		"split":       fixture("", 3),
		"empty":       {},
		"nothing known": {OrderID: "ord_1", Shipment: Shipment{ID: "shp_1"},
			Shipments: []Shipment{{ID: "shp_1"}, {ID: "shp_2", Status: order.ShipmentDelivered}}},
	}
	for _, l := range locales {
		for _, m := range milestones {
			for _, ch := range channels {
				for name, d := range data {
					d.Locale, d.Milestone = l.locale, m
					r, err := s.Render(ch, m, d)
					if err != nil {
						t.Errorf("%s %s %s %s: %v", l.locale, m, ch, name, err)
						continue
					}
					where := strings.Join([]string{l.locale, string(m), string(ch), name}, " ")
					checkRendered(t, where, ch, r, name != "empty")
					if r.Locale != l.want {
						t.Errorf("%s: Locale = %q, want %q", where, r.Locale, l.want)
					}
					// A push notification is read beside the app's name and title: it goes
					// straight to the news instead of greeting.
					if ch != order.ChannelPush && !strings.HasPrefix(r.Text, l.greeting) {
						t.Errorf("%s: text does not start with %q:\n%s", where, l.greeting, r.Text)
					}
					if ch == order.ChannelEmail && !strings.Contains(r.HTML, `<html lang="`+l.want+`">`) {
						t.Errorf("%s: HTML is not in the %s layout", where, l.want)
					}
				}
			}
		}
	}
}

// checkRendered checks what every message must be, whatever its data, and
// when strict, that no gap is left where a missing value would go: only an
// order with no number at all may leave one.
func checkRendered(t *testing.T, where string, ch order.Channel, r Rendered, strict bool) {
	t.Helper()
	bads := []string{"<no value>", "%!", "d..", "<nil>"}
	if strict {
		bads = append(bads, " .", " ,", " ?")
	}
	for part, s := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
		for _, bad := range bads {
			if strings.Contains(s, bad) {
				t.Errorf("%s: %s contains %q:\n%s", where, part, bad, s)
			}
		}
		if strict && part != "html" && strings.Contains(s, "  ") {
			t.Errorf("%s: %s has a gap (two spaces):\n%s", where, part, s)
		}
	}
	if r.Text == "" {
		t.Errorf("%s: empty text", where)
	}
	if ch == order.ChannelEmail {
		if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
			t.Errorf("%s: subject %q is not one non-empty line", where, r.Subject)
		}
		if !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") {
			t.Errorf("%s: HTML does not start with a doctype:\n%s", where, r.HTML)
		}
	} else if ch == order.ChannelPush {
		if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") || r.HTML != "" {
			t.Errorf("%s: push title %q is not one non-empty line, or HTML %q", where, r.Subject, r.HTML)
		}
	} else if r.Subject != "" || r.HTML != "" {
		t.Errorf("%s: subject or HTML on a text channel", where)
	}
}

func TestRenderUnknown(t *testing.T) {
	s := defaultTemplates(t)
	if _, err := s.Render("fax", order.MilestoneShipped, fixture("en", 1)); err == nil {
		t.Error("unknown channel: want an error")
	}
	if _, err := s.Render(order.ChannelSMS, "exception", fixture("en", 1)); err == nil {
		t.Error("unknown milestone: want an error")
	}
	if _, err := s.Render(order.ChannelSMS, "", fixture("en", 1)); err == nil {
		t.Error("empty milestone: want an error")
	}
}

func TestLocaleFallback(t *testing.T) {
	s := defaultTemplates(t)
	tests := []struct{ locale, want, contains string }{
		{"lt-LT", "lt", "Sveiki, Ona!"},
		{"lt_LT.UTF-8", "lt", "Sveiki, Ona!"},
		{"LT", "lt", "Sveiki, Ona!"},
		{"lt", "lt", "Sveiki, Ona!"},
		{"fr", "en", "Hi Ona,"},
		{"fr-CA", "en", "Hi Ona,"},
		{"en-GB", "en", "Hi Ona,"},
		{"", "en", "Hi Ona,"},
		{"not a locale", "en", "Hi Ona,"},
	}
	for _, tt := range tests {
		r, err := s.Render(order.ChannelSMS, order.MilestoneShipped, fixture(tt.locale, 1))
		if err != nil {
			t.Fatalf("%q: %v", tt.locale, err)
		}
		if r.Locale != tt.want || !strings.Contains(r.Text, tt.contains) {
			t.Errorf("%q: got locale %q, text %q; want locale %q with %q", tt.locale, r.Locale, r.Text, tt.want, tt.contains)
		}
	}
}

func TestSMSMentionsWhatMatters(t *testing.T) {
	s := defaultTemplates(t)
	for _, locale := range []string{"en", "lt"} {
		for _, n := range []int{1, 3} {
			d := fixture(locale, n)
			for _, m := range []order.Milestone{order.MilestoneShipped, order.MilestoneOutForDelivery,
				order.MilestoneDelayed, order.MilestoneAttemptFailed} {
				r, err := s.Render(order.ChannelSMS, m, d)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(r.Text, d.TrackingURL) {
					t.Errorf("%s %s with %d shipments: no tracking link in %q", locale, m, n, r.Text)
				}
			}
			r, err := s.Render(order.ChannelSMS, order.MilestoneReviewRequest, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, d.ReviewURL) {
				t.Errorf("%s review_request: no review link in %q", locale, r.Text)
			}
			d.ReviewURL = ""
			if r, _ := s.Render(order.ChannelSMS, order.MilestoneReviewRequest, d); strings.Contains(r.Text, "http") {
				t.Errorf("%s review_request without a review link: %q", locale, r.Text)
			}
			r, _ = s.Render(order.ChannelSMS, order.MilestoneDelayed, d)
			if !strings.Contains(r.Text, "road works") {
				t.Errorf("%s delayed: no reason in %q", locale, r.Text)
			}
			r, _ = s.Render(order.ChannelSMS, order.MilestoneAvailableForPickup, d)
			if !strings.Contains(r.Text, "Kaunas") {
				t.Errorf("%s available_for_pickup: no place in %q", locale, r.Text)
			}
		}
	}
}

func TestSMSIsShort(t *testing.T) {
	s := defaultTemplates(t)
	for _, m := range milestones {
		r, err := s.Render(order.ChannelSMS, m, fixture("en", 1))
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := gsm7Len(r.Text); !ok || n > 160 {
			t.Errorf("en %s SMS is %d GSM-7 characters (GSM-7 only: %v), want one segment: %q", m, n, ok, r.Text)
		}
		r, err = s.Render(order.ChannelSMS, m, fixture("lt", 1))
		if err != nil {
			t.Fatal(err)
		}
		// Lithuanian letters make it UCS-2: 67 characters per part of a long message.
		if n := len([]rune(r.Text)); n > 3*67 {
			t.Errorf("lt %s SMS is %d characters, more than three parts: %q", m, n, r.Text)
		}
	}
}

// gsm7Len counts s in GSM 03.38 septets, and reports whether s fits the
// GSM-7 alphabet at all (else the SMS goes out as UCS-2, 70 characters a part).
func gsm7Len(s string) (int, bool) {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const extended = "^{}\\[~]|€\f"
	n := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(basic, r):
			n++
		case strings.ContainsRune(extended, r):
			n += 2
		default:
			return n, false
		}
	}
	return n, true
}

func TestLithuanianDateEndsOneSentence(t *testing.T) {
	s := defaultTemplates(t)
	d := fixture("lt", 1)
	d.Shipment.ETA = d.Shipments[0].ETA
	later := at("2026-05-20T09:00:00Z")
	d.Shipment.ETA = &later
	r, err := s.Render(order.ChannelSMS, order.MilestoneDelayed, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "Naujas pristatymo laikas: gegužės 20 d. Jau") {
		t.Errorf("delayed SMS = %q", r.Text)
	}
}

func TestOnlyTheFirstName(t *testing.T) {
	s := defaultTemplates(t)
	for _, locale := range []string{"en", "lt"} {
		for _, m := range milestones {
			for _, ch := range channels {
				d := fixture(locale, 2)
				d.FirstName = "Ona Petraitė"
				r, err := s.Render(ch, m, d)
				if err != nil {
					t.Fatal(err)
				}
				if ch != order.ChannelPush && !strings.Contains(r.Text, "Ona") {
					t.Errorf("%s %s %s: first name missing from %q", locale, m, ch, r.Text)
				}
				for _, part := range []string{r.Subject, r.Text, r.HTML} {
					if strings.Contains(part, "Petrait") {
						t.Errorf("%s %s %s: surname rendered:\n%s", locale, m, ch, part)
					}
				}
			}
		}
	}
	r, _ := s.Render(order.ChannelSMS, order.MilestoneConfirmed, Data{Locale: "lt", FirstName: " Jonas\tJonaitis "})
	if !strings.HasPrefix(r.Text, "Sveiki, Jonai!") {
		t.Errorf("lt greeting = %q, want it to address Jonas as Jonai", r.Text)
	}
}

func TestHTMLEscapesCustomerData(t *testing.T) {
	s := defaultTemplates(t)
	for _, locale := range []string{"en", "lt"} {
		for _, m := range milestones {
			d := fixture(locale, 2)
			d.FirstName = "<script>alert(1)</script>"
			d.Shipment.Items = []string{`<img src=x onerror="alert(2)">`}
			d.Shipments[1].Items = []string{`<img src=x onerror="alert(2)">`}
			d.Shipments[1].Carrier = "<b>Evil</b>"
			d.Shipment.City = "<iframe>"
			d.Reason = "<b>late</b>"
			d.OrderNumber = `"><svg onload=alert(3)>`
			d.TrackingURL = "javascript:alert(4)"
			d.ReviewURL = "javascript:alert(5)"
			r, err := s.Render(order.ChannelEmail, m, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"<script", "<img", "<b>", "<iframe", "<svg", "javascript:"} {
				if strings.Contains(r.HTML, bad) {
					t.Errorf("%s %s: HTML contains %q:\n%s", locale, m, bad, r.HTML)
				}
			}
			if !strings.Contains(r.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s %s: first name not escaped as expected:\n%s", locale, m, r.HTML)
			}
		}
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	d := fixture("en", 1)
	d.OrderNumber = "1042\r\nBcc: someone@example.com"
	r, err := defaultTemplates(t).Render(order.ChannelEmail, order.MilestoneShipped, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Your order 1042 Bcc: someone@example.com has shipped"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
}

// writeFiles creates files (relative path → content) under a new directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestOverrides(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"README.md":                   "operator notes, not a template",
		"en/shipped.sms.tmpl":         "Order {{.OrderNumber}} is coming {{with .Shipment.ETA}}{{eta .}}{{end}}.\n",
		"en/notes.txt":                "ignored",
		"lt-LT/delivered.sms.tmpl":    "{{vocative .FirstName}}, siunta pristatyta!",
		"de/shipped.sms.tmpl":         "Hallo {{.FirstName}}, Bestellung {{.OrderNumber}} ist unterwegs.",
		"lt/shipped.email.html.tmpl":  `<p>Perrašyta: {{.Subject}}</p>{{template "shipments" .}}`,
		"lt/confirmed.email.txt.tmpl": "Ačiū, {{vocative .FirstName}}!",
	})
	custom, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	defaults := defaultTemplates(t)
	tests := []struct {
		locale   string
		ch       order.Channel
		m        order.Milestone
		want     string // substring of the text, or of the HTML for email HTML overrides
		locale2  string // Rendered.Locale
		override bool   // whether the result differs from the default
	}{
		{"en", order.ChannelSMS, order.MilestoneShipped, "Order #1042 is coming tomorrow by 5:00 PM.", "en", true},
		{"en", order.ChannelWhatsApp, order.MilestoneShipped, "", "en", false},
		{"en", order.ChannelSMS, order.MilestoneDelivered, "", "en", false},
		{"fr", order.ChannelSMS, order.MilestoneShipped, "Order #1042 is coming", "en", true},
		{"lt", order.ChannelSMS, order.MilestoneShipped, "", "lt", false},
		{"lt-LT", order.ChannelSMS, order.MilestoneDelivered, "Ona, siunta pristatyta!", "lt-LT", true},
		{"lt-LT", order.ChannelSMS, order.MilestoneShipped, "perduotas kurjeriui DPD", "lt-LT", false},
		{"de-AT", order.ChannelSMS, order.MilestoneShipped, "Hallo Ona, Bestellung #1042 ist unterwegs.", "de", true},
		{"de", order.ChannelSMS, order.MilestoneDelivered, "Hi Ona", "de", false},
		{"lt", order.ChannelEmail, order.MilestoneConfirmed, "Ačiū, Ona!", "lt", true},
	}
	for _, tt := range tests {
		d := fixture(tt.locale, 1)
		got, err := custom.Render(tt.ch, tt.m, d)
		if err != nil {
			t.Fatalf("%s %s %s: %v", tt.locale, tt.m, tt.ch, err)
		}
		def, err := defaults.Render(tt.ch, tt.m, d)
		if err != nil {
			t.Fatal(err)
		}
		def.Locale = got.Locale
		if changed := got != def; changed != tt.override {
			t.Errorf("%s %s %s: overridden = %v, want %v:\n%s", tt.locale, tt.m, tt.ch, changed, tt.override, got.Text)
		}
		if !strings.Contains(got.Text, tt.want) || got.Locale != tt.locale2 {
			t.Errorf("%s %s %s: got locale %q, text %q; want locale %q with %q", tt.locale, tt.m, tt.ch, got.Locale, got.Text, tt.locale2, tt.want)
		}
	}
	r, err := custom.Render(order.ChannelEmail, order.MilestoneShipped, fixture("lt", 1))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, "<p>Perrašyta: Jūsų užsakymas #1042 išsiųstas</p>") || !strings.Contains(r.HTML, `<html lang="lt">`) {
		t.Errorf("overridden HTML body not in the layout:\n%s", r.HTML)
	}
	if def, _ := defaults.Render(order.ChannelEmail, order.MilestoneShipped, fixture("lt", 1)); r.Text != def.Text || r.Subject != def.Subject {
		t.Error("overriding the HTML body changed the subject or text")
	}
}

func TestOverrideLayout(t *testing.T) {
	layout := `<!DOCTYPE html><html lang="en"><body class="brand">{{template "content" .}}</body></html>
{{- define "greeting"}}<p>Hey {{.FirstName}}</p>{{end}}
{{- define "signoff"}}<p>Cheers</p>{{end}}
{{- define "track-button"}}<a href="{{.TrackingURL}}">Track</a>{{end}}
{{- define "shipments"}}{{range .Shipments}}<p>{{join .Items}}</p>{{end}}{{end}}`
	s, err := Load(writeFiles(t, map[string]string{"en/layout.email.html.tmpl": layout}))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Render(order.ChannelEmail, order.MilestoneShipped, fixture("en", 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<body class="brand">`, "<p>Hey Ona</p>", "<p>Jacket</p>", "<p>Cheers</p>"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, r.HTML)
		}
	}
	if r, _ := s.Render(order.ChannelEmail, order.MilestoneShipped, fixture("lt", 2)); strings.Contains(r.HTML, "brand") {
		t.Error("an en layout override reached lt emails, which have their own layout")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error, besides the file
		file  string // the file the error must name
	}{
		{"parse error", map[string]string{"en/shipped.sms.tmpl": "Hi {{.FirstName"}, "unclosed action", "en/shipped.sms.tmpl"},
		{"unknown function", map[string]string{"lt/shipped.sms.tmpl": "{{upper .FirstName}}"}, `"upper" not defined`, "lt/shipped.sms.tmpl"},
		{"unknown field", map[string]string{"en/delivered.whatsapp.tmpl": "Hi {{.Customer.Email}}"}, "Customer", "en/delivered.whatsapp.tmpl"},
		{"bad function argument", map[string]string{"en/shipped.email.subject.tmpl": "{{eta .OrderNumber}}"}, "want a time", "en/shipped.email.subject.tmpl"},
		{"empty message", map[string]string{"en/confirmed.sms.tmpl": "{{/* nothing yet */}}\n"}, "empty", "en/confirmed.sms.tmpl"},
		{"HTML context", map[string]string{"en/confirmed.email.html.tmpl": `{{if .ReviewURL}}<a href="{{end}}x`}, "", "en/confirmed.email.html.tmpl"},
		{"layout without a piece", map[string]string{"lt/layout.email.html.tmpl": `<html>{{template "content" .}}</html>`}, "no such template", "lt/layout.email.html.tmpl"},
		{"misspelt name", map[string]string{"en/shiped.sms.tmpl": "Hi"}, "unknown template name", "en/shiped.sms.tmpl"},
		{"unknown channel", map[string]string{"en/shipped.telegram.tmpl": "Hi"}, "unknown template name", "en/shipped.telegram.tmpl"},
		{"not a locale", map[string]string{"english/shipped.sms.tmpl": "Hi"}, "not a locale", "english"},
		{"template outside a locale", map[string]string{"shipped.sms.tmpl": "Hi"}, "locale directory", "shipped.sms.tmpl"},
		{"same locale twice", map[string]string{"lt-LT/shipped.sms.tmpl": "a", "lt_LT/shipped.sms.tmpl": "b"}, "same locale", "lt"},
		{"not UTF-8", map[string]string{"lt/shipped.sms.tmpl": "Sveiki \xe0\xfe"}, "UTF-8", "lt/shipped.sms.tmpl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, filepath.FromSlash(tt.file))) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to name %s and say %q", err, tt.file, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing directory: want an error")
	}
}

func TestConcurrentRender(t *testing.T) {
	s := defaultTemplates(t)
	type job struct {
		ch order.Channel
		m  order.Milestone
		d  Data
	}
	var jobs []job
	for i, tz := range []string{"Europe/Vilnius", "America/New_York", "Asia/Tokyo", ""} {
		for _, m := range milestones {
			for _, ch := range channels {
				d := fixture([]string{"en", "lt"}[i%2], 1+i%3)
				d.TimeZone = tz
				d.Now = d.Now.Add(time.Duration(i) * 7 * time.Hour)
				jobs = append(jobs, job{ch, m, d})
			}
		}
	}
	want := make([]Rendered, len(jobs))
	for i, j := range jobs {
		var err error
		if want[i], err = s.Render(j.ch, j.m, j.d); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Go(func() {
			for i := range jobs {
				j := jobs[(i+w*13)%len(jobs)]
				got, err := s.Render(j.ch, j.m, j.d)
				if err != nil || got != want[(i+w*13)%len(jobs)] {
					t.Errorf("concurrent render of %s %s differs: %v", j.m, j.ch, err)
				}
			}
		})
	}
	wg.Wait()
}

func TestRenderLeavesDataAlone(t *testing.T) {
	d := fixture("lt", 3)
	d.FirstName = "Ona Petraitė"
	eta := *d.Shipments[0].ETA
	if _, err := defaultTemplates(t).Render(order.ChannelEmail, order.MilestoneShipped, d); err != nil {
		t.Fatal(err)
	}
	if d.FirstName != "Ona Petraitė" || d.Shipments[0].ETA.Location() != eta.Location() {
		t.Error("Render changed the caller's data")
	}
}

func BenchmarkRender(b *testing.B) {
	s := defaultTemplates(b)
	d := fixture("lt", 2)
	for _, ch := range channels {
		b.Run(string(ch), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Render(ch, order.MilestoneShipped, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

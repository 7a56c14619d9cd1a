package trackpage

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/order"
)

// Contacts are what the lookup form compares a customer's answer with, and where a match
// leads: the order's tracking-page token.
type Contacts struct {
	Token      string
	Email      string
	PostalCode string
	Country    string // of the shipping address, to accept a postal code without its prefix
}

// Finder finds an order's contacts by its number. The server implements it over the read
// model.
type Finder interface {
	// OrderContacts returns the contacts of the order orderID, or an error wrapping
	// ErrNotFound.
	OrderContacts(ctx context.Context, orderID string) (Contacts, error)
}

// Form is the lookup form at /track: a customer without the link gives the order number and
// the email address or postal code on the order, and is sent to the order's tracking page.
// Whatever does not match (an unknown order, the wrong email) gets one answer, so the form
// tells a guesser nothing about which orders exist. It creates nothing, works without
// JavaScript, and is rate-limited per order number here (Allow) and per client by the
// server. A Form is safe for concurrent use.
type Form struct {
	Orders Finder
	Brand  brand.Brand
	// Allow spends one lookup of an order number, or says how long until the next one may
	// be tried; nil allows every lookup.
	Allow func(orderNumber string) (wait time.Duration, ok bool)
	// Logger receives failures of Orders; nil means slog.Default().
	Logger *slog.Logger
}

// FormRoute is the form's path (docs/reference: SPEC section 9).
const FormRoute = "/track"

// formBodyCap bounds the form's body: two short fields.
const formBodyCap = 4 << 10

// Form fields.
const (
	fieldOrder   = "order"
	fieldContact = "contact"
)

// Handler serves GET /track (the form) and POST /track (a lookup).
func (f *Form) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+FormRoute, f.serveForm)
	mux.HandleFunc("POST "+FormRoute, f.lookup)
	return mux
}

// lookupForm is what form.html.tmpl draws.
type lookupForm struct {
	Lang    string
	Nonce   string
	Look    look
	L       formWords
	Order   string // the customer's answers, drawn back into the fields
	Contact string
	Message string // why the last try did not lead anywhere
	Error   bool   // Message is about the input rather than the outcome
}

func (f *Form) serveForm(w http.ResponseWriter, r *http.Request) {
	f.render(w, r, http.StatusOK, lookupForm{})
}

func (f *Form) lookup(w http.ResponseWriter, r *http.Request) {
	wd := wordsFor(acceptedLanguage(r))
	if !sameOrigin(r) {
		f.render(w, r, http.StatusForbidden, lookupForm{Message: wd.form.crossSite, Error: true})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, formBodyCap)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			f.render(w, r, http.StatusRequestEntityTooLarge, lookupForm{Message: wd.form.invalid, Error: true})
			return
		}
		f.render(w, r, http.StatusBadRequest, lookupForm{Message: wd.form.invalid, Error: true})
		return
	}
	number := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get(fieldOrder)), "#")
	contact := strings.TrimSpace(r.PostForm.Get(fieldContact))
	in := lookupForm{Order: number, Contact: contact}
	if order.CheckKey(fieldOrder, number, order.MaxOrderIDLen) != nil || contact == "" ||
		order.CheckText(fieldContact, contact, order.MaxEmailLen) != nil {
		// The fields are drawn back only when they are safe to: printable and short.
		if order.CheckText(fieldOrder, number, order.MaxOrderIDLen) != nil {
			in.Order = ""
		}
		if order.CheckText(fieldContact, contact, order.MaxEmailLen) != nil {
			in.Contact = ""
		}
		in.Message, in.Error = wd.form.invalid, true
		f.render(w, r, http.StatusBadRequest, in)
		return
	}
	// Refused before any database work: a guesser's cost is the limit, not our queries.
	if f.Allow != nil {
		if wait, ok := f.Allow(number); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			in.Message, in.Error = wd.form.tooMany, true
			f.render(w, r, http.StatusTooManyRequests, in)
			return
		}
	}
	c, err := f.Orders.OrderContacts(r.Context(), number)
	switch {
	case err == nil && matches(c, contact) && c.Token != "":
		http.Redirect(w, r, FormRoute+"/"+url.PathEscape(c.Token), http.StatusSeeOther)
		return
	case err != nil && !errors.Is(err, ErrNotFound):
		if r.Context().Err() == nil {
			f.logger().ErrorContext(r.Context(), "trackpage: lookup form", "err", err)
		}
		w.Header().Set("Retry-After", "30")
		in.Message, in.Error = wd.form.unavailable, true
		f.render(w, r, http.StatusServiceUnavailable, in)
		return
	}
	in.Message = wd.form.notFound
	f.render(w, r, http.StatusOK, in)
}

// matches reports whether the customer's answer is the order's email address (in any case)
// or its postal code (spaces, hyphens and case aside, the country prefix optional: LT-01103,
// lt 01103 and 01103 are one code). Each comparison takes the same time whatever it finds.
func matches(c Contacts, answer string) bool {
	if strings.Contains(answer, "@") {
		return c.Email != "" && same(strings.ToLower(strings.TrimSpace(c.Email)), strings.ToLower(answer))
	}
	stored, given := postal(c.PostalCode), postal(answer)
	if stored == "" || given == "" {
		return false
	}
	bare := stored
	if cc := strings.ToUpper(c.Country); len(cc) == 2 && strings.HasPrefix(stored, cc) && len(stored) > 2 {
		bare = stored[2:]
	}
	return same(stored, given) || same(bare, given)
}

// postal is a postal code as compared: letters and digits only, upper case.
func postal(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return -1
	}, s)
}

// same compares in constant time; the hashes make the time independent of the lengths too.
func same(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// sameOrigin refuses a lookup another site's page posted. The form creates nothing, but a
// foreign page could still use visitors' browsers to guess for it. Browsers say where a
// request comes from in Sec-Fetch-Site, older ones in Origin; a client that sends neither
// is not a browser, which no other site can drive.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "same-site", "none":
		return true
	case "":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// acceptedLanguage is the first language the browser asks for, which picks the form's words.
func acceptedLanguage(r *http.Request) string {
	tag, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	tag, _, _ = strings.Cut(tag, ";")
	return strings.TrimSpace(tag)
}

func (f *Form) render(w http.ResponseWriter, r *http.Request, status int, p lookupForm) {
	wd := wordsFor(acceptedLanguage(r))
	p.Nonce = secure(w, f.Brand.LogoOrigin())
	allowForms(w.Header())
	p.Lang, p.Look, p.L = wd.lang, dress(f.Brand, wd), wd.form
	body, err := execute(formTemplate, "form.html.tmpl", p)
	if err != nil { // the built-in template is tested; this is a last resort
		f.logger().ErrorContext(r.Context(), "trackpage: render lookup form", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

func (f *Form) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

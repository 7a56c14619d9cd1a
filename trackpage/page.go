package trackpage

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
)

// ErrNotFound is what a Lookup returns (wrapped or not) for a token that
// belongs to no order, so the page can tell a wrong link (404) from a
// store that is down (503).
var ErrNotFound = errors.New("trackpage: no order for this token")

// Lookup finds the order behind a tracking-link token. It is an interface
// so the page does not care where orders live; the server implements it
// over the Postgres read model.
type Lookup interface {
	// OrderByToken returns the current view of the order whose tracking
	// token is token, or an error wrapping ErrNotFound.
	OrderByToken(ctx context.Context, token string) (order.View, error)
}

// Subscriber tells the page when an order changes, so an open page is
// updated as soon as the order is rather than on a polling interval. The
// server implements it over Postgres LISTEN/NOTIFY.
type Subscriber interface {
	// Subscribe returns a channel that receives a value each time the
	// order changes, until ctx ends or the returned func is called; the
	// func releases the subscription and must be called exactly once. A
	// closed channel means the subscription is over, and the page ends the
	// stream so the browser reconnects.
	Subscribe(ctx context.Context, orderID string) (<-chan struct{}, func())
}

// Streams admits live-update streams, so that a flood of open pages
// cannot hold every connection of the process. The server implements it
// with a cap per order and per process.
type Streams interface {
	// Open admits one more stream of orderID, or reports false when
	// there are too many; the returned func gives the slot back and must
	// be called when the stream ends.
	Open(orderID string) (release func(), ok bool)
}

// Page is the customer's tracking page. The zero value is not usable:
// Orders must be set. Without Updates the page is served but not kept
// live. A Page is safe for concurrent use.
type Page struct {
	// Orders finds the order behind a token.
	Orders Lookup
	// Updates signals order changes to open pages; nil turns live updates
	// off.
	Updates Subscriber
	// Streams caps the open live-update streams; nil admits every one.
	Streams Streams
	// Now is the clock that "today" and "tomorrow" are told against;
	// nil means time.Now. Tests set it.
	Now func() time.Time
	// Brand is the merchant's look; the zero value is shipflow's plain one.
	Brand brand.Brand
	// Carriers names the shipments' carriers and links their own tracking pages; nil means
	// the built-in table.
	Carriers *carrier.Table
	// Logger receives failures of Orders and of rendering, which the
	// customer only sees as a friendly error page; nil means
	// slog.Default().
	Logger *slog.Logger

	// keepAlive is how often an idle events stream sends a comment, so
	// proxies and the browser do not time it out; zero means 20s. Tests
	// shorten it.
	keepAlive time.Duration
}

// Handler serves GET /track/{token} (the page) and GET
// /track/{token}/events (its live updates). Mount it at the root of the
// public server, or under a mux that passes /track/ through unchanged.
func (p *Page) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /track/{token}", p.servePage)
	mux.HandleFunc("GET /track/{token}/events", p.serveEvents)
	return mux
}

// servePage renders the whole page, complete without JavaScript.
func (p *Page) servePage(w http.ResponseWriter, r *http.Request) {
	nonce := secure(w, p.Brand.LogoOrigin())
	token := r.PathValue("token")
	v, err := p.lookup(r.Context(), token)
	if err != nil {
		p.problem(w, r, err, nonce)
		return
	}
	body, err := renderPage(v, token, nonce, p.now(), p.Brand, p.Carriers)
	if err != nil {
		p.logger().ErrorContext(r.Context(), "trackpage: render page", "order_id", v.OrderID, "err", err)
		p.problem(w, r, err, nonce)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(body)
}

// lookup finds the order of token, refusing on sight a token that cannot
// be one tracklink makes, so junk never reaches the store.
func (p *Page) lookup(ctx context.Context, token string) (order.View, error) {
	if !plausibleToken(token) {
		return order.View{}, ErrNotFound
	}
	v, err := p.Orders.OrderByToken(ctx, token)
	if err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
		p.logger().ErrorContext(ctx, "trackpage: order lookup", "err", err)
	}
	return v, err
}

// plausibleToken reports whether token is made of URL-safe base64, as
// tracklink's tokens are, and not absurdly long.
func plausibleToken(token string) bool {
	if token == "" || len(token) > 128 {
		return false
	}
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// problem answers with the friendly 404 page for an unknown token, or the
// 503 page when the order could not be read or drawn.
func (p *Page) problem(w http.ResponseWriter, r *http.Request, err error, nonce string) {
	status, pg := http.StatusServiceUnavailable, unavailablePage
	if errors.Is(err, ErrNotFound) {
		status, pg = http.StatusNotFound, notFoundPage
	} else {
		w.Header().Set("Retry-After", "30")
	}
	body, rerr := renderProblem(pg, nonce, p.Brand)
	if rerr != nil { // the built-in templates are tested; this is a last resort
		p.logger().ErrorContext(r.Context(), "trackpage: render problem page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// Busy answers a browser that is over its rate limit with the 429 page, in the same dress as
// the other problem pages, rather than the API's JSON: the tracking page is opened by people.
func Busy(w http.ResponseWriter, b brand.Brand, retryAfter int) error {
	nonce := secure(w, b.LogoOrigin())
	body, err := renderProblem(busyPage, nonce, b)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.WriteHeader(http.StatusTooManyRequests)
	_, err = w.Write(body)
	return err
}

// Notice answers with a short page in the dress of the tracking pages: the customer-facing
// answer of a link that is not the tracking page (the unsubscribe link). With button set, the
// page carries a form posting to its own URL, and the policy allows that one form.
func Notice(w http.ResponseWriter, b brand.Brand, status int, heading string, text []string, button string) error {
	nonce := secure(w, b.LogoOrigin())
	if button != "" {
		allowForms(w.Header())
	}
	body, err := renderProblem(problem{Heading: heading, Text: text, Button: button}, nonce, b)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

func (p *Page) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Page) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

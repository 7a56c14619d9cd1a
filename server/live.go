package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/loop"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/trackpage"
	"github.com/shipflow/shipflow/voice"
)

// trackPageRoute is the tracking page's route template.
const trackPageRoute = "/track/:token"

// routeCustomerFacing mounts the voice tools on each of voice (behind the voice tokens or the
// platforms' signatures, see routeVoice, or a client certificate) and the tracking page
// (public: its token is the credential), the page and its stream behind trackLimit.
func (s *server) routeCustomerFacing(e *echo.Echo, voice []voiceMount, trackLimit echo.MiddlewareFunc) {
	s.routeVoice(voice...)

	page := &trackpage.Page{
		Orders: pageLookup{s}, Updates: s.Changes, Streams: s.trackStreams,
		Brand: s.Config.Brand, Carriers: s.Config.Carriers, Logger: s.Logger.With("component", "trackpage"),
	}
	ph := echo.WrapHandler(page.Handler())
	e.GET(trackPageRoute, ph, trackLimit)
	e.GET("/track/:token/events", ph, trackLimit)
}

// routeLookupForm mounts the /track lookup form behind its per-client limit; each order
// number has its own limit inside, spent before the database is asked. Without a tracking
// secret there are no tracking pages to lead to, and the form says it is not available.
func (s *server) routeLookupForm(e *echo.Echo, clientLimit echo.MiddlewareFunc) {
	if s.Config.TrackingSecret == "" {
		off := func(c echo.Context) error {
			return trackpage.Notice(c.Response(), s.Config.Brand, http.StatusNotFound, "Order lookup is not available",
				[]string{"Please open the tracking link from your shipping email or text message, or contact the shop you ordered from."}, "")
		}
		e.GET(trackpage.FormRoute, off, clientLimit)
		e.POST(trackpage.FormRoute, off, clientLimit)
		return
	}
	perOrder := newClientLimiter(s.Config.Limits.LookupOrder, maxClients)
	form := &trackpage.Form{
		Orders: contactsLookup{s}, Brand: s.Config.Brand, Logger: s.Logger.With("component", "lookup_form"),
		Allow: func(number string) (time.Duration, bool) { return perOrder.take(strings.ToLower(number)) },
	}
	fh := echo.WrapHandler(form.Handler())
	e.GET(trackpage.FormRoute, fh, clientLimit)
	e.POST(trackpage.FormRoute, fh, clientLimit)
}

// trackBusy refuses a client over the tracking page's rate: the page with the problem page's
// 429 (a person is looking), its live stream with the JSON error (EventSource retries it).
func (s *server) trackBusy(c echo.Context, retryAfter int) error {
	if c.Path() == trackPageRoute {
		return s.pageBusy(c, retryAfter)
	}
	return tooMany(c, retryAfter)
}

// pageBusy refuses a client over the rate of a page people open (the tracking page, the
// lookup form, the unsubscribe link) with the problem page's 429 rather than the API's JSON.
func (s *server) pageBusy(c echo.Context, retryAfter int) error {
	return trackpage.Busy(c.Response(), s.Config.Brand, retryAfter)
}

// contactsLookup finds what the lookup form compares.
type contactsLookup struct{ s *server }

func (l contactsLookup) OrderContacts(ctx context.Context, orderID string) (trackpage.Contacts, error) {
	c, err := db.OrderContacts(ctx, l.s.DB, orderID)
	if errors.Is(err, db.ErrNotFound) {
		return trackpage.Contacts{}, trackpage.ErrNotFound
	}
	return trackpage.Contacts{Token: c.Token, Email: c.Email, PostalCode: c.PostalCode, Country: c.Country}, err
}

// pageLookup finds the order a tracking link is for.
type pageLookup struct{ s *server }

func (p pageLookup) OrderByToken(ctx context.Context, token string) (order.View, error) {
	v, err := db.OrderByToken(ctx, p.s.DB, token)
	if errors.Is(err, db.ErrNotFound) {
		return v, trackpage.ErrNotFound
	}
	return v, err
}

// SweepVoiceAnswers deletes remembered voice answers past their time, at start and hourly,
// until ctx ends.
func SweepVoiceAnswers(ctx context.Context, d *Deps) {
	store := voice.NewStore(d.DB)
	loop.Every(ctx, time.Hour, func(ctx context.Context) {
		if _, err := store.ForgetExpired(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Warn("sweep voice answers", "err", err)
		}
	})
}

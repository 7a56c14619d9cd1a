package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
	"github.com/shipflow/shipflow/trackpage"
)

// unsubscribeRoute is the link every email carries (and names in List-Unsubscribe). GET asks
// to confirm, since mail scanners follow links; POST ends email to the address, and is also
// what a mail client's one-click unsubscribe (RFC 8058) sends.
const unsubscribeRoute = "/unsubscribe/:token"

// The unsubscribe pages are in English: the link names a message, not the customer's locale.
const (
	unsubscribeHeading = "Unsubscribe from order emails"
	unsubscribedText   = "You will get no more emails about your orders from this shop at this address. Text messages you asked for are not affected."
)

func (s *server) routeUnsubscribe(e *echo.Echo, limit echo.MiddlewareFunc) {
	e.GET(unsubscribeRoute, s.unsubscribePage, limit)
	e.POST(unsubscribeRoute, s.unsubscribe, limit)
}

func (s *server) unsubscribePage(c echo.Context) error {
	if _, _, ok := s.unsubscribeAddress(c); !ok {
		return s.unsubscribeUnknown(c)
	}
	return trackpage.Notice(c.Response(), s.Config.Brand, http.StatusOK, unsubscribeHeading,
		[]string{"Stop the emails about your orders that this shop sends to this address?"}, "Unsubscribe")
}

func (s *server) unsubscribe(c echo.Context) error {
	ch, addr, ok := s.unsubscribeAddress(c)
	if !ok {
		return s.unsubscribeUnknown(c)
	}
	if err := s.Notifications.OptOut(c.Request().Context(), ch, addr, "unsubscribe link"); err != nil {
		return err
	}
	return trackpage.Notice(c.Response(), s.Config.Brand, http.StatusOK, "You are unsubscribed", []string{unsubscribedText}, "")
}

// unsubscribeAddress is the channel and address of the message the link was in, when the
// link is genuine and names an email in the log.
func (s *server) unsubscribeAddress(c echo.Context) (channel, address string, ok bool) {
	key, ok := tracklink.UnsubscribeKey(s.Config.TrackingSecret, c.Param("token"))
	if !ok {
		return "", "", false
	}
	channel, address, err := s.Notifications.AddressOf(c.Request().Context(), key)
	if err != nil {
		if !errors.Is(err, notify.ErrNotLogged) {
			s.requestLogger(c).Warn("unsubscribe link", "err", err)
		}
		return "", "", false
	}
	return channel, address, channel == string(order.ChannelEmail) && address != ""
}

func (s *server) unsubscribeUnknown(c echo.Context) error {
	return trackpage.Notice(c.Response(), s.Config.Brand, http.StatusNotFound, "We can't find this link",
		[]string{"The link may be incomplete. Please open it from the email again, or contact the shop you ordered from."}, "")
}

package console

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/workflows"
)

// How much of an order's history its page shows: the newest of each. The timeline is the read
// model's (500 entries at most); the notification log is shown whole.
const (
	orderDeliveries = 50
	orderInbound    = 50
	// inboundMargin is how long before an order's creation a delivery under one of its tracking
	// numbers still counts as its own: a carrier may scan a parcel before the shop's
	// order.created arrives.
	inboundMargin = 24 * time.Hour
	// updateTimeout bounds one action's wait for the order's workflow.
	updateTimeout = 15 * time.Second
)

// What an action did, as ?done= names it on the page it redirects to. The notice is fixed
// words, never text from the query.
const (
	doneResolved = "resolved"
	doneChannels = "channels"
	doneResent   = "resent"
)

var notices = map[string]string{
	doneResolved: "The exception is resolved. Your note is on the order's timeline.",
	doneChannels: "The customer's channels are changed.",
	doneResent:   "The message is on its way again. Its row in the notification log shows how it went.",
}

// Form fields of the order page's actions.
const (
	fieldNote         = "note"
	fieldChannel      = "channel"
	fieldNotification = "notification"
	fieldResend       = "resend"
	fieldBack         = "back"
	backExceptions    = "exceptions"
)

// routeOrder mounts the order page, its actions, and the exceptions queue (exceptions.go).
func (con *Console) routeOrder(g *echo.Group) {
	g.GET("/exceptions", con.exceptions, need(access.ScopeReadOrders))
	g.GET("/orders/:order_id", con.order, need(access.ScopeReadOrders))
	g.POST("/orders/:order_id/resolve", con.resolve, need(access.ScopeOperateOrders))
	g.POST("/orders/:order_id/channels", con.setChannels, need(access.ScopeOperateOrders))
	g.POST("/orders/:order_id/resend", con.resend, need(access.ScopeOperateOrders))
}

// orderView is what order.html draws.
type orderView struct {
	Order       order.View
	Exception   *exceptionAge
	Messages    []message
	Deliveries  []outbound.Delivery
	Inbound     []inbound
	Channels    []channelChoice
	TrackingURL string
	TemporalURL string
	// ResendToken names this drawing of the page's resend forms (see resendID).
	ResendToken string
	// Access is who read or changed the order lately, newest first (this view among them);
	// AccessMore links to the whole trail of the order when there is more.
	Access     []audit.Entry
	AccessMore bool
	ShowAccess bool
}

// orderAccess is how many of an order's audit entries its page shows.
const orderAccess = 10

// message is one row of the notification log, newest first.
type message struct {
	notify.Entry
	// Resendable: one of the order's milestone messages, which staff may send again.
	Resendable bool
	// Resent: itself staff's second sending of a message.
	Resent bool
}

// News is when the message's row last changed after it was logged (a provider's answer or
// receipt), if it did.
func (m message) News() *time.Time {
	if m.UpdatedAt.Sub(m.CreatedAt) < time.Second {
		return nil
	}
	return &m.UpdatedAt
}

// inbound is one delivery from a shop or carrier about the order.
type inbound struct {
	inbox.Event
	Types string
}

// channelChoice is one checkbox of the channels form.
type channelChoice struct {
	Channel order.Channel
	On      bool
	// Contact is what the customer lacks for the channel ("" when they can be reached on it).
	Missing string
}

// orderParam is the :order_id of the path, unescaped and held to the order id rule, as the
// API's is: nothing goes further with an id no order can have.
func orderParam(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("order_id"))
	if err != nil {
		return "", problem(http.StatusBadRequest, "That order link is broken: the order id is not a valid path segment.")
	}
	if err := order.CheckKey("Order id", id, order.MaxOrderIDLen); err != nil {
		return "", problem(http.StatusBadRequest, "%v.", err)
	}
	return id, nil
}

// order is one order's page: where it is, what happened, what the customer was told, what
// subscribers received and what came in about it, with the actions staff take on it.
func (con *Console) order(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, _, err := db.GetOrder(ctx, con.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return problem(http.StatusNotFound, "There is no order %q. An order created a moment ago shows here within seconds.", id)
	}
	if err != nil {
		return err
	}
	// The view is recorded before anything of the order is drawn, and is the first line of its
	// own Access section.
	if err := audit.Append(ctx, con.DB, audit.Entry{Action: audit.ActionReadOrder, Subject: id, OrderID: id,
		Detail: map[string]any{"read": "page"}}); err != nil {
		return err
	}
	page := orderView{Order: v, ResendToken: newResendToken()}
	// The trail is the admin's to read, as GET /v1/audit is.
	if page.ShowAccess = current(c).can(access.ScopeAdmin); page.ShowAccess {
		var next string
		if page.Access, next, err = audit.List(ctx, con.DB, audit.Filter{OrderID: id, Limit: orderAccess}); err != nil {
			return err
		}
		page.AccessMore = next != ""
	}
	if x := v.Exception; x != nil {
		a := con.age(*x)
		page.Exception = &a
	}
	entries, err := notify.NewLog(con.DB).ForOrder(ctx, id)
	if err != nil {
		return err
	}
	for _, e := range slices.Backward(entries) {
		o, ok := e.Origin()
		page.Messages = append(page.Messages, message{Entry: e, Resendable: ok, Resent: ok && o.Resend != ""})
	}
	if page.Deliveries, err = outbound.OrderDeliveries(ctx, con.DB, id, orderDeliveries); err != nil {
		return err
	}
	tracking := make([]string, len(v.Shipments))
	for i, s := range v.Shipments {
		tracking[i] = s.TrackingNumber
	}
	events, err := inbox.New(con.DB).ForOrder(ctx, id, tracking, v.CreatedAt.Add(-inboundMargin), orderInbound)
	if err != nil {
		return err
	}
	for _, e := range events {
		page.Inbound = append(page.Inbound, inbound{Event: e, Types: strings.Join(e.Delivery.Types(), ", ")})
	}
	for _, ch := range order.Channels {
		cc := channelChoice{Channel: ch, On: slices.Contains(v.Notify.Channels, ch)}
		if !v.Customer.Reaches(ch) {
			cc.Missing = ch.Contact()
		}
		page.Channels = append(page.Channels, cc)
	}
	if con.TrackingLink != nil {
		page.TrackingURL = con.TrackingLink(id)
	}
	if con.TemporalUI != "" {
		page.TemporalURL = strings.TrimRight(con.TemporalUI, "/") + "/namespaces/" + url.PathEscape(con.Namespace) +
			"/workflows/" + url.PathEscape(workflows.WorkflowID(id))
	}
	return render(c, http.StatusOK, "order", view{Title: "Order " + id, Nav: navOrders, Notice: notices[c.QueryParam("done")], Data: page})
}

// orderURL is the order's page, with what an action did.
func orderURL(id, done string) string {
	u := prefix + "/orders/" + url.PathEscape(id)
	if done != "" {
		u += "?done=" + done
	}
	return u
}

// resolve closes the order's open exception with staff's note, attributed to the session's
// person, through the order's workflow (the same update and checks as the API's). From the
// exceptions queue it goes back there.
func (con *Console) resolve(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	r := workflows.ResolveRequest{Note: c.FormValue(fieldNote), By: current(c).Actor}
	switch err := order.CheckResolution(r.Note, r.By); {
	case errors.Is(err, order.ErrNoNote):
		return problem(http.StatusBadRequest, "Say in the note what was done: it is the exception's only record of how it ended.")
	case err != nil:
		return problem(http.StatusBadRequest, "%v.", err)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), updateTimeout)
	defer cancel()
	err = audit.Within(ctx, con.DB, func(pgx.Tx) (audit.Entry, error) {
		_, err := workflows.UpdateOrder(ctx, con.Temporal, id, workflows.ResolveExceptionUpdate, r)
		return audit.Entry{Action: audit.ActionResolveException, Subject: id, OrderID: id, Detail: map[string]any{"by": r.By}}, err
	})
	if err != nil {
		return con.refused(c.Request().Context(), id, err)
	}
	con.Logger.Info("console resolved an exception", "order_id", id, "actor", r.By)
	to := orderURL(id, doneResolved)
	if c.FormValue(fieldBack) == backExceptions {
		to = prefix + "/exceptions?done=" + doneResolved
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// setChannels replaces the channels the customer is told on, as the voice line's
// subscribe_updates does: the workflow checks them again against the customer it has.
func (con *Console) setChannels(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return problem(http.StatusBadRequest, "The form could not be read.")
	}
	chs := []order.Channel{} // none ticked: no more messages
	for _, s := range form[fieldChannel] {
		ch, err := order.ParseChannel(s)
		if err != nil {
			return problem(http.StatusBadRequest, "Channels: %v; choose from %s.", err, order.ChannelNames())
		}
		chs = append(chs, ch)
	}
	ctx := c.Request().Context()
	customer, err := db.OrderCustomer(ctx, con.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return problem(http.StatusNotFound, "There is no order %q.", id)
	}
	if err != nil {
		return err
	}
	if err := customer.CheckChannels(chs); err != nil {
		return problem(http.StatusBadRequest, "Channels: %v.", err)
	}
	uctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	err = audit.Within(uctx, con.DB, func(pgx.Tx) (audit.Entry, error) {
		_, err := workflows.UpdateOrder(uctx, con.Temporal, id, workflows.SetChannelsUpdate, workflows.ChannelsRequest{Channels: chs})
		return audit.Entry{Action: audit.ActionSetChannels, Subject: id, OrderID: id, Detail: map[string]any{"channels": chs}}, err
	})
	if err != nil {
		return con.refused(ctx, id, err)
	}
	con.Logger.Info("console set notification channels", "order_id", id, "actor", current(c).Actor, "channels", chs)
	return c.Redirect(http.StatusSeeOther, orderURL(id, doneChannels))
}

// resend sends a message of the notification log again, on its own channel, through the
// order's workflow. The form's token and the message make the update's id, which keys the
// message: a click sends it once, however often the browser posts the form, and the next
// drawing of the page carries a new token for the next click.
func (con *Console) resend(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(c.FormValue(fieldNotification), 10, 64)
	if err != nil || n <= 0 {
		return problem(http.StatusBadRequest, "Choose a message of the notification log to send again.")
	}
	token := c.FormValue(fieldResend)
	if !validResendToken(token) {
		return problem(http.StatusBadRequest, "This form has expired. Reload the order and try again.")
	}
	ctx := c.Request().Context()
	e, err := notify.NewLog(con.DB).Get(ctx, id, n)
	if errors.Is(err, notify.ErrNotLogged) {
		return problem(http.StatusNotFound, "Message %d is not in order %s's notification log.", n, id)
	}
	if err != nil {
		return err
	}
	o, ok := e.Origin()
	if !ok {
		return problem(http.StatusConflict, "Message %d answered the customer's own text; only the order's own messages can be sent again.", n)
	}
	r := workflows.ResendRequest{Milestone: o.Milestone, ShipmentID: o.ShipmentID, Refund: o.Refund, Day: o.Day, Channel: o.Channel, By: current(c).Actor}
	uctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	var res workflows.ResendResult
	err = audit.Within(uctx, con.DB, func(pgx.Tx) (audit.Entry, error) {
		var err error
		res, err = workflows.ResendNotification(uctx, con.Temporal, id, resendID(token, n), r)
		return audit.Entry{Action: audit.ActionResend, Subject: id, OrderID: id,
			Detail: map[string]any{"notification": n, "channel": o.Channel, "milestone": o.Milestone, "key": res.Key}}, err
	})
	if err != nil {
		return con.refused(ctx, id, err)
	}
	con.Logger.Info("console resent a notification", "order_id", id, "actor", r.By, "key", res.Key)
	return c.Redirect(http.StatusSeeOther, orderURL(id, doneResent))
}

// A resend token is one drawing of the order page; with the message's id it makes the
// resend's update id. It is rand.Text's: 26 characters of base32.
const resendTokenLen = 26

func newResendToken() string { return rand.Text() }

func validResendToken(s string) bool {
	return len(s) == resendTokenLen && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
}

// resendID is the update id of resending message n from the page drawn with token.
func resendID(token string, n int64) string {
	return "console-resend-" + token + "-" + strconv.FormatInt(n, 10)
}

// refused puts an action's failure in words for staff: the order's own refusals (finished,
// nothing open, a shipment it lacks, input its rules refuse) as what they mean, and an engine
// that did not answer as a reason to try again. Anything else is ours.
func (con *Console) refused(ctx context.Context, id string, err error) error {
	var app *temporal.ApplicationError
	var unavailable *serviceerror.Unavailable
	switch {
	case errors.Is(err, workflows.ErrOrderNotRunning):
		if _, _, gerr := db.GetOrder(ctx, con.DB, id); errors.Is(gerr, db.ErrNotFound) {
			return problem(http.StatusNotFound, "There is no order %q.", id)
		}
		return problem(http.StatusConflict, "Order %s is finished: its workflow has ended, so nothing about it can change any more.", id)
	case errors.Is(err, order.ErrNoException):
		return problem(http.StatusConflict, "Order %s has no open exception: someone may have resolved it already.", id)
	case errors.Is(err, order.ErrUnknownShipment):
		return problem(http.StatusConflict, "Order %s no longer has the shipment that message was about.", id)
	case errors.Is(err, order.ErrClosed), errors.Is(err, order.ErrDelivered):
		return problem(http.StatusConflict, "Order %s refused it: %v.", id, err)
	case errors.As(err, &app):
		// A validator's refusal: the order's own words for input its rules do not take.
		return problem(http.StatusUnprocessableEntity, "Order %s refused it: %s.", id, app.Message())
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &unavailable):
		return problem(http.StatusServiceUnavailable, "The workflow engine did not answer in time. Reload the order to see whether it changed, and try again.")
	}
	return err
}

package console

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// The inbox page: the inbound events that have not reached their order's workflow (pending,
// waiting for their order or parcel to be known, or rejected), with why, and the replay that
// sends one through the relay again (inbox.Inbox.Replay, as POST /v1/inbound-events/{id}/replay
// does).

// inboxPerPage is one page of the inbox.
const inboxPerPage = 50

// inboxTabs are the statuses the inbox shows, each on its tab; applied events are done with.
var inboxTabs = []inbox.Status{inbox.StatusPending, inbox.StatusWaiting, inbox.StatusRejected}

// doneReplayed is ?done= after a replay.
const doneReplayed = "replayed"

// inboxNotices are what ?done= says after an action.
var inboxNotices = map[string]string{
	doneReplayed: "Replayed: the event is pending, and the relay sends it to its order now.",
}

func (con *Console) routeInbox(g *echo.Group) {
	if con.Inbox == nil {
		return
	}
	g.GET("/inbox", con.inbox, need(access.ScopeReadOrders))
	g.POST("/inbox/:id/replay", con.replayInbound, need(access.ScopeOperateOrders))
}

// inboxTab is one tab, with how many events it holds.
type inboxTab struct {
	Status inbox.Status
	Count  int
	More   bool // more than inbox.CountCap
}

// inboxRow is one inbound event.
type inboxRow struct {
	inbox.Event
	// Types are what the delivery carries: its commerce events' types and its scans' statuses.
	Types []string
	// Tracking is the first tracking number it names, for an event without an order.
	Tracking string
}

// inboxView is what inbox.html draws.
type inboxView struct {
	Status   inbox.Status
	Tabs     []inboxTab
	Events   []inboxRow
	NextPage template.URL
}

// inbox lists the inbound events of one status, newest first, a page at a time.
func (con *Console) inbox(c echo.Context) error {
	st := inbox.StatusPending
	if v := c.QueryParam(fieldStatus); v != "" {
		st = inbox.Status(v)
		if !slices.Contains(inboxTabs, st) {
			return problem(http.StatusBadRequest, "Status: must be pending, waiting or rejected.")
		}
	}
	cursor := c.QueryParam(fieldCursor)
	if err := order.CheckText("Page", cursor, maxCursorLen); err != nil {
		return problem(http.StatusBadRequest, "%v", err)
	}
	ctx := c.Request().Context()
	p, err := con.Inbox.List(ctx, st, inboxPerPage, cursor)
	if errors.Is(err, inbox.ErrBadCursor) {
		return problem(http.StatusBadRequest, "That page link is broken. Start from the inbox again.")
	}
	if err != nil {
		return err
	}
	err = audit.Append(ctx, con.DB, audit.Entry{Action: audit.ActionReadInbound, Detail: map[string]any{"status": st, "events": len(p.Events)}})
	if err != nil {
		return err
	}
	v := inboxView{Status: st}
	for _, t := range inboxTabs {
		n, err := con.Inbox.Count(ctx, t)
		if err != nil {
			return err
		}
		v.Tabs = append(v.Tabs, inboxTab{Status: t, Count: min(n, inbox.CountCap), More: n > inbox.CountCap})
	}
	for _, e := range p.Events {
		r := inboxRow{Event: e}
		for _, ce := range e.Delivery.Commerce {
			r.Types = append(r.Types, string(ce.Type))
		}
		for _, te := range e.Delivery.Tracking {
			r.Types = append(r.Types, "scan: "+string(te.Status))
			if r.Tracking == "" {
				r.Tracking = te.TrackingNumber
			}
		}
		v.Events = append(v.Events, r)
	}
	if p.Next != "" {
		v.NextPage = template.URL(prefix + "/inbox?" + url.Values{fieldStatus: {string(st)}, fieldCursor: {p.Next}}.Encode())
	}
	return render(c, http.StatusOK, "inbox", view{Title: "Inbox", Nav: navInbox,
		Notice: inboxNotices[c.QueryParam("done")], Data: v})
}

// replayInbound sends one stored event through the relay again, and comes back to the tab it
// was on.
func (con *Console) replayInbound(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return problem(http.StatusNotFound, "There is no such inbound event.")
	}
	back := inbox.Status(c.FormValue(fieldStatus))
	if !slices.Contains(inboxTabs, back) {
		back = inbox.StatusPending
	}
	if err := con.Inbox.Replay(c.Request().Context(), id); errors.Is(err, inbox.ErrNotFound) {
		return problem(http.StatusNotFound, "There is no such inbound event.")
	} else if err != nil {
		return err
	}
	con.Logger.Info("console replayed inbound event", "actor", current(c).Actor, "inbound_event", id)
	return c.Redirect(http.StatusSeeOther, prefix+"/inbox?"+url.Values{fieldStatus: {string(back)}, "done": {doneReplayed}}.Encode())
}

package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tokens"
	"github.com/shipflow/shipflow/voice"
	"github.com/shipflow/shipflow/workflows"
)

// voiceMount is a /voice group of a listener with what admits a request to its routes; auth
// is given whether the route's platform signs its requests (the handler checks that).
type voiceMount struct {
	g    *echo.Group
	auth func(signed bool) echo.MiddlewareFunc
}

// routeVoice mounts the voice tools on each mount, one handler for all. On the main listener
// POST /voice/tools takes a voice or driver bearer token. /voice/vapi and /voice/retell take
// one too, unless the platform's own signature is configured (VAPI_WEBHOOK_SECRET,
// RETELL_API_KEY): a Vapi server sends one credential only, so then the signature is what is
// required, checked by the handler before the body is parsed, and a bearer token, if sent,
// must still be a valid one (a driver's marks a driver).
func (s *server) routeVoice(mounts ...voiceMount) {
	cfg := s.Config
	deadline := cfg.VoiceDeadline
	store := voice.NewStore(s.DB)
	h := &voice.Handler{
		Source: voiceSource{db: s.DB, temporal: s.Temporal, workflowFirst: cfg.VoiceSource == "workflow", deadline: deadline},
		Actions: voiceActions{temporal: s.Temporal, db: s.DB, taskQueue: cfg.Temporal.TaskQueue, staff: workflows.Staffing{
			AlertChannels: cfg.Alerts.Channels(), Tickets: cfg.TicketsOn(), Deadline: cfg.EscalationSLA,
		}},
		Memo:     store,
		Attempts: store,
		Lookups:  store,
		Trail:    store,
		Deadline: deadline, FollowUp: cfg.EscalationSLA, Logger: s.Logger.With("component", "voice"),
		DriverPhones: cfg.VoiceDriverPhones,
		VapiSecrets:  cfg.VapiWebhookSecrets,
		RetellKeys:   cfg.RetellAPIKeys,
	}
	tools, vapi, retell := echo.WrapHandler(h.POSKAI()), echo.WrapHandler(h.Vapi()), echo.WrapHandler(h.Retell())
	for _, m := range mounts {
		m.g.POST("/tools", tools, m.auth(false))
		m.g.POST("/vapi", vapi, m.auth(len(cfg.VapiWebhookSecrets) > 0))
		m.g.POST("/retell", retell, m.auth(len(cfg.RetellAPIKeys) > 0))
	}
}

// voiceTokens are the environment's /voice bearer tokens, each a platform's (scope voice,
// named voice-N) or a driver's (scopes voice and driver, named driver-N). A token in both
// lists is a driver's.
func voiceTokens(platform, drivers []string) envTokenSet {
	var ts envTokenSet
	n := 0
	for _, t := range platform {
		if !slices.Contains(drivers, t) {
			n++
			ts.add(t, access.Actor{Name: fmt.Sprintf("voice-%d", n), Scopes: []access.Scope{access.ScopeVoice}})
		}
	}
	for i, t := range drivers {
		ts.add(t, access.Actor{Name: fmt.Sprintf("driver-%d", i+1), Scopes: []access.Scope{access.ScopeVoice, access.ScopeDriver}})
	}
	return ts
}

// voiceAuth admits a request carrying one of the environment's voice tokens, compared in
// constant time as bearer does, or a live named token with the voice or driver scope, and
// puts its actor on the request's context; a token with the driver scope marks a driver
// (voice.AsDriver). A valid token with neither scope is refused, 403. With signed, a request
// without a token passes on to the handler, which requires the platform's signature instead.
func (s *server) voiceAuth(env envTokenSet, signed bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			header := c.Request().Header.Get(echo.HeaderAuthorization)
			if header == "" && signed {
				return next(c)
			}
			given, ok := strings.CutPrefix(header, "Bearer ")
			if !ok || given == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="voice"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "missing bearer token")
			}
			a, err := s.actorOf(c.Request().Context(), env, given, access.ViaVoice)
			if errors.Is(err, tokens.ErrUnknown) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="voice", error="invalid_token"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "invalid bearer token")
			}
			if err != nil {
				return err
			}
			if !a.Can(access.ScopeVoice) && !a.Can(access.ScopeDriver) {
				return errorf(http.StatusForbidden, codeForbidden, "this token lacks the %s and %s scopes", access.ScopeVoice, access.ScopeDriver)
			}
			ctx := access.WithActor(c.Request().Context(), a)
			if a.Can(access.ScopeDriver) {
				ctx = voice.AsDriver(ctx)
			}
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// voiceSource answers voice lookups. By default only Postgres answers: the read model (about
// half a millisecond), and for an order it does not have yet, the inbox. Such an order may
// still be one shipflow acknowledged: its order.created is in the inbox, stored before the
// 2xx, and the relay or the projection has not caught up (a burst of orders, Temporal away).
// The inbox then answers with what that event says, so a caller asking right after ordering
// hears it was received rather than "not found" (issue 15), and a burst of any size never
// makes the line wait on the engine (issue 18: asking the workflow first put its backlog in
// the caller's p99, 400 ms in a 300-order burst).
//
// With workflowFirst (SHIPFLOW_VOICE_SOURCE=workflow) the workflow answers if it can within a
// quarter of the deadline (its measured p99 is under 50 ms on an idle engine), and otherwise
// the read model, read at the same time so that falling back costs nothing.
type voiceSource struct {
	db            *pgxpool.Pool
	temporal      client.Client
	workflowFirst bool
	deadline      time.Duration
}

type readModelAnswer struct {
	view order.View
	err  error
}

func (v voiceSource) Order(ctx context.Context, id string) (voice.Found, error) {
	if !v.workflowFirst {
		view, _, err := db.GetOrder(ctx, v.db, id)
		if errors.Is(err, db.ErrNotFound) {
			return v.accepted(ctx, id)
		}
		return voice.Found{View: view}, err
	}
	stored := make(chan readModelAnswer, 1)
	go func() {
		view, _, err := db.GetOrder(ctx, v.db, id)
		stored <- readModelAnswer{view, err}
	}()
	qctx, cancel := context.WithTimeout(ctx, v.deadline/4)
	view, err := workflows.QueryOrder(qctx, v.temporal, id)
	cancel()
	if err == nil {
		return voice.Found{View: view}, nil
	}
	r := <-stored
	if errors.Is(r.err, db.ErrNotFound) {
		// The workflow has had its quarter of the deadline already: one index probe is left.
		return v.accepted(ctx, id)
	}
	return voice.Found{View: r.view}, r.err
}

// accepted is the order as its accepted order.created delivery describes it, built by the
// order's own rules (order.New: channels the customer cannot be reached on are dropped), or
// voice.ErrNotFound when shipflow never acknowledged the order.
func (v voiceSource) accepted(ctx context.Context, id string) (voice.Found, error) {
	e, err := inbox.AcceptedOrder(ctx, v.db, id)
	if errors.Is(err, inbox.ErrNoAcceptedOrder) {
		return voice.Found{}, voice.ErrNotFound
	}
	if err != nil {
		return voice.Found{}, err
	}
	o, _, err := order.New(e)
	if err != nil {
		return voice.Found{}, fmt.Errorf("accepted order.created of %s: %w", id, err)
	}
	return voice.Found{View: o.View(), Received: true}, nil
}

func (v voiceSource) OrderForTracking(ctx context.Context, tn string) (string, error) {
	id, err := db.OrderForTracking(ctx, v.db, tn, "")
	if errors.Is(err, db.ErrNotFound) {
		return "", voice.ErrNotFound
	}
	return id, err
}

// voiceActions carries out what a call asks for, through the order's workflow updates. A
// call-back request for an order whose workflow has finished goes to a HumanRequest workflow
// of its own on taskQueue, for staff: the deployment's chats and ticketing now.
type voiceActions struct {
	temporal  client.Client
	db        *pgxpool.Pool
	taskQueue string
	staff     workflows.Staffing
}

func (v voiceActions) SetChannels(ctx context.Context, id string, chs []order.Channel) error {
	_, err := workflows.UpdateOrder(ctx, v.temporal, id, workflows.SetChannelsUpdate, workflows.ChannelsRequest{Channels: chs})
	return actionError(err)
}

func (v voiceActions) ReportDelay(ctx context.Context, id string, d order.Delay) error {
	_, err := workflows.UpdateOrder(ctx, v.temporal, id, workflows.ReportDelayUpdate, d)
	return actionError(err)
}

// actionError puts an update's error in the order's terms for the voice tools, which know
// the order sentinels (UpdateOrder maps the workflow's own refusals to them) but not
// Temporal: an order the voice line found whose workflow is no longer running is finished,
// and takes no more changes, as a closed order would.
func actionError(err error) error {
	if errors.Is(err, workflows.ErrOrderNotRunning) {
		return fmt.Errorf("%w: %w", order.ErrClosed, err)
	}
	return err
}

// RequestHuman records the request with the order's workflow, which alerts staff and notes the
// ticket with retries of its own, and says who it reaches. An order whose workflow has finished
// (delivered past its review request, cancelled), as the read model knows it, takes the request
// through a HumanRequest workflow that does the same: customers call about finished orders
// most of all, and telling them to try again would never work. An order not in the read
// model yet is still starting: that error stands, and trying again in a moment will work.
func (v voiceActions) RequestHuman(ctx context.Context, id string, r order.HumanRequest) (voice.Staffed, error) {
	res, err := workflows.RequestHuman(ctx, v.temporal, id, r)
	if errors.Is(err, workflows.ErrOrderNotRunning) {
		if known, kerr := db.OrderKnown(ctx, v.db, id); kerr != nil {
			err = errors.Join(err, kerr)
		} else if known {
			res, err = workflows.RequestHumanAfter(ctx, v.temporal, v.taskQueue, id, r, v.staff)
		}
	}
	if err != nil {
		return voice.Staffed{}, err
	}
	return voice.Staffed{Chats: len(res.Chats), Ticket: res.Ticket}, nil
}

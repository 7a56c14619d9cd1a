// Package console is the operations console at /console: server-rendered pages where staff
// find orders, work the exceptions queue, manage webhook endpoints and connectors, replay the
// inbox and see how deliveries go. A person signs in with an admin token of the environment or
// a named token and works in a session stored in Postgres, so any serve replica serves any
// session; the session keeps the token's scopes, and each page and action requires one.
//
// Pages are html/template, enhanced by two vendored libraries embedded in the binary (htmx for
// partial updates, Chart.js for the insight charts): every page works without them, and no
// Node build step is needed. They run under the tracking page's nonce-based
// Content-Security-Policy.
package console

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/outbound"
)

// Route prefix of every console page.
const prefix = "/console"

// Token is an admin token the console accepts at sign-in, and the name what its holder does is
// attributed to.
type Token struct {
	Name   string
	Secret string
}

// Console serves the console's pages.
type Console struct {
	DB       *pgxpool.Pool
	Temporal client.Client
	Logger   *slog.Logger
	// Tokens open the console; none keeps everyone out.
	Tokens []Token
	// Secure marks the session cookie Secure (and __Host- prefixed): everywhere but
	// `shipflow dev`, which serves plain HTTP on loopback.
	Secure bool
	// TemporalUI is the Temporal UI's base URL, for a link to an order's workflow; "" for none.
	TemporalUI string
	Namespace  string
	// TrackingLink is an order's tracking page link; nil for none.
	TrackingLink func(orderID string) string
	// SLA is how long an exception may stay open before it escalates (SHIPFLOW_ESCALATION_SLA);
	// the exceptions queue shows each one's age against it. Zero is the workflows' default.
	SLA time.Duration
	// Now is the clock sessions expire and exceptions age by; nil is the system clock.
	Now func() time.Time
	// Webhooks are the management operations of webhook endpoints, feeds and connectors and
	// their deliveries, the JSON API's own (with its egress policy, sender and credentials
	// codec); nil leaves the webhooks pages out.
	Webhooks *outbound.API
	// Inbox is the inbound events' store, for the inbox page and its replays; nil leaves the
	// page out.
	Inbox *inbox.Inbox

	digests [][32]byte
}

// Register mounts the console on e. signIn guards the sign-in form against guessing (a
// per-client rate limit).
func (con *Console) Register(e *echo.Echo, signIn echo.MiddlewareFunc) {
	con.digests = make([][32]byte, len(con.Tokens))
	for i, t := range con.Tokens {
		con.digests[i] = sha256.Sum256([]byte(t.Secret))
	}
	e.GET(prefix, func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, prefix+"/orders") })
	e.GET(prefix+"/static/:file", serveStatic)
	e.GET(prefix+"/sign-in", con.signInForm)
	e.POST(prefix+"/sign-in", con.signIn, signIn)

	g := e.Group(prefix, con.pages, con.session)
	g.POST("/sign-out", con.signOut)
	con.routeOrders(g)
	con.routeOrder(g)
	con.routeWebhooks(g)
	con.routeInbox(g)
	con.routeInsight(g)
	con.routeTokens(g)
	con.routeAudit(g)
}

func (con *Console) now() time.Time {
	if con.Now != nil {
		return con.Now()
	}
	return time.Now()
}

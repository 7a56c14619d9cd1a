package server

import (
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/payload"
)

// codecAllowHeaders are what the Temporal UI sends to a codec server: the payloads as JSON,
// the namespace, and (with "pass access token" on) a bearer token.
const codecAllowHeaders = "Authorization, Content-Type, X-Namespace"

// routeCodec mounts the codec server the Temporal UI and CLI call to show sealed payloads to
// an admin (docs/temporal-codec.md): POST /codec/encode and /codec/decode, also under a
// namespace segment for the CLI's {namespace} templating. Without payload keys there is
// nothing to open and no route. The routes are written here rather than with the SDK's
// converter.NewPayloadCodecHTTPHandler, which answers refusals in plain text: these answer in
// the API's one error shape.
func (s *server) routeCodec(e *echo.Echo) {
	if len(s.Config.PayloadKeys) == 0 {
		return
	}
	codec, err := payload.NewCodec(s.Config.PayloadKeys)
	if err != nil {
		panic(err) // config validated the keys: a codec over them cannot fail
	}
	// CORS goes first: a browser's preflight carries no credentials.
	g := e.Group(strings.TrimSuffix(prefixCodec, "/"), codecCORS(s.Config.CodecCORSOrigins), s.bearer("admin", s.Config.AdminTokens, s.Config.AdminTokenNames),
		requireScope(access.ScopeAdmin))
	methods := []string{http.MethodPost, http.MethodOptions}
	encode, decode := s.codecRoute(codec.Encode, false), s.codecRoute(codec.Decode, true)
	g.Match(methods, "/encode", encode)
	g.Match(methods, "/decode", decode)
	g.Match(methods, "/:namespace/encode", encode)
	g.Match(methods, "/:namespace/decode", decode)
}

// codecRoute answers the codec server protocol: Payloads as protobuf JSON in, Payloads out.
// An opening (audited) is in the audit trail, one entry per call: the Temporal UI opens an
// order's payloads, customer details included, for the person at it. Nothing in a payload
// names its order, so the entry says how many were opened, not of which order.
func (s *server) codecRoute(apply func([]*commonpb.Payload) ([]*commonpb.Payload, error), audited bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err // capBody answers a body over the cap
		}
		var in commonpb.Payloads
		if err := protojson.Unmarshal(body, &in); err != nil {
			return errorf(http.StatusBadRequest, codeInvalidJSON, "body is not Temporal Payloads JSON ({\"payloads\":[...]})")
		}
		out, err := apply(in.GetPayloads())
		if err != nil {
			return errorf(http.StatusUnprocessableEntity, codeUnprocessable, "%s", err.Error())
		}
		if audited {
			entry := audit.Entry{Action: audit.ActionDecodePayloads, Subject: c.Param("namespace"), Detail: map[string]any{"payloads": len(out)}}
			if err := audit.Append(c.Request().Context(), s.DB, entry); err != nil {
				return err
			}
		}
		b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	}
}

// codecCORS lets the Temporal UI, served from another origin, call the codec server from
// the user's browser: only the listed origins, credentials allowed (the UI's "include
// cross-origin credentials" sends cookies an authenticating proxy in front may need). A
// preflight from any other origin gets no CORS headers, which the browser takes as a refusal.
func codecCORS(origins []string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req, h := c.Request(), c.Response().Header()
			h.Add(echo.HeaderVary, echo.HeaderOrigin)
			origin := req.Header.Get(echo.HeaderOrigin)
			allowed := origin != "" && slices.Contains(origins, origin)
			if allowed {
				h.Set(echo.HeaderAccessControlAllowOrigin, origin)
				h.Set(echo.HeaderAccessControlAllowCredentials, "true")
			}
			if req.Method != http.MethodOptions {
				return next(c)
			}
			if allowed {
				h.Set(echo.HeaderAccessControlAllowMethods, http.MethodPost)
				h.Set(echo.HeaderAccessControlAllowHeaders, codecAllowHeaders)
				h.Set(echo.HeaderAccessControlMaxAge, "600")
			}
			return c.NoContent(http.StatusNoContent)
		}
	}
}

package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/privacy"
)

// routePrivacy adds the privacy requests' routes to the /v1 group (README "Privacy requests").
func (s *server) routePrivacy(v1 *echo.Group, m ...echo.MiddlewareFunc) {
	v1.POST("/privacy/exports", s.privacyExport, m...)
	v1.GET("/privacy/exports/:id", s.privacyKeptExport, m...)
	v1.POST("/privacy/erasures", s.privacyErase, m...)
	v1.GET("/privacy/erasures/:id", s.privacyErasure, m...)
}

// privacyKey keys request ids (privacy.RequestID): the deployment's tracking secret, under
// the id's own label, so an id does not give away the email it was derived from.
func (s *server) privacyKey() []byte { return []byte(s.Config.TrackingSecret) }

// privacyExport is POST /v1/privacy/exports: everything held about a customer, as one JSON
// document. The audit entry names the request and the orders, never the email or phone.
func (s *server) privacyExport(c echo.Context) error {
	sub, err := privacy.ParseRequest(c.Request().Body)
	if err != nil {
		return adapterError(err)
	}
	ctx := c.Request().Context()
	d, err := privacy.Export(ctx, s.DB, s.Temporal, privacy.Scope{Subject: sub}, s.now())
	if err != nil {
		return err
	}
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	for _, o := range d.Orders {
		if err := audit.Append(ctx, s.DB, audit.Entry{Action: audit.ActionExport, Subject: rid, OrderID: o.OrderID}); err != nil {
			return err
		}
	}
	if len(d.Orders) == 0 {
		if err := audit.Append(ctx, s.DB, audit.Entry{Action: audit.ActionExport, Subject: rid}); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, d)
}

// erasureAnswer is what POST /v1/privacy/erasures answers.
type erasureAnswer struct {
	ID     string         `json:"id"`
	Status privacy.Status `json:"status"`
}

// privacyErase is POST /v1/privacy/erasures: starts the erasure (a workflow) and answers 202
// with its id; the same request while it runs is the same erasure.
func (s *server) privacyErase(c echo.Context) error {
	sub, err := privacy.ParseRequest(c.Request().Body)
	if err != nil {
		return adapterError(err)
	}
	ctx := c.Request().Context()
	a, ok := access.ActorFrom(ctx)
	if !ok {
		a = access.Actor{Name: "api", Via: access.ViaAPI}
	}
	sc := privacy.Scope{Subject: sub}
	in := privacy.Input{ID: privacy.RequestID(privacy.KindErasure, s.privacyKey(), sc), Scope: sc, By: a.Name, Via: a.Via}
	if err := s.beginPrivacy(c, privacy.KindErasure, in, "", false); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, erasureAnswer{ID: in.ID, Status: privacy.StatusPending})
}

// beginPrivacy records a request with its audit entry in one transaction, then starts its
// workflow. The request's source, and the entry's actor, are who asked (in.By, in.Via). A failure to start leaves the row pending, and the caller a 503 to retry with; a
// platform's retry (once) finds the row and starts the workflow if it never ran, and changes
// nothing if it did.
func (s *server) beginPrivacy(c echo.Context, k privacy.Kind, in privacy.Input, topic string, once bool) error {
	ctx := c.Request().Context()
	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	fresh, err := privacy.Begin(ctx, tx, in.ID, k, string(in.Via), topic, !once)
	if err != nil {
		return err
	}
	act := audit.ActionErase
	if k == privacy.KindExport {
		act = audit.ActionExport
	}
	detail := map[string]any{"request": in.ID, "orders": len(in.Scope.OrderIDs)}
	if topic != "" {
		detail["topic"] = topic
	}
	e := audit.Entry{Actor: in.By, Via: in.Via, Action: act, Subject: in.ID, Detail: detail}
	if fresh {
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if err := privacy.Start(ctx, s.Temporal, s.Config.Temporal.TaskQueue, k, in, once); err != nil {
		s.requestLogger(c).Error("start privacy request", "id", in.ID, "err", err)
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "the request could not be started right now; retry later")
	}
	return nil
}

// privacyErasure is GET /v1/privacy/erasures/:id.
func (s *server) privacyErasure(c echo.Context) error {
	r, err := s.privacyRecord(c, privacy.KindErasure)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// keptExport is GET /v1/privacy/exports/:id's answer: the request, and once done the document.
type keptExport struct {
	privacy.Record
	Document json.RawMessage `json:"document,omitempty"`
}

// privacyKeptExport is GET /v1/privacy/exports/:id: an export kept for the merchant
// (Shopify's customers/data_request). Reading it is audited like making it.
func (s *server) privacyKeptExport(c echo.Context) error {
	r, err := s.privacyRecord(c, privacy.KindExport)
	if err != nil {
		return err
	}
	out := keptExport{Record: r}
	if r.Document != "" {
		if out.Document, err = privacy.OpenDocument(s.Secrets, r); err != nil {
			return err
		}
		if err := audit.Append(c.Request().Context(), s.DB, audit.Entry{Action: audit.ActionExport, Subject: r.ID,
			Detail: map[string]any{"read": true}}); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) privacyRecord(c echo.Context, k privacy.Kind) (privacy.Record, error) {
	id := c.Param("id")
	if err := order.CheckKey("id", id, order.MaxIDLen); err != nil {
		return privacy.Record{}, errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	r, err := privacy.Get(c.Request().Context(), s.DB, k, id)
	if errors.Is(err, privacy.ErrNotFound) {
		return r, errorf(http.StatusNotFound, codeNotFound, "no privacy %s %q", k, id)
	}
	return r, err
}

// shopifyCompliance takes Shopify's mandatory compliance webhooks: verified as every Shopify
// delivery is, then customers/redact and shop/redact start an erasure and
// customers/data_request an export kept for the merchant. The answer is a 200 once the
// request is recorded and its workflow started, so it is never lost; a retried delivery is
// the same request (its id is the delivery's).
func (s *server) shopifyCompliance(c echo.Context, src source) error {
	if !src.on {
		return errorf(http.StatusNotFound, codeNotFound, "%s webhooks are switched off: set %s to turn them on", src.name, src.setting)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	delivery, err := src.verify(c, body)
	if err != nil {
		return signatureError(err)
	}
	topic := c.Request().Header.Get("X-Shopify-Topic")
	req, err := shopify.ParseCompliance(topic, body)
	if err != nil {
		return adapterError(err)
	}
	if delivery == "" {
		sum := sha256.Sum256(body)
		delivery = "sha256:" + hex.EncodeToString(sum[:16])
	}
	sc := privacy.Scope{OrderIDs: req.OrderIDs}
	// Shopify sends the contact as the shop has it: one that is no valid address or
	// international number names nobody here, and the orders it lists still go.
	if sub, err := (privacy.Request{Email: req.Email}).Subject(); err == nil {
		sc.Subject.Email = sub.Email
	}
	if sub, err := (privacy.Request{Phone: req.Phone}).Subject(); err == nil {
		sc.Subject.Phone = sub.Phone
	}
	k := privacy.KindErasure
	switch topic {
	case shopify.TopicCustomersDataRequest:
		k = privacy.KindExport
	case shopify.TopicShopRedact:
		// Orders do not record which shop they came from: a deployment serves one shop, so
		// the shop's redaction is every order that came from Shopify.
		sc.Origin = order.OriginShopify
	}
	if sc.Subject.IsZero() && len(sc.OrderIDs) == 0 && sc.Origin == "" {
		return c.JSON(http.StatusOK, ack{Status: "ignored", Reason: "the request names no customer or order known by its form"})
	}
	in := privacy.Input{ID: privacy.DeliveryRequestID(k, string(access.ViaShopify), delivery), Scope: sc, By: "shopify", Via: access.ViaShopify}
	if err := s.beginPrivacy(c, k, in, topic, true); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, complianceAck{Status: "accepted", Request: in.ID})
}

// complianceAck answers a compliance webhook: the request's id, for GET
// /v1/privacy/erasures/:id or /v1/privacy/exports/:id.
type complianceAck struct {
	Status  string `json:"status"`
	Request string `json:"request"`
}

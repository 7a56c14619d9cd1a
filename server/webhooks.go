package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/carriers/generic"
	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/commerce/woocommerce"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
)

// source is one inbound webhook endpoint: how its deliveries are verified and parsed.
// Verification always runs over the raw body, before any parsing.
type source struct {
	name string
	// setting names what switches the source on, for the answer when it is off.
	setting string
	on      bool
	// verify checks the signature and returns the delivery id the headers carry, if any.
	verify func(c echo.Context, body []byte) (eventID string, err error)
	parse  func(c echo.Context, eventID string, body []byte) (inbox.Delivery, error)
}

// sources builds the inbound endpoints from configuration. Each accepts its current secret
// and, during a rotation, the previous one (the *_PREVIOUS settings). Every verify func works
// on the raw body and the headers only, in time bounded by the body's length: the signature
// package refuses malformed headers before it computes any MAC.
func (s *server) sources() (commerceSrc, shopifySrc, wooSrc source, carrierSrcs map[string]source) {
	cfg := s.Config
	now := s.now
	prev := cfg.Previous
	var (
		commerceSecrets  = config.Secrets(cfg.CommerceWebhookSecret, prev.Commerce)
		carrierSecrets   = config.Secrets(cfg.CarrierWebhookSecret, prev.Carrier)
		shopifySecrets   = config.Secrets(cfg.ShopifyWebhookSecret, prev.Shopify)
		wooSecrets       = config.Secrets(cfg.WooCommerceWebhookSecret, prev.WooCommerce)
		aftershipSecrets = config.Secrets(cfg.AfterShipWebhookSecret, prev.AfterShip)
		easypostSecrets  = config.Secrets(cfg.EasyPostWebhookSecret, prev.EasyPost)
	)
	commerceSrc = source{
		name: inbox.SourceCommerce, setting: "SHIPFLOW_COMMERCE_WEBHOOK_SECRET", on: len(commerceSecrets) > 0,
		verify: func(c echo.Context, body []byte) (string, error) {
			return signature.VerifyStandard(commerceSecrets, c.Request().Header, body, now())
		},
		parse: func(_ echo.Context, id string, body []byte) (inbox.Delivery, error) { return commerce.Parse(id, body) },
	}
	shopifySrc = source{
		name: inbox.SourceShopify, setting: "SHOPIFY_WEBHOOK_SECRET", on: len(shopifySecrets) > 0,
		verify: func(c echo.Context, body []byte) (string, error) {
			h := c.Request().Header
			if err := signature.VerifyHMACBase64(shopifySecrets, h.Get("X-Shopify-Hmac-Sha256"), body); err != nil {
				return "", err
			}
			// Shopify retries a delivery with the same event id; the webhook id is the older header.
			if id := h.Get("X-Shopify-Event-Id"); id != "" {
				return id, nil
			}
			return h.Get("X-Shopify-Webhook-Id"), nil
		},
		parse: func(c echo.Context, id string, body []byte) (inbox.Delivery, error) {
			return shopify.Parse(c.Request().Header.Get("X-Shopify-Topic"), id, body)
		},
	}
	wooSrc = source{
		name: inbox.SourceWooCommerce, setting: "WOOCOMMERCE_WEBHOOK_SECRET", on: len(wooSecrets) > 0,
		verify: func(c echo.Context, body []byte) (string, error) {
			h := c.Request().Header
			if err := signature.VerifyHMACBase64(wooSecrets, h.Get("X-WC-Webhook-Signature"), body); err != nil {
				return "", err
			}
			return h.Get("X-WC-Webhook-Delivery-ID"), nil
		},
		parse: func(c echo.Context, id string, body []byte) (inbox.Delivery, error) {
			return woocommerce.Parse(c.Request().Header.Get("X-WC-Webhook-Topic"), id, body)
		},
	}
	carrierSrcs = map[string]source{
		inbox.SourceGeneric: {
			name: inbox.SourceGeneric, setting: "SHIPFLOW_CARRIER_WEBHOOK_SECRET", on: len(carrierSecrets) > 0,
			verify: func(c echo.Context, body []byte) (string, error) {
				return signature.VerifyStandard(carrierSecrets, c.Request().Header, body, now())
			},
			parse: func(_ echo.Context, _ string, body []byte) (inbox.Delivery, error) { return generic.ParseWebhook(body) },
		},
		inbox.SourceAfterShip: {
			name: inbox.SourceAfterShip, setting: "AFTERSHIP_WEBHOOK_SECRET", on: len(aftershipSecrets) > 0,
			verify: func(c echo.Context, body []byte) (string, error) {
				return "", signature.VerifyHMACBase64(aftershipSecrets, c.Request().Header.Get("aftership-hmac-sha256"), body)
			},
			parse: func(_ echo.Context, _ string, body []byte) (inbox.Delivery, error) {
				return aftership.ParseWebhook(body)
			},
		},
		inbox.SourceEasyPost: {
			name: inbox.SourceEasyPost, setting: "EASYPOST_WEBHOOK_SECRET", on: len(easypostSecrets) > 0,
			verify: func(c echo.Context, body []byte) (string, error) {
				return "", signature.VerifyEasyPost(easypostSecrets, c.Request().Header.Get("X-Hmac-Signature"), body)
			},
			parse: func(_ echo.Context, _ string, body []byte) (inbox.Delivery, error) {
				return easypost.ParseWebhook(body)
			},
		},
		inbox.SourceShipEngine: {
			name: inbox.SourceShipEngine, setting: "SHIPENGINE_WEBHOOK_KEYS_URL", on: s.ShipEngineKeys != nil,
			verify: func(c echo.Context, body []byte) (string, error) {
				return "", signature.VerifyShipEngine(c.Request().Context(), s.ShipEngineKeys, c.Request().Header, body, now())
			},
			parse: func(_ echo.Context, _ string, body []byte) (inbox.Delivery, error) {
				return shipengine.ParseWebhook(body)
			},
		},
	}
	return commerceSrc, shopifySrc, wooSrc, carrierSrcs
}

// ack is the answer to an accepted, duplicate or ignored delivery.
type ack struct {
	Status string `json:"status"` // accepted, duplicate, ignored
	ID     int64  `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// accept is the one path every inbound webhook takes: verify the raw body, parse and
// normalise it, store it in the inbox, and only then answer 2xx. Any failure before the store
// leaves nothing behind.
func (s *server) accept(c echo.Context, src source) error {
	if !src.on {
		return errorf(http.StatusNotFound, codeNotFound, "%s webhooks are switched off: set %s to turn them on", src.name, src.setting)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or the client went away
	}
	id, err := src.verify(c, body)
	if err != nil {
		return signatureError(err)
	}
	d, err := src.parse(c, id, body)
	if errors.Is(err, inbox.ErrIgnored) {
		return c.JSON(http.StatusOK, ack{Status: "ignored", Reason: err.Error()})
	}
	if err != nil {
		return adapterError(err)
	}
	if len(d.Commerce) == 0 && len(d.Tracking) == 0 {
		return c.JSON(http.StatusOK, ack{Status: "ignored", Reason: "the delivery carries no event"})
	}
	d.Source = src.name
	if d.EventID == "" {
		d.EventID = id
	}
	if d.EventID == "" { // a provider without delivery ids: the same body is the same delivery
		sum := sha256.Sum256(body)
		d.EventID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	// Every parser returns a delivery that passed inbox's Check; what this function added to
	// it, the id from the headers, is checked here.
	if err := order.CheckText("event id", d.EventID, order.MaxIDLen); err != nil {
		return adapterError(err)
	}
	a, err := s.Inbox.Accept(c.Request().Context(), d)
	if err != nil {
		// Not stored, and not the sender's fault: a 503 makes it retry later.
		s.requestLogger(c).Error("store inbound delivery", "source", d.Source, "err", err)
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "the event could not be stored right now; retry later")
	}
	s.inboundAccepted.WithLabelValues(src.name, map[bool]string{true: "duplicate", false: "accepted"}[a.Duplicate]).Inc()
	if a.Duplicate {
		return c.JSON(http.StatusOK, ack{Status: "duplicate"})
	}
	return c.JSON(http.StatusOK, ack{Status: "accepted", ID: a.ID})
}

// signatureError answers 401 saying which check failed, never what was expected. A failure
// to consult the keys (ShipEngine's key set unreachable) is ours, not the sender's: 503, so it
// retries.
func signatureError(err error) error {
	switch {
	case errors.Is(err, signature.ErrMissing):
		return errorf(http.StatusUnauthorized, codeUnauthorized, "missing webhook signature: %v", err)
	case errors.Is(err, signature.ErrTimestamp):
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook timestamp rejected: %v", err)
	case errors.Is(err, signature.ErrMismatch):
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook signature does not verify")
	case errors.Is(err, signature.ErrBadSecret):
		return fmt.Errorf("configured webhook secret is unusable: %w", err)
	default:
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "cannot verify the signature right now; retry later")
	}
}

// adapterError maps what a parser says about a body onto the answers docs/reference/inbound.md documents.
func adapterError(err error) error {
	var fe *order.FieldError
	switch {
	case errors.Is(err, inbox.ErrUnsupported):
		return errorf(http.StatusUnprocessableEntity, codeUnprocessable, "%v", err)
	case errors.As(err, &fe) && fe.Problem == "is required":
		return errorf(http.StatusBadRequest, codeMissingField, "%s is required", fe.Field)
	case errors.As(err, &fe):
		return errorf(http.StatusBadRequest, codeInvalidField, "%s", fe.Error())
	default:
		return apierr.Decode(err)
	}
}

func (s *server) routeWebhooks(e *echo.Echo) {
	commerceSrc, shopifySrc, wooSrc, carriers := s.sources()
	e.POST("/webhooks/commerce", func(c echo.Context) error { return s.accept(c, commerceSrc) })
	e.POST("/webhooks/shopify", func(c echo.Context) error {
		if shopify.IsCompliance(c.Request().Header.Get("X-Shopify-Topic")) {
			return s.shopifyCompliance(c, shopifySrc)
		}
		return s.accept(c, shopifySrc)
	})
	e.POST("/webhooks/woocommerce", func(c echo.Context) error {
		// WooCommerce pings a new webhook with an unsigned form post; it must get a 200 or
		// the webhook is never saved.
		if c.Request().Header.Get("X-WC-Webhook-Signature") == "" {
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return err
			}
			if woocommerce.IsPing(c.Request().Header.Get(echo.HeaderContentType), body) {
				return c.JSON(http.StatusOK, ack{Status: "ignored", Reason: "webhook creation ping"})
			}
			return signatureError(signature.ErrMissing)
		}
		return s.accept(c, wooSrc)
	})
	e.POST("/webhooks/carriers/:provider", func(c echo.Context) error {
		src, ok := carriers[c.Param("provider")]
		if !ok {
			return errorf(http.StatusNotFound, codeNotFound, "unknown carrier provider %q (generic, aftership, easypost, shipengine)", c.Param("provider"))
		}
		return s.accept(c, src)
	})
}

// now is the clock signatures are checked against; tests may move it.
func (s *server) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

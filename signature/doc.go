// Package signature verifies the signatures that webhook senders put on the
// requests they make to shipflow, and signs the Standard Webhooks requests
// that shipflow makes itself.
//
// It owns one decision: was this body sent, unchanged, by someone holding
// the key? Everything else about a webhook (its size limit, its JSON, its
// event id) belongs to the HTTP layer. Three rules follow from that:
//
//   - Verification runs over the raw request body, byte for byte, before
//     anything parses it. A parsed and re-encoded body is a different
//     message and would not match; worse, parsing attacker-controlled input
//     before the sender is known widens the attack surface for nothing.
//   - Signatures are compared in constant time (hmac.Equal, or an RSA
//     verification), so response timing tells an attacker nothing about how
//     close a forged signature came.
//   - Errors never contain a secret, a derived key or the expected
//     signature, so they can be logged and returned to the caller as they
//     are. Every failure wraps one of ErrMissing, ErrMismatch, ErrTimestamp
//     or ErrBadSecret, which the HTTP layer maps to 401 with errors.Is.
//
// Schemes, one file each:
//
//   - Standard Webhooks (standard.go): shipflow's own commerce and generic
//     carrier endpoints, and shipflow's outbound webhooks.
//   - Base64 HMAC-SHA256 of the body (hmac.go): Shopify, WooCommerce and
//     AfterShip.
//   - EasyPost's hex HMAC with an NFKD-normalised key (easypost.go).
//   - ShipEngine's RSA-SHA256 with keys from a JWKS endpoint
//     (shipengine.go, jwks.go).
package signature

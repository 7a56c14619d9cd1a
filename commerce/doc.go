// Package commerce turns commerce-platform webhooks into inbox deliveries.
//
// It owns shipflow's own signed commerce events (docs/reference/inbound.md, POST
// /webhooks/commerce): Parse reads one body into an order.CommerceEvent.
// Its subpackages shopify and woocommerce adapt those platforms' webhooks
// to the same events, and this package holds the small parsing rules they
// share, so that every adapter reads identifiers, times, contacts and
// amounts alike and answers a bad field the same way: with an
// *order.FieldError naming the field by its path in the payload.
//
// Adapters only parse: signatures are verified before they run, and
// nothing here does I/O or keeps state.
package commerce

// Package egress owns one decision: may shipflow open a connection to this
// address on behalf of a URL that somebody else chose? Outbound webhooks
// (docs/reference/outbound-webhooks.md) go to subscriber URLs that anyone with an admin token can
// set, so without this package such a URL could make shipflow reach its own
// loopback services, the private network it runs in, or the cloud metadata
// endpoint at 169.254.169.254, and report back what it saw (server-side
// request forgery). Only global unicast addresses on the public internet
// may be reached, plus whatever the operator lists in
// SHIPFLOW_WEBHOOK_ALLOWED_CIDRS (Policy.Allowed).
//
// # Why the guard runs at dial time
//
// NewClient's client checks the address of every connection attempt inside
// the dialer (net.Dialer.ControlContext), after the name has been resolved
// and immediately before the socket connects. Checking anywhere earlier
// leaves gaps an attacker can choose to use:
//
//   - DNS rebinding. A name is resolved again for every connection, and its
//     owner controls the answers: it can resolve to a public address when
//     the URL is saved and to 127.0.0.1 when the webhook is sent, or
//     alternate between the two with a TTL of zero. Only the address
//     actually being connected to is worth checking.
//   - Names with several addresses. A check of "the" address of a name
//     looks at one answer while the dialer may connect to another; the
//     dialer's hook sees each one it tries.
//   - Redirects and proxies. Both make some other host or component pick
//     the destination. The client therefore follows no redirect (a 3xx
//     comes back to the caller, as docs/reference/outbound-webhooks.md requires) and uses no
//     proxy (a proxy would dial the real destination on our behalf, out of
//     the guard's sight).
//
// CheckURL is the save-time check for the management API. It cannot be the
// real guard, since a name's addresses may change at any moment after it
// ran, so it does not resolve names at all; it exists to reject, with a
// clear message while the operator is still at the keyboard, URLs that
// could never be delivered to: the wrong scheme, credentials in the URL, a
// literal IP address that is not public. The dial-time guard then catches
// everything that only DNS can reveal.
//
// Errors name the refused address but never the URL's user information, so
// they can be logged and stored with a delivery attempt as they are.
//
// # When to call again
//
// Every call leaving shipflow (webhooks, carriers, staff chats, Zendesk) may be
// answered 429 or 503 with a Retry-After. RetryAfter is the one reading of
// that header, so they all wait the same, capped, amount for the same answer.
package egress

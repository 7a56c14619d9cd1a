// Package trackpage owns the customer's live tracking page: the page a
// customer reaches from the link in a shipping message (/track/{token},
// token from package tracklink), and the Server-Sent Events stream that
// keeps it current while it is open.
//
// The page is complete without JavaScript: it is rendered on the server
// from the order's view, in the customer's language (English or
// Lithuanian) and time zone. A small inline script subscribes to
// /track/{token}/events and swaps in the re-rendered main section each
// time the order changes, so one template draws both the first page and
// every update.
//
// The page is public to anyone holding the link, so it is also where the
// order's view is cut down to what a customer may see: the first name,
// statuses, places, times and item names, never a surname, an email
// address, a phone number, a street address, a price or staff notes.
package trackpage

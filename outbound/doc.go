// Package outbound owns delivering the lifecycle's events to subscribers, from the outbox to the
// last retry (the contract is docs/reference/outbound-webhooks.md): the destinations (endpoint.go) and their kinds, each sent
// by its Transport (transport.go), the staff milestone feeds among them, whose deliveries go as
// digests (feed.go, feedurl.go, digest.go; docs/reference/feeds.md); the published Event and its deliveries, stored in the same
// transaction (event.go, delivery.go, outbox.go); the signed attempt (attempt.go, body.go) and
// the schedule of retries (schedule.go); the pass that makes an attempt and records it
// (pass.go); the dispatcher that makes every first attempt straight from Postgres and the
// check for stranded deliveries (dispatch.go, stranded.go); the Temporal workflow that follows
// the schedule after that, and its activities (workflow.go, activity.go); endpoints' own
// request headers (headers.go), test events sent on demand (testevent.go) and the event
// catalogue with its examples (catalogue.go); and the management API of endpoints, deliveries,
// test events and the catalogue (api.go, api_deliveries.go, api_test_events.go), which the
// server mounts.
//
// Attempt makes a single signed POST and classifies the answer into an Outcome; NextDelay
// turns the number of attempts made so far into the wait before the next one. Neither keeps
// state or sleeps: storing attempts, disabling endpoints and waiting belong to the caller,
// which is what lets a workflow replay them deterministically.
//
// Attempt must be given a client from egress.NewClient: that client refuses non-global
// addresses at dial time and never follows redirects, and this package relies on both rather
// than checking again.
//
// The package sits below package activities and package workflows: it imports neither. The
// delivery workflow calls the staff alert activity by its registered name
// (AlertStaffActivity).
package outbound

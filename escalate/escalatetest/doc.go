// Package escalatetest runs local stand-ins for the services shipflow escalates to, Slack,
// Microsoft Teams and Google Chat incoming webhooks and the Zendesk and Freshdesk Tickets APIs, so
// that tests anywhere in the repository can exercise the real clients over real HTTP without an
// account or a network.
//
// Each stand-in checks every request the way its service does (the secret in the webhook URL
// or the basic auth, the content type, the JSON shape and the keys the service requires) and
// answers with the service's status codes and error bodies, so a test fails here for the
// reasons production would fail there. The Teams stand-in is stricter than Teams: a Workflows
// webhook answers 202 before its flow posts the card, so a card Teams cannot render fails
// silently in the flow's run history; the stand-in refuses it with 400 so the test sees it.
//
// The stand-ins record what they accepted for assertions (Messages, Tickets), can be told to
// fail (FailNext), and the Zendesk and Freshdesk ones can lose the answer to a ticket it created
// (DropAnswerOnce), the case that makes opening a ticket idempotent (by external id in
// Zendesk, by the requester's newest tickets in Freshdesk). The Zendesk one can also lose the
// answer to an update (DropUpdateAnswerOnce), the case that makes a customer's public comment
// be said once, and any stand-in can let a few requests through before failing one (PassNext
// then FailNext), to fail one step of an operation that takes several.
package escalatetest

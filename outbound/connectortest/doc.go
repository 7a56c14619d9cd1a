// Package connectortest runs local stand-ins for the platforms shipflow's connectors call
// (docs/connectors.md): Klaviyo's Events API and ActiveCampaign's v3 API, so that tests
// anywhere in the repository, and `shipflow dev`, can exercise the real transports over real
// HTTP without an account or a network.
//
// Each stand-in checks every request the way the platform does (authentication, version
// headers, content type, the body's required fields and formats) and answers with the
// platform's own status codes and error bodies, so a test fails here for the same reasons
// production would fail there. They record what they accepted, deduplicate where the platform
// does, and can be told to fail (FailNext, PassNext, Down), with the 429s carrying Retry-After.
package connectortest

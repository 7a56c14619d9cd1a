// Package connectortest runs local stand-ins for the platforms shipflow's connectors call
// (docs/connectors.md), so that tests anywhere in the repository, and `shipflow dev`, can drive
// the real transports over real HTTP without an account or a network.
//
// Each stand-in checks every request the way its platform does (authentication, content type,
// the body's shape and formats, what the account has set up) and answers with the platform's
// own status codes and error bodies, rate limits with their headers included, so a test fails
// here for the same reasons production would fail there. The stand-ins record what they
// accepted for assertions and can be told to fail (FailNext, PassNext, Down, Delay).
package connectortest

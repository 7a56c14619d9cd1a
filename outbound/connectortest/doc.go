// Package connectortest runs local stand-ins for the platforms the connector kinds of package
// outbound call (docs/connectors.md), so that tests anywhere in the repository, and
// `shipflow dev -standins`, exercise the real transports over real HTTP without an account or
// a network.
//
// Each stand-in checks every request the way its platform does (the secret in the URL or the
// credentials, the content type, the JSON shape) and answers with the platform's status codes
// and bodies; it records what it accepted for assertions, and can be told to fail (FailNext:
// 429 and 503 carry Retry-After) or to be down (Down, Up), through the faults every stand-in
// here shares (faults.go).
package connectortest

// Package providertest runs local stand-ins for the messaging providers shipflow talks to,
// Twilio (SMS and WhatsApp), Amazon SNS (SMS), SendGrid and Mailgun (email), Meta's WhatsApp
// Cloud API and OneSignal (push), so that tests anywhere in the repository can exercise the
// real clients over real HTTP without an account or a network.
//
// Each stand-in checks every request the way the provider does (credentials, encoding,
// required fields, address formats) and answers with the provider's own status codes and
// error bodies, so a test fails here for the same reasons production would fail there. The
// stand-ins record what they accepted for assertions, can be told to fail (FailNext, Down,
// Delay), call a hook after accepting a message (OnAccept), and sign webhook payloads the way
// the provider does (SignCallback, SignEvents, SignWebhook).
package providertest

package providertest

import "github.com/shipflow/shipflow/internal/standin"

// faults is the programmable misbehaviour every stand-in here shares (standin.Faults), with
// the provider's error code a number (Twilio's, Meta's; SendGrid and Mailgun have none and
// ignore it).
type faults = standin.Faults[int]

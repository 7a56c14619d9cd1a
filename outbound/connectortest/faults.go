package connectortest

import "github.com/shipflow/shipflow/internal/standin"

// maxBody bounds a request body; every platform here refuses far smaller ones anyway.
const maxBody = 1 << 20

// faults is the programmable misbehaviour every stand-in here shares (standin.Faults), with the
// platform's error code a name (HubSpot's category, Salesforce's errorCode); empty lets the
// stand-in pick the code its platform answers the status with.
type faults = standin.Faults[string]

// failure is one programmed error answer.
type failure = standin.Failure[string]

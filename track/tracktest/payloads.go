package tracktest

import "embed"

// payloads are the providers' example answers the Server edits into its
// own: AfterShip's GET /trackings envelope (API 2026-01), EasyPost's
// Tracker and ShipEngine's tracking information, modelled on the providers'
// documentation and on the webhook examples in carriers/*/testdata.
//
//go:embed testdata/*.json
var payloads embed.FS

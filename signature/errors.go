package signature

import (
	"errors"
	"fmt"
)

// The reasons a webhook is refused. Each is a distinct cause the HTTP layer
// reports as 401 with its own message; test for them with errors.Is, since
// the errors returned by this package wrap them with detail. None of their
// messages, nor any detail added to them, contains secret material.
var (
	// ErrMissing means the request carries no signature, or lacks a header
	// the scheme requires. Usually a misconfigured sender or a stray request.
	ErrMissing = errors.New("signature: missing")

	// ErrMismatch means a signature was present but none matched the body
	// under any configured key: a forgery, a tampered body, or a sender
	// using another secret.
	ErrMismatch = errors.New("signature: mismatch")

	// ErrTimestamp means a Standard Webhooks or ShipEngine timestamp is
	// absent, unparsable, or further than Tolerance from our clock. Refusing
	// it is what stops an intercepted request from being replayed later.
	ErrTimestamp = errors.New("signature: timestamp missing, malformed or outside tolerance")

	// ErrBadSecret means the secret shipflow was configured with cannot be
	// used (empty, or not base64 after "whsec_"). This is our fault, not
	// the sender's, and should also alert whoever deployed shipflow.
	ErrBadSecret = errors.New("signature: configured secret is unusable")

	// ErrUnknownKey means a ShipEngine request names a key id that is not in
	// the key set. It wraps ErrMismatch, because a signature made with a key
	// we do not have is as good as no match. KeySet implementations return
	// it so that VerifyShipEngine can tell an unknown key from an outage.
	ErrUnknownKey = fmt.Errorf("%w: unknown key id", ErrMismatch)

	// ErrMalformed means a signature header, or the signed content itself,
	// is not of a shape the sender ever produces: over its length cap, with
	// a control character or invalid UTF-8, or (Twilio) a form with more
	// parameters than Twilio posts. It is found before any MAC is computed,
	// which is what keeps a hostile request cheap. It wraps ErrMismatch, so
	// a caller that does not single it out still answers 401; one that does
	// may answer 400 and name the problem, which the message does.
	ErrMalformed = fmt.Errorf("%w: malformed", ErrMismatch)
)

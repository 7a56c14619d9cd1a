package signature

import (
	"fmt"

	"github.com/shipflow/shipflow/order"
)

// Caps on what a verifier reads from a request before it computes anything.
// Headers come from whoever can reach the endpoint; each cap is far above
// what the sender really sends and low enough that a hostile value is refused
// after a length check instead of being decoded, split or hashed.
const (
	// maxSignatures is how many space-separated signatures of one
	// webhook-signature header are looked at. A sender rotating its secret
	// sends two or three; the rest of a longer list is ignored, so a header
	// of thousands of signatures costs no more than one of eight.
	maxSignatures = 8

	// maxSignatureHeader bounds a webhook-signature header: eight "v1a,"
	// signatures (ed25519, 88 base64 characters) fit with room to spare.
	maxSignatureHeader = 1024

	// maxMessageID bounds webhook-id. It is signed and becomes the event id
	// shipflow deduplicates on; ids in the wild (msg_ plus a KSUID, a UUID,
	// a platform's numeric id) are under 64 characters.
	maxMessageID = 256

	// maxTimestamp bounds a timestamp header: unix milliseconds are 13
	// digits and an RFC 3339 time with nanoseconds and a zone 35 characters.
	maxTimestamp = 64

	// maxMACHeader bounds a header carrying one HMAC-SHA256: 44 characters
	// of base64, or EasyPost's prefix and 64 hex digits, plus slack for
	// surrounding whitespace that is trimmed anyway.
	maxMACHeader = 128

	// maxKeyID bounds ShipEngine's key id header. Key ids name an entry of
	// a JWKS; real ones are short.
	maxKeyID = 128

	// maxRSASignature bounds ShipEngine's signature header: base64 of an
	// RSA-8192 signature is 1,366 characters.
	maxRSASignature = 1400
)

// checkHeader refuses the value of header name with ErrMalformed when it is
// longer than limit bytes or breaks order.CheckText's rule for text (invalid
// UTF-8, control characters, a tab included). Senders never put any of those
// in the headers this package reads, and a value that goes on to become an
// event id or a log line must not carry them. Call it on the value after
// trimming the whitespace the scheme tolerates.
func checkHeader(name, v string, limit int) error {
	if len(v) > limit {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrMalformed, name, limit)
	}
	if err := order.CheckText(name, v, limit); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

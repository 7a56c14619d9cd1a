package order

import (
	"errors"
	"fmt"
	"net/mail"
)

// FieldError is a validation failure of one input field. Field is the
// field's path in the payload (for example "data.order_id") so that an API
// can answer a 400 that tells the sender exactly what to fix.
type FieldError struct {
	Field   string
	Problem string
}

// Error names the field first, the way an HTTP 400 message reads.
func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Sentinel errors of the operations, so callers can map them with errors.Is
// (to a 404 or 409, or a voice answer) without matching on text. Refused by an
// order's workflow, each crosses Temporal as an application error with its own
// type code, which workflows.UpdateOrder turns back into the sentinel.
var (
	ErrNoException     = errors.New("no open exception")
	ErrUnknownShipment = errors.New("unknown shipment")
	ErrClosed          = errors.New("order is closed")
	ErrDelivered       = errors.New("already delivered")
)

func required(field string) error { return &FieldError{field, "is required"} }

func invalid(field, format string, a ...any) error {
	return &FieldError{field, fmt.Sprintf(format, a...)}
}

// validPhone reports whether p is an E.164 number: SMS and WhatsApp
// providers reject anything else, and the voice assistant compares caller
// numbers in this form.
func validPhone(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validEmail reports whether e is a bare address, not a display-name form
// that an email provider would reject in a "to" field.
func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Name == "" && a.Address == e
}

// validCurrency reports whether c looks like an ISO 4217 code.
func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// IsEmail reports whether e is an email address as order.created takes one: a bare address,
// no display name.
func IsEmail(e string) bool { return validEmail(e) }

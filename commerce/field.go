package commerce

import (
	"fmt"

	"github.com/shipflow/shipflow/order"
)

// Missing reports a required field that is absent or empty, named by its
// path in the payload, so the webhook can answer 400 saying what to add.
func Missing(field string) error {
	return &order.FieldError{Field: field, Problem: "is required"}
}

// Invalid reports a field that is present but unusable, named by its path
// in the payload; the problem reads after the field name ("must be ...").
func Invalid(field, format string, a ...any) error {
	return &order.FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

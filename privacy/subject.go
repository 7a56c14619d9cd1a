// Package privacy answers a customer's privacy requests (issue 23): find everything held about
// them by email or phone, export it as one JSON document, or erase it, live orders through
// their workflow's erase_customer update and the rest table by table. Shopify's mandatory
// compliance webhooks drive the same operations (server/privacy.go). docs/PRIVACY.md says
// what an erasure keeps.
package privacy

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// Limits of a request's fields, in characters.
const (
	MaxEmailLen = 254 // RFC 5321's path limit
	MaxPhoneLen = 32  // E.164 is 16 with its "+"; the rest is room for spaces and dashes
	// MaxOrders is the most orders one Shopify customers/redact may name.
	MaxOrders = 1000
	// MaxBody caps a request's body.
	MaxBody = 4 << 10
)

// Request is what POST /v1/privacy/exports and /v1/privacy/erasures take: the customer, by
// email or phone or both.
type Request struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Subject is a customer as erasure and export compare them: the email trimmed and in lower
// case (order.NormalEmail), the phone in E.164 (order.E164). Either may be empty, not both.
type Subject struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ParseRequest reads a request body: JSON, no unknown fields, at most MaxBody bytes. Errors
// are *order.FieldError (400) or JSON errors (400).
func ParseRequest(r io.Reader) (Subject, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return Subject{}, fmt.Errorf("read privacy request: %w", err)
	}
	if len(body) > MaxBody {
		return Subject{}, &order.FieldError{Field: "body", Problem: fmt.Sprintf("is longer than %d bytes", MaxBody)}
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return Subject{}, err
	}
	if dec.More() {
		return Subject{}, &order.FieldError{Field: "body", Problem: "must be one JSON object"}
	}
	return req.Subject()
}

// Subject checks r and normalises it.
func (r Request) Subject() (Subject, error) {
	if err := order.CheckText("email", r.Email, MaxEmailLen); err != nil {
		return Subject{}, err
	}
	if err := order.CheckText("phone", r.Phone, MaxPhoneLen); err != nil {
		return Subject{}, err
	}
	var s Subject
	if r.Email != "" {
		s.Email = order.NormalEmail(r.Email)
		if !order.IsEmail(s.Email) {
			return Subject{}, &order.FieldError{Field: "email", Problem: "must be an email address"}
		}
	}
	if r.Phone != "" {
		s.Phone = order.E164(r.Phone)
		if !order.IsE164(s.Phone) {
			return Subject{}, &order.FieldError{Field: "phone", Problem: "must be a phone number in international form (+37060000000)"}
		}
	}
	if s.IsZero() {
		return Subject{}, &order.FieldError{Field: "email", Problem: "or phone is required"}
	}
	return s, nil
}

// IsZero reports whether s names nobody.
func (s Subject) IsZero() bool { return s.Email == "" && s.Phone == "" }

// Terms are the forms s may be stored in, for free-text matching (order.PersonalOf): the
// email, the phone in E.164 and as bare digits.
func (s Subject) Terms() []string {
	var t []string
	if s.Email != "" {
		t = append(t, s.Email)
	}
	if s.Phone != "" {
		t = append(t, s.Phone, strings.TrimPrefix(s.Phone, "+"))
	}
	return slices.Compact(t)
}

package db

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shipflow/shipflow/order"
)

// Caps on the text an attempt keeps of a receiver's answer. The receiver chooses every byte of
// it, so it is stored only through SafeText.
const (
	// MaxResponseBody is how much of an answer's body is kept: enough to show why an endpoint
	// refused a delivery, small enough to keep with every attempt.
	MaxResponseBody = 4 << 10
	// MaxErrorText caps an attempt's error and a delivery's last_error: a transport error can
	// quote the receiver (a certificate's names, a malformed status line, a Location header).
	MaxErrorText = 1 << 10
)

// SafeText turns text a remote party chose into text Postgres can store and a person can read
// in the API: every NUL and other control character but tab, newline and carriage return, every
// character that reorders or hides text (bidirectional overrides), and every byte that is not
// UTF-8, becomes U+FFFD (one per run), and the result is cut at a whole character to at most
// max bytes. Postgres refuses NUL in text and jsonb and invalid UTF-8
// anywhere, and a refused write of an attempt is what once had a receiver sent the same webhook
// thousands of times; replacing keeps what a person needs (the readable part) where a bytea
// column would show them base64. Clean text comes back unchanged, so applying it twice is the
// same as once.
func SafeText(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max && clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max))
	replaced := false // the last thing written is a replacement: a run makes one
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if (r == utf8.RuneError && n == 1) || !printable(r) {
			if replaced {
				continue
			}
			r, replaced = utf8.RuneError, true
		} else {
			replaced = false
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func clean(s string) bool {
	for _, r := range s { // invalid UTF-8 reads as RuneError, which then fails the check below
		if !printable(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// printable is what SafeText keeps: what order.UnsafeRune allows, and the white space that
// lays out a body.
func printable(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || !order.UnsafeRune(r)
}

// Refused reports whether Postgres refused a statement for what it holds (a data exception, a
// violated constraint, an invalid statement): sending the same again would be refused again, so
// it is not worth a retry. Anything else, a lost connection or a serialization failure, may pass
// next time.
func Refused(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "22", "23", "42", "0A": // data exception, integrity constraint, syntax or access rule, not supported
		return true
	}
	return false
}

package db

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// ErrBadCursor means a cursor did not come from a previous page.
var ErrBadCursor = errors.New("invalid cursor")

// Lists page newest first on (created_at, id), so rows added while a client pages never shift
// what it sees. A cursor is the last row's key, opaque to clients.

// EncodeCursor is the cursor of the page after the row with key (at, id).
func EncodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

// DecodeCursor returns the key after which the next page starts; an empty cursor is the first
// page, a nil time.
func DecodeCursor(s string) (*time.Time, string, error) {
	if s == "" {
		return nil, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	at, id, ok := strings.Cut(string(raw), "|")
	if err != nil || !ok {
		return nil, "", ErrBadCursor
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return nil, "", ErrBadCursor
	}
	return &t, id, nil
}

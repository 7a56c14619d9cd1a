package db_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestSafeText(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"clean", "{\"error\":\"nope\"}\n\tline 2\r\n", 100, "{\"error\":\"nope\"}\n\tline 2\r\n"},
		{"nul", "ok\x00done", 100, "ok\uFFFDdone"},
		{"run of nuls is one mark", "a\x00\x00\x00b", 100, "a\uFFFDb"},
		{"invalid utf-8", "ok\xff\xfe", 100, "ok\uFFFD"},
		{"controls", "bell\x07 esc\x1b[31m del\x7f c1\u0085", 100, "bell\uFFFD esc\uFFFD[31m del\uFFFD c1\uFFFD"},
		{"surrogate half", "x\xed\xa0\x80y", 100, "x\uFFFDy"},
		{"a literal mark stays", "\uFFFD\x00", 100, "\uFFFD\uFFFD"},
		{"bidi override", "pay \u202Egnp.exe\u202C now\u2028\uFEFF", 100, "pay \uFFFDgnp.exe\uFFFD now\uFFFD"},
		{"non-latin", "užsakymas 📦", 100, "užsakymas 📦"},
		{"cut", strings.Repeat("x", 10), 4, "xxxx"},
		{"cut at a whole character", "aé", 2, "a"},
		{"cut before a mark that does not fit", "ab\x00", 4, "ab"},
		{"nothing allowed", "abc", 0, ""},
	} {
		if got := db.SafeText(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: SafeText(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
}

// FuzzSafeText: whatever a receiver sends, the result fits the cap, is valid UTF-8 without
// NUL or other controls but tab, newline and CR, is stable when applied again, keeps clean
// text whole, and Postgres stores it.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"", "ok", "\x00", "a\x00\x00b", "\xff\xfe\xfd", "\xed\xa0\x80", "é", "\u0085\u009f",
		"\x1b[2J", "\r\n\t", strings.Repeat("\x00", 5000), strings.Repeat("é", 3000), "\uFFFD\x00\uFFFD"} {
		f.Add(s, 4096)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % 8192
		got := db.SafeText(s, max)
		if len(got) > max && len(got) > 0 {
			t.Fatalf("SafeText(%q, %d) is %d bytes", s, max, len(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("SafeText(%q, %d) = %q: not UTF-8", s, max, got)
		}
		for _, r := range got {
			if unsafe(r) {
				t.Fatalf("SafeText(%q, %d) = %q keeps %U", s, max, got, r)
			}
		}
		if again := db.SafeText(got, max); again != got {
			t.Fatalf("SafeText not stable: %q then %q", got, again)
		}
		if max > 0 && len(s) <= max && got != s {
			clean := utf8.ValidString(s) && !strings.ContainsFunc(s, unsafe)
			if clean {
				t.Fatalf("clean %q changed to %q", s, got)
			}
		}
	})
}

// unsafe is what SafeText must never keep, written out again from its documentation.
func unsafe(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0xfeff
}

// The text that once could not be stored: Postgres takes it once it is safe.
func TestPostgresStoresSafeText(t *testing.T) {
	pool := testenv.DB(t)
	in := "ok\x00\xff\x1b" + strings.Repeat("é", 3000)
	var raw string
	err := pool.QueryRow(t.Context(), `SELECT $1::text`, in).Scan(&raw)
	if !db.Refused(err) {
		t.Fatalf("Postgres took the raw text (%v): the test proves nothing", err)
	}
	var got string
	if err := pool.QueryRow(t.Context(), `SELECT $1::text`, db.SafeText(in, db.MaxResponseBody)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "ok\uFFFDé") || len(got) > db.MaxResponseBody {
		t.Errorf("stored %d bytes %.20q", len(got), got)
	}
}

func TestRefused(t *testing.T) {
	for code, want := range map[string]bool{
		"22021": true,  // invalid byte sequence (NUL in text)
		"22P02": true,  // invalid text representation
		"23514": true,  // check violation
		"42703": true,  // undefined column
		"40001": false, // serialization failure
		"57P01": false, // admin shutdown
		"08006": false, // connection failure
		"53300": false, // too many connections
	} {
		if got := db.Refused(&pgconn.PgError{Code: code}); got != want {
			t.Errorf("Refused(%s) = %v, want %v", code, got, want)
		}
	}
	if db.Refused(errors.New("conn closed")) || db.Refused(nil) {
		t.Error("a non-Postgres error counts as refused")
	}
}

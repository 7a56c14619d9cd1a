package commerce_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/commerce"
)

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time // zero for an error
	}{
		{"2021-12-31T19:00:00-05:00", at("2022-01-01T00:00:00Z")},
		{"2026-05-07T10:30:00Z", at("2026-05-07T10:30:00Z")},
		{"2026-05-07T10:30:00.5+03:00", at("2026-05-07T07:30:00.5Z")},
		{"2026-05-07T10:30:00", time.Time{}},
		{"2026-05-07", time.Time{}},
		{"0001-01-01T00:00:00Z", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := commerce.ParseTime("created_at", tc.in)
		if tc.want.IsZero() {
			if fieldOf(err) != "created_at" {
				t.Errorf("ParseTime(%q) err = %v, want FieldError", tc.in, err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseOptionalTime(t *testing.T) {
	if got, err := commerce.ParseOptionalTime("eta", " "); got != nil || err != nil {
		t.Errorf("empty: %v, %v", got, err)
	}
	if got, err := commerce.ParseOptionalTime("eta", "2026-05-08T17:00:00+03:00"); err != nil || !got.Equal(at("2026-05-08T14:00:00Z")) {
		t.Errorf("set: %v, %v", got, err)
	}
	if _, err := commerce.ParseOptionalTime("eta", "soon"); fieldOf(err) != "eta" {
		t.Errorf("bad: %v", err)
	}
}

func TestParseGMT(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2017-03-22T16:28:08", at("2017-03-22T16:28:08Z")},
		{"2017-03-22 16:28:08", at("2017-03-22T16:28:08Z")},
		{"2017-03-22T16:28:08Z", at("2017-03-22T16:28:08Z")},
		{"2017-03-22T19:28:08+03:00", at("2017-03-22T16:28:08Z")},
		{"22/03/2017", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := commerce.ParseGMT("date_created_gmt", tc.in)
		if tc.want.IsZero() {
			if fieldOf(err) != "date_created_gmt" {
				t.Errorf("ParseGMT(%q) err = %v, want FieldError", tc.in, err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseGMT(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

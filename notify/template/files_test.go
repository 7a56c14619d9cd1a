package template

import (
	"testing"
)

// TestDefaultsComplete keeps every built-in locale complete: English is
// what every other locale falls back to, and a Lithuanian customer should
// never get an English message because a file was forgotten.
func TestDefaultsComplete(t *testing.T) {
	embedded, err := readTree(defaults, "templates", func(p string) string { return p })
	if err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"en", "lt"} {
		want := []string{layoutFile}
		for _, m := range milestones {
			for _, ch := range channels {
				s, x, h := fileNames(m, ch)
				want = append(want, s, x, h)
			}
		}
		for _, name := range want {
			if _, ok := embedded[locale][name]; name != "" && !ok {
				t.Errorf("templates/%s/%s is missing", locale, name)
			}
		}
		if got, n := len(embedded[locale]), 1+len(milestones)*(2+3+2); got != n {
			t.Errorf("templates/%s has %d files, want %d", locale, got, n)
		}
	}
}

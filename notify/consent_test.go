package notify

import "testing"

func TestKeywordOf(t *testing.T) {
	for text, want := range map[string]Keyword{
		"STOP": KeywordStop, " stop\n": KeywordStop, "Unsubscribe": KeywordStop, "quit": KeywordStop,
		"START": KeywordStart, "yes": KeywordStart, "unstop ": KeywordStart,
		"stop sending me the wrong parcel": KeywordNone, "where is my parcel?": KeywordNone, "": KeywordNone, "S T O P": KeywordNone,
	} {
		if got, _ := KeywordOf(text); got != want {
			t.Errorf("KeywordOf(%q) = %q, want %q", text, got, want)
		}
	}
}

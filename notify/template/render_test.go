package template

import "testing"

func TestTidy(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Hi Ona,  \n\n\n\nText.\t\n\n", "Hi Ona,\n\nText."},
		{"\r\nA\r\n\r\n\r\nB\r\n", "A\n\nB"},
		{"Naujas laikas: gegužės 20 d.. Jau", "Naujas laikas: gegužės 20 d. Jau"},
		{"gegužės 20 d..", "gegužės 20 d."},
		{"Wait... 5 d...", "Wait... 5 d..."},
	}
	for _, tt := range tests {
		if got := tidy(tt.in); got != tt.want {
			t.Errorf("tidy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

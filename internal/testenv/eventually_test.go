package testenv_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
)

// fatalTB records Fatalf and ends its goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventually(t *testing.T) {
	calls := 0
	testenv.Eventually(t, 5*time.Second, func() bool { calls++; return calls == 3 }, "the third call")
	if calls != 3 {
		t.Errorf("ok called %d times, want 3", calls)
	}

	f := &fatalTB{TB: t}
	state := "starting"
	done := make(chan struct{})
	go func() {
		defer close(done)
		testenv.Eventually(f, 200*time.Millisecond, func() bool { state = "stuck"; return false },
			"the %s to be ready (last %s)", "thing", testenv.Last(&state))
	}()
	<-done
	if want := "not within 200ms: the thing to be ready (last stuck)"; f.msg != want {
		t.Errorf("failure %q, want %q", f.msg, want)
	}
}

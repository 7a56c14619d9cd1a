package testenv

import (
	"fmt"
	"testing"
	"time"
)

// Eventually polls ok every 50 ms until it reports true, and fails t if it has not within
// that long. The workflows, the relay and the read model all reach their state a moment after
// the call that caused it, so tests wait for the state rather than sleep a guessed time.
//
// format and args say what was awaited. They are formatted only when Eventually gives up, so
// an arg made with Last reports what ok saw last, not what held when the wait began.
func Eventually(t testing.TB, within time.Duration, ok func() bool, format string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, fmt.Sprintf(format, args...))
		}
	}
}

// Last is *p as an Eventually message shows it when it gives up: the value ok stored there last.
func Last[T any](p *T) fmt.Stringer { return last[T]{p} }

type last[T any] struct{ p *T }

func (l last[T]) String() string { return fmt.Sprint(*l.p) }

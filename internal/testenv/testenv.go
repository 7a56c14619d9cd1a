// Package testenv gives tests the real parts shipflow runs on: a fresh, migrated Postgres
// database per test package and a real Temporal dev server (the pinned CLI), both started on
// first use and removed when the package's tests end. Third-party SaaS is faked elsewhere; our
// own stack never is.
//
// Each test package calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"os"
	"sync"
	"testing"
)

var (
	mu       sync.Mutex
	teardown []func()
)

// Main runs the package's tests, then tears down whatever they started.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for i := len(teardown) - 1; i >= 0; i-- {
		teardown[i]()
	}
	mu.Unlock()
	os.Exit(code)
}

// atExit registers f to run after the package's tests; callers hold mu.
func atExit(f func()) { teardown = append(teardown, f) }

// AtExit registers f to run after the package's tests, for fixtures a package shares across
// tests (a worker and relay that must outlive the first test that starts them).
func AtExit(f func()) {
	mu.Lock()
	defer mu.Unlock()
	atExit(f)
}

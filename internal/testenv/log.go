package testenv

import (
	"io"
	"log/slog"
	"os"
	"testing"

	sdklog "go.temporal.io/sdk/log"
)

// QuietLogger keeps component chatter out of test output unless SHIPFLOW_TEST_LOG is set.
func QuietLogger() *slog.Logger { return quietLogger() }

// quietLogger keeps SDK chatter out of test output unless SHIPFLOW_TEST_LOG is set.
func quietLogger() *slog.Logger {
	if os.Getenv("SHIPFLOW_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Logger returns a logger that writes through t.Log, so a failing test shows its own lines.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// SDKLogger is a quiet logger for the Temporal SDK's test environment (SHIPFLOW_TEST_LOG=1
// shows it).
func SDKLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(quietLogger())
}

package outbound

import (
	"context"
	"testing"
	"time"
)

// SetConnector registers kind k as a connector for the external tests, until the test ends.
func SetConnector(t testing.TB, k Kind, creds, optional []string, defaultURL string, check func(string, map[string]string) error, tr Transport) {
	t.Helper()
	prev, had := connectors[k]
	connectors[k] = connector{Credentials: creds, Optional: optional, DefaultURL: defaultURL, Check: check,
		Transport: func(*Sender) Transport { return tr }}
	t.Cleanup(func() {
		if had {
			connectors[k] = prev
		} else {
			delete(connectors, k)
		}
	})
}

// SendOnce makes one attempt with s, as the dispatcher does.
func SendOnce(ctx context.Context, s *Sender, o Outgoing, attempt int) (Result, time.Time) {
	return s.send(ctx, o, attempt)
}

// MaxCredentialLen is maxCredentialLen, for the external tests.
const MaxCredentialLen = maxCredentialLen

// CheckCredentials is checkCredentials, for the external tests.
var CheckCredentials = checkCredentials

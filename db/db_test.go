package db_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/db"
)

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestUnreachableErrorsAreOneLineWithoutPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cret-Pa55"
	port := closedPort(t)
	urls := map[string]string{
		"url":            fmt.Sprintf("postgres://shipflow:%s@127.0.0.1:%d/shipflow?sslmode=disable", password, port),
		"url, ssl tried": fmt.Sprintf("postgres://shipflow:%s@127.0.0.1:%d/shipflow", password, port),
		"key=value":      fmt.Sprintf("host=127.0.0.1 port=%d user=shipflow password=%s dbname=shipflow", port, password),
		"unparsable":     fmt.Sprintf("postgres://shipflow:%s@127.0.0.1:port/shipflow", password),
	}
	calls := map[string]func(context.Context, string) error{
		"Open": func(ctx context.Context, url string) error {
			pool, err := db.Open(ctx, url)
			if err == nil {
				pool.Close()
			}
			return err
		},
		"EnsureDatabase": db.EnsureDatabase,
	}
	for call, f := range calls {
		for name, url := range urls {
			t.Run(call+" "+name, func(t *testing.T) {
				err := f(t.Context(), url)
				if err == nil {
					t.Fatal("no error")
				}
				if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, password) {
					t.Errorf("error is not one line without the password: %q", msg)
				}
			})
		}
	}
}

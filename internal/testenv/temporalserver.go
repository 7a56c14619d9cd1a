package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NewSecuredTemporal starts a real temporal-server for the test, the Postgres-backed one
// scripts/temporal-postgres builds and runs (all four services in one process), on its own
// ports, databases and data directory, with its frontend serving TLS as serverName and
// requiring client certificates. tlsDir holds what the script reads: ca.crt, server.crt,
// server.key, and client.crt with client.key for the server's own system worker and the
// script's CLI calls. It returns the frontend's address once the default namespace answers;
// the server is stopped and its databases dropped when the test ends.
//
// It costs seconds (schema set-up and the server's start), so only the tests of connecting
// to a secured cluster use it; every other test shares the package's dev server.
func NewSecuredTemporal(t testing.TB, tlsDir, serverName string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := CLI()
	if err != nil {
		t.Fatal(err)
	}
	port, err := freePortBlock()
	if err != nil {
		t.Fatal(err)
	}
	env, err := serverDBEnv()
	if err != nil {
		t.Fatal(err)
	}
	env = append(env,
		"TEMPORAL_PG_PORT="+strconv.Itoa(port),
		"TEMPORAL_PG_DB="+serverDBName(t),
		"TEMPORAL_PG_DATA="+t.TempDir(),
		"TEMPORAL_PG_LOG_LEVEL=warn",
		"TEMPORAL_PG_TLS_DIR="+tlsDir,
		"TEMPORAL_PG_TLS_SERVER_NAME="+serverName,
		"SHIPFLOW_TEMPORAL_CLI="+cli,
	)
	script := func(timeout time.Duration, args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "temporal-postgres"), args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("scripts/temporal-postgres %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	// A run killed before its clean-up left the databases behind: start from nothing.
	if err := script(time.Minute, "reset"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := script(time.Minute, "stop"); err != nil {
			t.Error(err)
		}
		if err := script(time.Minute, "reset"); err != nil {
			t.Error(err)
		}
	})
	if err := script(3*time.Minute, "start", "--background"); err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// serverDBName is a database name of the test's own, so packages running at once never share
// one (two servers on one database would fight over its history shards).
func serverDBName(t testing.TB) string {
	return "shipflow_temporal_" + strings.ToLower(notWord.ReplaceAllString(t.Name(), "_"))
}

var notWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// serverDBEnv points the script at the Postgres the tests use.
func serverDBEnv() ([]string, error) {
	u, err := url.Parse(adminURL())
	if err != nil {
		return nil, fmt.Errorf("test database URL: %w", err)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	pw, _ := u.User.Password()
	return []string{
		"TEMPORAL_PG_DB_HOST=" + u.Hostname(),
		"TEMPORAL_PG_DB_PORT=" + port,
		"TEMPORAL_PG_DB_USER=" + u.User.Username(),
		"TEMPORAL_PG_DB_PASSWORD=" + pw,
	}, nil
}

// freePortBlock finds a port P with P..P+5 and P+10..P+13 free: the server's config derives
// all its ports from the frontend's (deploy/temporal-server/config/development-postgres.yaml).
func freePortBlock() (int, error) {
	offsets := []int{0, 1, 2, 3, 4, 5, 10, 11, 12, 13}
	for range 100 {
		p := 20000 + rand.IntN(12000) // below Linux's ephemeral ports, which outgoing connections take
		free := true
		for _, o := range offsets {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+o)))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no block of free ports for a Temporal server")
}

package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/workflows"
)

var pkgTemporal struct {
	server *engine.DevServer
	addr   string
	client client.Client
	err    error
}

// Temporal returns a client of this package's Temporal dev server, started on first use from
// the pinned CLI with shipflow's search attributes registered the way `shipflow migrate` does.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if pkgTemporal.server == nil && pkgTemporal.err == nil {
		pkgTemporal.server, pkgTemporal.client, pkgTemporal.err = startTemporal()
	}
	if pkgTemporal.err != nil {
		t.Fatalf("temporal dev server: %v", pkgTemporal.err)
	}
	return pkgTemporal.client
}

// TemporalAddress returns host:port of this package's Temporal dev server.
func TemporalAddress(t testing.TB) string {
	t.Helper()
	Temporal(t)
	return pkgTemporal.addr
}

// startTemporal runs the pinned CLI's dev server in memory, through the same code as
// `shipflow dev`: its child dies with the test binary even when that is killed mid-run, so a
// timed-out test leaves no server behind.
func startTemporal() (*engine.DevServer, client.Client, error) {
	cli, err := CLI()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "shipflow-test-temporal-")
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := engine.StartDevServer(ctx, engine.DevServerOptions{CLI: cli, Address: addr, Namespace: "default", DataDir: dir, InMemory: true})
	if err != nil {
		return nil, nil, err
	}
	c, err := engine.Dial(ctx, engine.Options{Address: addr, Namespace: "default", Logger: quietLogger()}, 30*time.Second)
	if err == nil {
		err = engine.EnsureSearchAttributes(ctx, c, "default", workflows.SearchAttributes...)
	}
	if err != nil {
		_ = s.Stop()
		return nil, nil, fmt.Errorf("temporal dev server (log %s): %w", s.Log, err)
	}
	pkgTemporal.addr = addr
	atExit(func() {
		c.Close()
		_ = s.Stop()
		_ = os.RemoveAll(dir)
	})
	return s, c, nil
}

// CLI finds the pinned temporal CLI: $SHIPFLOW_TEMPORAL_CLI, else bin/temporal at the module
// root, where the Makefile builds it.
func CLI() (string, error) {
	if p := os.Getenv("SHIPFLOW_TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no temporal CLI at %s: run the tests with `make test`, which builds the pinned CLI", p)
	}
	return p, nil
}

// ModuleRoot is the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// TaskQueue is a task queue name of the test's own, so workers of different tests in one
// package never take each other's tasks.
func TaskQueue(t testing.TB) string {
	return "test-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
}

// StartWorker runs w until the test ends.
func StartWorker(t testing.TB, w sdkworker.Worker) {
	t.Helper()
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
}

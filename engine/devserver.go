package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// DevServer is a Temporal CLI dev server running as a child of shipflow. It persists to a
// SQLite file so orders survive a restart of `shipflow dev`, and it dies with its parent.
type DevServer struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited; exitErr is set before
	exitErr error
	Log     string // path of the server's own log
}

// DevServerOptions configures StartDevServer.
type DevServerOptions struct {
	CLI       string // path to the pinned temporal CLI
	Address   string // host:port of the frontend, from TEMPORAL_ADDRESS
	Namespace string
	UIPort    int // zero runs the server without its UI
	// DataDir holds the server's log, and its SQLite file unless InMemory.
	DataDir  string
	InMemory bool // keep nothing across restarts (tests)
}

// StartDevServer starts the CLI's dev server and returns once its frontend accepts connections.
func StartDevServer(ctx context.Context, o DevServerOptions) (*DevServer, error) {
	if _, err := os.Stat(o.CLI); err != nil {
		return nil, fmt.Errorf("temporal CLI not found at %s (run `make dev`, which builds it): %w", o.CLI, err)
	}
	host, port, err := net.SplitHostPort(o.Address)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS %q: %w", o.Address, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 300*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("something already listens on %s: stop it, or point TEMPORAL_ADDRESS at another port", o.Address)
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	logPath := filepath.Join(o.DataDir, "temporal.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open temporal log: %w", err)
	}
	args := []string{"server", "start-dev", "--ip", host, "--port", port, "--namespace", o.Namespace,
		"--log-format", "json", "--log-level", "warn",
		// As in deploy/temporal/dynamicconfig.yaml, which says why.
		"--dynamic-config-value", "system.enableActivityEagerExecution=true"}
	if o.UIPort > 0 {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
	} else {
		args = append(args, "--headless")
	}
	if !o.InMemory {
		args = append(args, "--db-filename", filepath.Join(o.DataDir, "temporal.db"))
	}
	cmd := exec.Command(o.CLI, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: the terminal's Ctrl-C reaches only shipflow, which stops its worker
	// before the server it polls. Pdeathsig: a kill -9 of shipflow still takes the server down.
	cmd.SysProcAttr = devServerProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	s := &DevServer{cmd: cmd, exited: make(chan struct{}), Log: logPath}
	go func() {
		s.exitErr = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()

	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("temporal dev server exited during start-up (%v); see %s", s.exitErr, logPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("temporal dev server did not listen on %s within 60s; see %s", o.Address, logPath)
		}
	}
}

// Stop asks the server to shut down and kills it if it has not within ten seconds.
func (s *DevServer) Stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		return errors.New("temporal dev server did not stop in 10s; killed")
	}
}

// Exited is closed when the server process ends, so dev mode can stop instead of running on
// with a worker that polls nothing.
func (s *DevServer) Exited() <-chan struct{} { return s.exited }

package loadtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCluster is a Postgres server of the fault suite's own: a fresh cluster in a temporary
// directory on a free port. The suite crashes and restarts it while orders flow, which it must
// never do to the shared server on 5432 that every other test package is using at the same
// time. The server runs as a direct child (not daemonised by pg_ctl) in a process group of its
// own with a parent-death signal, so a test binary that is killed mid-run takes it down too.
type pgCluster struct {
	Port int
	bin  string // directory of initdb and postgres
	root string // owned by the server's user: data directory and socket directory
	log  *os.File
	cred *syscall.Credential // nil: run as this process's user

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// findPGBin finds the server binaries: $SHIPFLOW_PG_BIN, else the newest
// /usr/lib/postgresql/<version>/bin (Debian's layout), else pg_config's bindir.
func findPGBin() (string, error) {
	if d := os.Getenv("SHIPFLOW_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := string(out[:len(out)-1])
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no Postgres server binaries (initdb, postgres) found: install the server, or set SHIPFLOW_PG_BIN")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startPGCluster creates a cluster (trust authentication, user postgres) and starts it. initdb
// and postgres refuse to run as root, so as root both run as the postgres OS user, set as the
// child's credentials (what `runuser -u postgres` would do, minus a process in between that
// would keep the parent-death signal from reaching the server).
func startPGCluster(ctx context.Context, logPath string) (*pgCluster, error) {
	bin, err := findPGBin()
	if err != nil {
		return nil, err
	}
	c := &pgCluster{bin: bin}
	// Under /tmp itself, not in a directory of root's: the postgres user must reach it.
	if c.root, err = os.MkdirTemp("", "shipflow-faults-pg-"); err != nil {
		return nil, fmt.Errorf("make the cluster's directory: %w", err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			c.remove()
			return nil, fmt.Errorf("running as root, the private Postgres must run as the postgres user: %w", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(c.root, int(uid), int(gid)); err != nil {
			c.remove()
			return nil, fmt.Errorf("hand the cluster's directory to the postgres user: %w", err)
		}
	}
	if c.log, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		c.remove()
		return nil, fmt.Errorf("create the Postgres log: %w", err)
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", c.dataDir(), "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Stdout, initdb.Stderr = c.log, c.log
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := initdb.Run(); err != nil {
		c.Close()
		return nil, fmt.Errorf("initdb (log %s): %w", logPath, err)
	}
	ports, err := freePorts(1)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.Port = ports[0]
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *pgCluster) dataDir() string { return filepath.Join(c.root, "data") }

// URL is the connection string of database name on the cluster.
func (c *pgCluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// Start runs the server on the cluster's port and returns once it answers a query. After a
// crash the server first replays its WAL, which is the recovery being tested.
func (c *pgCluster) Start(ctx context.Context) error {
	// fsync off: a crash here is the server's process dying, never the machine's, so the
	// kernel keeps every write; durability to disk is not what the suite tests.
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.dataDir(), "-p", strconv.Itoa(c.Port),
		"-k", c.root, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=32MB",
		"-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = c.log, c.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.cmd, c.exited = cmd, exited
	deadline := time.Now().Add(time.Minute)
	for {
		if err := c.ping(ctx); err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres exited during start-up; see %s", c.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections on port %d within a minute; see %s", c.Port, c.log.Name())
		}
	}
}

func (c *pgCluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// Crash stops the server the way `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster):
// every backend is dropped mid-transaction and nothing is checkpointed, so the next start
// recovers from the WAL, as after a crash.
func (c *pgCluster) Crash() error {
	if c.cmd == nil {
		return errors.New("postgres is not running")
	}
	if err := c.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		return fmt.Errorf("signal postgres: %w", err)
	}
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.exited
	}
	c.cmd = nil
	return nil
}

// Close stops the server and removes the cluster.
func (c *pgCluster) Close() { c.close(false) }

// close stops the server and removes the cluster, unless keep asks to leave its data for a
// look at what went wrong.
func (c *pgCluster) close(keep bool) {
	if c.cmd != nil {
		_ = c.Crash()
	}
	if c.log != nil {
		c.log.Close()
	}
	if !keep {
		c.remove()
	}
}

func (c *pgCluster) remove() { _ = os.RemoveAll(c.root) }

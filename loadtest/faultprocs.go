package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shipflow/shipflow/engine"
)

// temporalServer is the fault suite's Temporal: the pinned CLI's dev server, started through
// the same code as `shipflow dev`, with its SQLite file in the run's directory, so that it can
// be stopped and started again on the same port with every workflow, timer and task where it
// was.
type temporalServer struct {
	opts engine.DevServerOptions
	srv  *engine.DevServer
}

func startTemporalServer(ctx context.Context, cli, dir, addr string) (*temporalServer, error) {
	t := &temporalServer{opts: engine.DevServerOptions{CLI: cli, Address: addr, Namespace: "default", DataDir: dir}}
	return t, t.Start(ctx)
}

// Start starts the server and returns once its frontend accepts connections.
func (t *temporalServer) Start(ctx context.Context) error {
	s, err := engine.StartDevServer(ctx, t.opts)
	if err != nil {
		return fmt.Errorf("start the Temporal dev server: %w", err)
	}
	t.srv = s
	return nil
}

// Stop stops the server as an operator would (SIGTERM; killed after ten seconds).
func (t *temporalServer) Stop() error {
	if t.srv == nil {
		return nil
	}
	err := t.srv.Stop()
	t.srv = nil
	if err != nil {
		return fmt.Errorf("stop the Temporal dev server: %w", err)
	}
	return nil
}

// role is one shipflow process of the fault suite, `serve` or `worker`, which the suite kills
// with SIGKILL and starts again. An exit the suite did not cause is noted and the process is
// started again a second later, as an orchestrator restarts a crashed container: the suite
// reports it, and the orders still have to come through.
type role struct {
	name  string
	exe   string
	env   []string
	log   *os.File
	ready func(ctx context.Context) error // returns once the process serves

	mu       sync.Mutex
	cur      *roleRun
	stopping bool
	crashes  []string // exits nobody asked for
}

// roleRun is one life of a role's process.
type roleRun struct {
	cmd    *exec.Cmd
	exited chan struct{}
	asked  atomic.Bool // the suite killed or stopped it
}

// start starts the process and waits until it is ready.
func (r *role) start(ctx context.Context) error {
	cmd := exec.Command(r.exe, r.name)
	cmd.Env, cmd.Stdout, cmd.Stderr = r.env, r.log, r.log
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start shipflow %s: %w", r.name, err)
	}
	run := &roleRun{cmd: cmd, exited: make(chan struct{})}
	r.mu.Lock()
	r.cur = run
	r.mu.Unlock()
	go func() {
		err := cmd.Wait()
		close(run.exited)
		if run.asked.Load() {
			return
		}
		r.mu.Lock()
		stopping := r.stopping
		if !stopping {
			r.crashes = append(r.crashes, fmt.Sprintf("%s exited on its own at %s (%v)", r.name, time.Now().Format("15:04:05.000"), err))
		}
		r.mu.Unlock()
		if stopping || ctx.Err() != nil {
			return
		}
		fmt.Fprintf(r.log, "loadtest: shipflow %s exited on its own (%v); starting it again\n", r.name, err)
		time.Sleep(time.Second)
		_ = r.start(ctx)
	}()
	readyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.ready(readyCtx) }()
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("shipflow %s not ready (log %s): %w", r.name, r.log.Name(), err)
		}
		return nil
	case <-run.exited:
		return fmt.Errorf("shipflow %s exited during start-up; see %s", r.name, r.log.Name())
	}
}

// kill sends SIGKILL to the process group, as a crash or an OOM kill would end it, and waits
// for it to be gone.
func (r *role) kill() (pid int) {
	r.mu.Lock()
	run := r.cur
	r.mu.Unlock()
	if run == nil {
		return 0
	}
	run.asked.Store(true)
	_ = syscall.Kill(-run.cmd.Process.Pid, syscall.SIGKILL)
	<-run.exited
	return run.cmd.Process.Pid
}

// stop asks the process to shut down (SIGTERM) and kills its group if it has not within 20
// seconds; no restart follows.
func (r *role) stop() {
	r.mu.Lock()
	r.stopping = true
	run := r.cur
	r.mu.Unlock()
	if run == nil {
		return
	}
	run.asked.Store(true)
	_ = run.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-run.exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-run.cmd.Process.Pid, syscall.SIGKILL)
		<-run.exited
	}
}

func (r *role) pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return 0
	}
	return r.cur.cmd.Process.Pid
}

func (r *role) unexpectedExits() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.crashes...)
}

// answers200 returns a readiness check that polls url until it answers 200.
func answers200(url string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		c := &http.Client{Timeout: 5 * time.Second}
		var last error
		for {
			resp, err := c.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
				err = fmt.Errorf("GET %s answered %d", url, resp.StatusCode)
			}
			last = err
			select {
			case <-ctx.Done():
				return errors.Join(ctx.Err(), last)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

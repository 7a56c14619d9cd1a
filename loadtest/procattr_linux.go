package loadtest

import "syscall"

// childProcAttr puts a child in its own process group, so that the terminal's Ctrl-C reaches
// only the load test, which then stops shipflow in order, and has the kernel kill it if the
// load test dies without doing so (as engine does for the Temporal dev server).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

//go:build !linux

package loadtest

import "syscall"

// childProcAttr puts a child in its own process group; only Linux can also tie its life to
// the load test's.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

//go:build !linux

package engine

import "syscall"

func devServerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

package loadtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat. USER_HZ is 100 on every Linux
// architecture Go supports, and reading sysconf(_SC_CLK_TCK) would need cgo.
const clockTick = 10 * time.Millisecond

// procInfo is one process of shipflow's tree as /proc last showed it.
type procInfo struct {
	PID  int
	Name string
	CPU  time.Duration // user + system time since the process began
	HWM  int64         // VmHWM: the process's peak resident set, bytes
	RSS  int64         // VmRSS now, bytes
}

// procWatch follows shipflow's processes and their descendants (the Temporal dev server that
// `shipflow dev` runs as its own child), because "what does shipflow cost" has to include the
// engine it brings along. It samples /proc every interval so that processes that come and go
// are still counted and the combined resident set has a peak, not just a final value.
type procWatch struct {
	roots []int

	mu      sync.Mutex
	last    map[int]procInfo // newest sample of every process ever seen
	peakRSS int64            // highest sum of VmRSS over one sample
	nowRSS  int64            // the sum of VmRSS at the newest sample
	stop    chan struct{}
	done    chan struct{}
}

func watchProcs(roots []int, interval time.Duration) *procWatch {
	w := &procWatch{roots: roots, last: map[int]procInfo{}, stop: make(chan struct{}), done: make(chan struct{})}
	w.sample()
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w
}

// Close stops sampling after one last sample.
func (w *procWatch) Close() {
	select {
	case <-w.stop:
		return
	default:
	}
	close(w.stop)
	<-w.done
	w.sample()
}

func (w *procWatch) sample() {
	procs := treeOf(w.roots)
	w.mu.Lock()
	defer w.mu.Unlock()
	var rss int64
	for _, p := range procs {
		w.last[p.PID] = p
		rss += p.RSS
	}
	w.peakRSS = max(w.peakRSS, rss)
	w.nowRSS = rss
}

// rss is the processes' combined resident set at the newest sample: what a soak watches for
// growth.
func (w *procWatch) rss() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nowRSS
}

// snapshot is the CPU used so far by every process seen, by pid, including those that have
// exited since (their last sample stands).
func (w *procWatch) snapshot() map[int]procInfo {
	w.sample()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[int]procInfo, len(w.last))
	for pid, p := range w.last {
		out[pid] = p
	}
	return out
}

// figures sums what the processes used between two snapshots, and their peaks over their
// lifetime (VmHWM) and over the samples (the combined resident set).
func (w *procWatch) figures(from, to map[int]procInfo, wall time.Duration) Processes {
	var out Processes
	for pid, p := range to {
		cpu := p.CPU - from[pid].CPU // a process born since counts from zero
		out.CPUSeconds += cpu.Seconds()
		out.PeakRSSMiB += mib(p.HWM)
		out.Each = append(out.Each, Process{PID: pid, Name: p.Name, CPUSeconds: cpu.Seconds(), PeakRSSMiB: mib(p.HWM)})
	}
	slices.SortFunc(out.Each, func(a, b Process) int { return a.PID - b.PID })
	if wall > 0 {
		out.CPUCores = out.CPUSeconds / wall.Seconds()
	}
	w.mu.Lock()
	out.PeakConcurrentRSSMiB = mib(w.peakRSS)
	w.mu.Unlock()
	return out
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// treeOf reads every live process that is one of roots or descends from one.
func treeOf(roots []int) []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			parent[pid] = st.ppid
		}
	}
	inTree := func(pid int) bool {
		for range 64 { // bounded: a pid loop cannot happen, but /proc changes under us
			if slices.Contains(roots, pid) {
				return true
			}
			pp, ok := parent[pid]
			if !ok || pp <= 1 {
				return false
			}
			pid = pp
		}
		return false
	}
	var out []procInfo
	for pid := range parent {
		if !inTree(pid) {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		hwm, rss := readMemory(pid)
		out = append(out, procInfo{PID: pid, Name: commandOf(pid, st.name), CPU: st.cpu, HWM: hwm, RSS: rss})
	}
	return out
}

type stat struct {
	name string
	ppid int
	cpu  time.Duration
}

// readStat parses /proc/<pid>/stat. The command name is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted from the last ')'.
func readStat(pid int) (stat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}, err
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return stat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	// After the name: state, ppid, ..., utime (14th field of the line) and stime (15th).
	if len(f) < 13 {
		return stat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return stat{name: string(b[open+1 : end]), ppid: ppid, cpu: time.Duration(utime+stime) * clockTick}, nil
}

// readMemory returns VmHWM and VmRSS in bytes (zero for a process that has exited).
func readMemory(pid int) (hwm, rss int64) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmHWM" && key != "VmRSS") {
			continue
		}
		f := strings.Fields(val) // "123456 kB"
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if key == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	return hwm, rss
}

// commandOf names a process by its program and first argument ("shipflow serve", "temporal
// server"), which tells shipflow's children apart where the kernel's name does not.
func commandOf(pid int, name string) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return name
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) < 2 {
		return name
	}
	return filepath.Base(args[0]) + " " + args[1]
}

// childNamed finds a child process of this one by its command name (the first 15 bytes of the
// program's name, as /proc shows it), 0 when there is none: the run's own Temporal server is
// started by package engine, which keeps its process to itself.
func childNamed(name string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil && st.ppid == os.Getpid() && st.name == name {
			return pid
		}
	}
	return 0
}

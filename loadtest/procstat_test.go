package loadtest

import (
	"os"
	"testing"
)

// TestReadStatOfThisProcess checks the /proc parsing the CPU and memory figures rest on.
func TestReadStatOfThisProcess(t *testing.T) {
	st, err := readStat(os.Getpid())
	if err != nil {
		t.Fatalf("read /proc (the figures are Linux only): %v", err)
	}
	if st.name == "" || st.ppid != os.Getppid() {
		t.Errorf("stat of this process: %+v, want a name and parent %d", st, os.Getppid())
	}
	hwm, rss := readMemory(os.Getpid())
	if rss == 0 {
		t.Error("VmRSS of this process is zero")
	}
	if hwm < rss {
		t.Errorf("VmHWM %d below VmRSS %d", hwm, rss)
	}
}

package engine

import "testing"

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:7233": true, "localhost:7233": true, "[::1]:7233": true, "127.0.0.53:7233": true,
		"10.0.4.20:7233": false, "temporal:7233": false, "ns.acct.tmprl.cloud:7233": false, "127.0.0.1": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

package activities_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers keeps the floors issue 16 set: the message service and the delivery domain sit
// below the Temporal edge (neither imports activities or workflows), and notify and order have
// no Temporal import at all, so they run and test without an engine.
func TestLayers(t *testing.T) {
	const mod = "github.com/shipflow/shipflow/"
	for _, c := range []struct {
		pkg    string
		banned []string
	}{
		{"notify/...", []string{mod + "activities", mod + "workflows", "go.temporal.io/"}},
		{"order", []string{mod + "activities", mod + "workflows", "go.temporal.io/"}},
		{"outbound", []string{mod + "activities", mod + "workflows", mod + "server"}},
	} {
		out, err := exec.Command("go", "list", "-deps", "../"+c.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", c.pkg, err, out)
		}
		for dep := range strings.Lines(string(out)) {
			dep = strings.TrimSpace(dep)
			for _, b := range c.banned {
				if dep == b || strings.HasPrefix(dep, b) && strings.HasSuffix(b, "/") {
					t.Errorf("%s depends on %s", c.pkg, dep)
				}
			}
		}
	}
}

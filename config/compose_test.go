package config

import (
	"os"
	"regexp"
	"testing"
)

// devOnly are the settings of `shipflow dev` and the sim carrier, which a deployment from
// docker-compose.yml never uses.
var devOnly = map[string]bool{
	"SHIPFLOW_DATA_DIR": true, "SHIPFLOW_TEMPORAL_CLI": true, "SHIPFLOW_TEMPORAL_UI_PORT": true,
	"SHIPFLOW_SIM_STEP": true, "SHIPFLOW_STANDINS": true,
}

// TestComposePassesEverySetting keeps docker-compose.yml in step with the settings: a setting
// the compose file does not pass through cannot be set in that deployment at all, which for a
// secret (the tracking-link key, a rotation's previous secret) is found only in production.
func TestComposePassesEverySetting(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range (&Config{}).settings() {
		if devOnly[s.env] {
			continue
		}
		passed := regexp.MustCompile(`(?m)^\s+` + s.env + `: `)
		if !passed.Match(b) {
			t.Errorf("docker-compose.yml does not pass %s through (add `%s: ${%s:-}` to x-shipflow-env)", s.env, s.env, s.env)
		}
	}
}

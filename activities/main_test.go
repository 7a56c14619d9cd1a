package activities_test

import (
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
)

// TestMain drops the package's test database (testenv.DB) when its tests are done.
func TestMain(m *testing.M) { testenv.Main(m) }

package db_test

import (
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

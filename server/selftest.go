package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/workflows"
)

// selftestTimeout bounds how long an operator waits to learn that no worker is polling.
const selftestTimeout = 10 * time.Second

type selftestResponse struct {
	WorkflowID string                   `json:"workflow_id"`
	RunID      string                   `json:"run_id"`
	DurationMS float64                  `json:"duration_ms"`
	Result     workflows.SelfTestResult `json:"result"`
}

// selftest runs the SelfTest workflow and waits for it: a 200 means HTTP, Temporal, a worker on
// our task queue and Postgres all work together, which /readyz alone cannot tell.
func (s *server) selftest(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), selftestTimeout)
	defer cancel()
	start := time.Now()
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       "selftest-" + randomID(),
		TaskQueue:                s.Config.Temporal.TaskQueue,
		WorkflowExecutionTimeout: selftestTimeout,
	}, workflows.SelfTestName)
	if err != nil {
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "start self-test workflow: %v", err)
	}
	resp := selftestResponse{WorkflowID: run.GetID(), RunID: run.GetRunID()}
	if err := run.Get(ctx, &resp.Result); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return errorf(http.StatusGatewayTimeout, codeTimeout, "no worker finished the self-test within %s: is `shipflow worker` running on task queue %q?", selftestTimeout, s.Config.Temporal.TaskQueue)
		}
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "self-test failed: %v", err)
	}
	resp.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	return c.JSON(http.StatusOK, resp)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

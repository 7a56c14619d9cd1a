package relay

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
)

func TestRefusedTellsTheRequestFromTheMoment(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("start order: %w", serviceerror.NewInvalidArgument("WorkflowId exceeds length limit")), true},
		{serviceerror.NewUnavailable("connection refused"), false},
		{serviceerror.NewDeadlineExceeded("timeout"), false},
		{errors.New("something else"), false},
	} {
		if got := refused(tc.err); got != tc.want {
			t.Errorf("refused(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

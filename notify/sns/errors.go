package sns

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/shipflow/shipflow/notify"
)

// retryableCodes are SNS's 4xx error codes that mean "not now" rather than "never".
var retryableCodes = map[string]bool{
	"Throttled":           true,
	"Throttling":          true,
	"ThrottlingException": true,
	"KMSThrottling":       true,
	"RequestTimeout":      true,
}

// classify turns an SDK error into shipflow's two kinds. SNS's error body names a code: an
// opted-out number (OptedOut), a bad parameter (InvalidParameter, ParameterValueInvalid),
// refused credentials or permissions (AuthorizationError, SignatureDoesNotMatch,
// InvalidClientTokenId) and any other 4xx answer are permanent; throttling, a 5xx, a network
// error or a timeout is retryable.
func classify(what string, err error) error {
	err = fmt.Errorf("%s: %w", what, err)
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	code := api.ErrorCode()
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	switch {
	case code == "OptedOut":
		return &notify.PermanentError{Code: code, Err: fmt.Errorf("%w: %w", notify.ErrOptedOut, err)}
	case retryableCodes[code], status >= 500, status == http.StatusTooManyRequests:
		return err
	case status >= 400 || api.ErrorFault() == smithy.FaultClient:
		return &notify.PermanentError{Code: code, Err: err}
	}
	return err
}

package googlechat

import (
	"encoding/json"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// errorBody is the Google API error answer: {"error":{"code":400,"message":"...","status":
// "INVALID_ARGUMENT"}}.
type errorBody struct {
	Error struct {
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

// describe gives the error status and a line for the error message: the Google error's status
// and message, or the start of a body that is not one (a front end's HTML page).
func describe(b []byte) (code, detail string) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err == nil && (eb.Error.Status != "" || eb.Error.Message != "") {
		return eb.Error.Status, escalate.Shorten(strings.TrimPrefix(eb.Error.Status+": "+eb.Error.Message, ": "))
	}
	return "", escalate.Shorten(string(b))
}

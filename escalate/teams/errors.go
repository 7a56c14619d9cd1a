package teams

import (
	"encoding/json"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// errorBody is the Azure (Logic Apps / Power Automate) error answer:
// {"error":{"code":"...","message":"..."}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// describe gives the error code and a line for the error message: the Azure error's code and
// message, or the start of a body that is not one (a gateway's page).
func describe(b []byte) (code, detail string) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err == nil && (eb.Error.Code != "" || eb.Error.Message != "") {
		return eb.Error.Code, escalate.Shorten(strings.TrimPrefix(eb.Error.Code+": "+eb.Error.Message, ": "))
	}
	return "", escalate.Shorten(string(b))
}

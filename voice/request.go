package voice

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/order"
)

// Tool names, as the assistant is configured with them. Parameters are
// strings (a number is taken as written); unknown parameters are ignored.
//
//	lookup_shipment_status  order_number*, caller_phone
//	subscribe_updates       order_number*, caller_phone, channel (sms | whatsapp | email; default sms)
//	request_human           order_number*, caller_phone, reason
//	report_delay            tracking_number* or order_number*, location, reason,
//	                        reason_code (traffic | weather | vehicle | customs | address | other;
//	                        default: from reason's words),
//	                        revised_eta (RFC 3339, or a time of day such as "17:30" in the
//	                        customer's time zone: see etaSpec)
//
// The caller-facing tools answer only a verified caller: the caller id the
// platform gives (Vapi's customer number, Retell's from_number), or
// without one caller_phone, must be the order's phone (see verified).
// report_delay answers only a driver (see Handler.DriverPhones and
// AsDriver). A missing * parameter is a 400, as is a parameter longer than
// its cap (paramMax) or holding a control character.
const (
	ToolLookupShipmentStatus = "lookup_shipment_status"
	ToolSubscribeUpdates     = "subscribe_updates"
	ToolReportDelay          = "report_delay"
	ToolRequestHuman         = "request_human"
)

// EventToolInvoked is the only event of the POSKAI shape (docs/reference/voice.md).
const EventToolInvoked = "tool.invoked"

// maxBody caps a request body. The server caps it too; this keeps the
// handler safe on its own.
const maxBody = 1 << 20

// MaxVapiToolCalls caps the tool calls of one Vapi message: an assistant
// asks for one or two at a time, and each may cost a lookup and an update.
const MaxVapiToolCalls = 8

// maxID caps a call id or tool call id: platforms issue UUIDs and the like.
const maxID = 128

// paramMax caps each parameter, in characters: order and tracking numbers
// no shop or carrier issues longer, a phone number as said with spaces,
// and a sentence of free text (order.DelayTextMax) for a reason or place.
var paramMax = map[string]int{
	"order_number":    64,
	"tracking_number": 64,
	"caller_phone":    32,
	"channel":         16,
	"reason_code":     16,
	"revised_eta":     64,
	"reason":          order.DelayTextMax,
	"location":        order.DelayTextMax,
}

// defaultParamMax caps a parameter without a cap of its own.
const defaultParamMax = 256

// codeUnknownTool is the voice line's own code in the API's error shape (package apierr): a
// tool name the handler does not know.
const codeUnknownTool = "unknown_tool"

func missingField(field string) *apierr.Error {
	return &apierr.Error{Status: http.StatusBadRequest, Code: apierr.MissingField, Message: field + " is required"}
}

func invalidField(field, format string, a ...any) *apierr.Error {
	return &apierr.Error{Status: http.StatusBadRequest, Code: apierr.InvalidField, Message: field + " " + fmt.Sprintf(format, a...)}
}

func unknownTool(field, name string) *apierr.Error {
	if len(name) > 64 {
		name = name[:64] + "..." // the answer names what was sent, not all of it
	}
	return &apierr.Error{Status: http.StatusBadRequest, Code: codeUnknownTool,
		Message: fmt.Sprintf("%s %q is not a known tool; the tools are %s", field, name, strings.Join(toolNames(), ", "))}
}

// checkID refuses an id longer than maxID or holding a control character.
func checkID(field, id string) *apierr.Error {
	var fe *order.FieldError
	if errors.As(order.CheckText(field, id, maxID), &fe) {
		return invalidField(field, "%s", fe.Problem)
	}
	return nil
}

// paramError is a tool parameter that is missing or unusable; the
// platform adapter prefixes Param with where its parameters live.
type paramError struct {
	Param   string
	Missing bool
	Alt     string // a parameter that may be given instead of Param
	Problem string
}

func (e *paramError) at(prefix string) *apierr.Error {
	field := prefix + "." + e.Param
	if e.Missing {
		if e.Alt != "" {
			field += " or " + prefix + "." + e.Alt
		}
		return missingField(field)
	}
	return invalidField(field, "%s", e.Problem)
}

// readBody reads a request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apierr.Error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &apierr.Error{Status: http.StatusMethodNotAllowed, Code: apierr.MethodNotAllowed, Message: "use POST"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apierr.Error{Status: http.StatusRequestEntityTooLarge, Code: apierr.TooLarge, Message: "request body is larger than 1 MiB"}
		}
		return nil, &apierr.Error{Status: http.StatusBadRequest, Code: apierr.InvalidJSON, Message: "could not read the request body"}
	}
	return body, nil
}

// unmarshal decodes a request body, naming the field when a value has the
// wrong type.
func unmarshal(body []byte, v any) *apierr.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &apierr.Error{Status: http.StatusBadRequest, Code: apierr.InvalidJSON, Message: "request body is empty"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return invalidField(te.Field, "must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	if errors.As(err, &te) {
		return &apierr.Error{Status: http.StatusBadRequest, Code: apierr.InvalidJSON, Message: "request body must be a JSON object"}
	}
	return &apierr.Error{Status: http.StatusBadRequest, Code: apierr.InvalidJSON, Message: "request body is not valid JSON: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map", "ptr":
		return "object"
	case "slice", "array":
		return "array"
	}
	return goKind
}

// params are a tool call's parameters as the platform sent them.
type params map[string]any

// decodeParams reads a tool call's parameters: a JSON object, a JSON string
// holding one (Vapi's OpenAI-style arguments), or nothing.
func decodeParams(raw json.RawMessage, field string) (params, *apierr.Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return params{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalidField(field, "is not a valid JSON string")
		}
		if strings.TrimSpace(s) == "" {
			return params{}, nil
		}
		raw = json.RawMessage(s)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var p params
	if err := dec.Decode(&p); err != nil || p == nil {
		return nil, invalidField(field, "must be a JSON object of the tool's parameters")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidField(field, "must be a single JSON object")
	}
	return p, nil
}

// str is parameter name as a trimmed string: numbers are taken as written
// (an order number may come as 123456), null and "" are absent. A value
// longer than the parameter's cap (paramMax) or holding a control
// character is refused: it is nobody's order number, and free text goes on
// to staff chats and Postgres, which must not get NULs or forged lines.
func (p params) str(name string) (string, *paramError) {
	var s string
	switch v := p[name].(type) {
	case nil:
		return "", nil
	case string:
		s = strings.TrimSpace(v)
	case json.Number:
		s = v.String()
	case bool:
		return "", &paramError{Param: name, Problem: "must be a string, got a boolean"}
	default:
		return "", &paramError{Param: name, Problem: "must be a string"}
	}
	limit, ok := paramMax[name]
	if !ok {
		limit = defaultParamMax
	}
	var fe *order.FieldError
	if errors.As(order.CheckText(name, s, limit), &fe) {
		return "", &paramError{Param: name, Problem: fe.Problem}
	}
	return s, nil
}

// required is str for a parameter the tool cannot do without.
func (p params) required(name string) (string, *paramError) {
	s, err := p.str(name)
	if err == nil && s == "" {
		err = &paramError{Param: name, Missing: true}
	}
	return s, err
}

// canonical is the parameters as canonical JSON: keys sorted at every
// level, no insignificant space, numbers as written.
func (p params) canonical() []byte {
	b, err := json.Marshal(map[string]any(p))
	if err != nil { // cannot happen for decoded JSON
		return nil
	}
	return b
}

// invocation is one tool call, whatever platform it came from.
type invocation struct {
	platform string // "poskai", "vapi", "retell"
	callID   string
	tool     *tool
	params   params
	args     args
	// locale is the platform's hint of the caller's language, used until
	// the caller is verified (and so may hear the customer's language).
	locale string
	// callerID is the caller's number as the telephone network gave it to
	// the platform, "" when it gave none usable (see networkCaller). It is
	// preferred to a caller_phone the caller says.
	callerID string
	// driver says the caller is a driver (see Handler.driver), the only
	// caller report_delay answers.
	driver bool
	// seen is the order the tool looked up, "" when it found none; verified
	// says the caller was verified for it (a driver for report_delay). The
	// tool's run sets them, for the audit trail.
	seen     string
	verified bool
}

// key identifies the call for the memo: the same call, tool and
// parameters are the same request, however often the platform sends it.
func (inv *invocation) key() string {
	h := sha256.New()
	parts := [][]byte{[]byte(inv.callID), []byte(inv.tool.name), inv.params.canonical()}
	// Who asks is part of the request: a driver's report and a stranger's
	// refused one, or answers to two caller ids, are not the same answer.
	if inv.driver {
		parts = append(parts, []byte("driver"))
	}
	if inv.callerID != "" {
		parts = append(parts, []byte("caller:"+inv.callerID))
	}
	for _, part := range parts {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return "voice:" + hex.EncodeToString(h.Sum(nil))
}

// newInvocation looks the tool up and checks its parameters. prefix names
// where the parameters live in the platform's body, for the 400 message.
func newInvocation(platform, callID, toolField, toolName string, p params, prefix string) (*invocation, *apierr.Error) {
	t, ok := toolsByName[toolName]
	if !ok {
		return nil, unknownTool(toolField, toolName)
	}
	a, perr := t.parse(p)
	if perr != nil {
		return nil, perr.at(prefix)
	}
	return &invocation{platform: platform, callID: callID, tool: t, params: p, args: a}, nil
}

func toolNames() []string {
	names := make([]string, 0, len(toolsByName))
	for n := range toolsByName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// decodePOSKAI reads the request (docs/reference/voice.md).
func decodePOSKAI(body []byte) (*invocation, *apierr.Error) {
	var req struct {
		Event      *string         `json:"event"`
		CallID     string          `json:"call_id"`
		ToolName   string          `json:"tool_name"`
		Parameters json.RawMessage `json:"parameters"`
		Metadata   json.RawMessage `json:"metadata"`
	}
	if err := unmarshal(body, &req); err != nil {
		return nil, err
	}
	switch {
	case req.Event == nil || *req.Event == "":
		return nil, missingField("event")
	case *req.Event != EventToolInvoked:
		return nil, invalidField("event", "must be %q, got %q", EventToolInvoked, *req.Event)
	case strings.TrimSpace(req.CallID) == "":
		return nil, missingField("call_id")
	case strings.TrimSpace(req.ToolName) == "":
		return nil, missingField("tool_name")
	}
	if err := checkID("call_id", req.CallID); err != nil {
		return nil, err
	}
	p, err := decodeParams(req.Parameters, "parameters")
	if err != nil {
		return nil, err
	}
	inv, err := newInvocation("poskai", strings.TrimSpace(req.CallID), "tool_name", req.ToolName, p, "parameters")
	if err != nil {
		return nil, err
	}
	// metadata is the platform's to fill; only hints are read from it, and
	// a shape we do not understand is ignored rather than refused.
	var md map[string]any
	if json.Unmarshal(req.Metadata, &md) == nil {
		inv.locale = order.Clip(firstString(md, "locale", "language"), 35)
		inv.callerID = networkCaller(firstString(md, "caller_phone", "from_number", "from"))
	}
	return inv, nil
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// vapiToolCall is one entry of Vapi's toolCallList. Vapi's documentation
// shows name and arguments at the top; its API schema (ToolCall) puts them
// under function, with the arguments as a JSON string. Both are read.
type vapiToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Function  *struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type vapiNumber struct {
	Number string `json:"number"`
}

type vapiRequest struct {
	Message *struct {
		Type string `json:"type"`
		Call *struct {
			ID       string      `json:"id"`
			Customer *vapiNumber `json:"customer"`
		} `json:"call"`
		Customer     *vapiNumber    `json:"customer"`
		ToolCallList []vapiToolCall `json:"toolCallList"`
		ToolCalls    []vapiToolCall `json:"toolCalls"` // the older name of the list
	} `json:"message"`
}

// vapiCall is one tool call of a Vapi request and the id to answer it with.
type vapiCall struct {
	toolCallID string
	inv        *invocation
}

// decodeVapi reads a Vapi "tool-calls" server message. The call_id of the
// invocations is the Vapi call's id (message.call.id), so a repeated tool
// call within a call is recognised as docs/reference/voice.md describes; a request
// without one falls back to each tool call's own id.
func decodeVapi(body []byte) ([]vapiCall, *apierr.Error) {
	var req vapiRequest
	if err := unmarshal(body, &req); err != nil {
		return nil, err
	}
	m := req.Message
	switch {
	case m == nil:
		return nil, missingField("message")
	case m.Type == "":
		return nil, missingField("message.type")
	case m.Type != "tool-calls":
		return nil, invalidField("message.type", "must be \"tool-calls\", got %q", m.Type)
	}
	list, listField := m.ToolCallList, "message.toolCallList"
	if len(list) == 0 && len(m.ToolCalls) > 0 {
		list, listField = m.ToolCalls, "message.toolCalls"
	}
	if len(list) == 0 {
		return nil, missingField("message.toolCallList")
	}
	if len(list) > MaxVapiToolCalls {
		return nil, invalidField(listField, "holds %d tool calls; a message may carry at most %d", len(list), MaxVapiToolCalls)
	}
	var callID, callerID string
	if m.Call != nil {
		callID = strings.TrimSpace(m.Call.ID)
		if err := checkID("message.call.id", callID); err != nil {
			return nil, err
		}
		if m.Call.Customer != nil {
			callerID = m.Call.Customer.Number
		}
	}
	if callerID == "" && m.Customer != nil {
		callerID = m.Customer.Number
	}
	callerID = networkCaller(callerID)
	calls := make([]vapiCall, 0, len(list))
	for i, tc := range list {
		at := fmt.Sprintf("%s[%d]", listField, i)
		name, rawArgs, nameField, argsField := tc.Name, tc.Arguments, at+".name", at+".arguments"
		if tc.Function != nil && (name == "" || tc.Function.Name != "") {
			name, nameField = tc.Function.Name, at+".function.name"
			if len(tc.Function.Arguments) > 0 || len(rawArgs) == 0 {
				rawArgs, argsField = tc.Function.Arguments, at+".function.arguments"
			}
		}
		id := strings.TrimSpace(tc.ID)
		switch {
		case id == "":
			return nil, missingField(at + ".id")
		case strings.TrimSpace(name) == "":
			return nil, missingField(nameField)
		}
		if err := checkID(at+".id", id); err != nil {
			return nil, err
		}
		p, err := decodeParams(rawArgs, argsField)
		if err != nil {
			return nil, err
		}
		cid := callID
		if cid == "" {
			cid = id
		}
		inv, err := newInvocation("vapi", cid, nameField, name, p, argsField)
		if err != nil {
			return nil, err
		}
		inv.callerID = callerID
		calls = append(calls, vapiCall{toolCallID: id, inv: inv})
	}
	return calls, nil
}

// decodeRetell reads a Retell custom function call: the function's name,
// the call object and the arguments. The caller's number is the call's
// from_number, or to_number on an outbound call.
func decodeRetell(body []byte) (*invocation, *apierr.Error) {
	var req struct {
		Name string `json:"name"`
		Call *struct {
			CallID     string `json:"call_id"`
			FromNumber string `json:"from_number"`
			ToNumber   string `json:"to_number"`
			Direction  string `json:"direction"`
		} `json:"call"`
		Args json.RawMessage `json:"args"`
	}
	if err := unmarshal(body, &req); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(req.Name) == "":
		return nil, missingField("name")
	case req.Call == nil || strings.TrimSpace(req.Call.CallID) == "":
		return nil, missingField("call.call_id")
	}
	if err := checkID("call.call_id", strings.TrimSpace(req.Call.CallID)); err != nil {
		return nil, err
	}
	p, err := decodeParams(req.Args, "args")
	if err != nil {
		return nil, err
	}
	inv, err := newInvocation("retell", strings.TrimSpace(req.Call.CallID), "name", req.Name, p, "args")
	if err != nil {
		return nil, err
	}
	inv.callerID = networkCaller(req.Call.FromNumber)
	if req.Call.Direction == "outbound" {
		inv.callerID = networkCaller(req.Call.ToNumber)
	}
	return inv, nil
}

package voice

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/apierr"
)

type vapiResponse struct {
	Results []struct {
		ToolCallID string `json:"toolCallId"`
		Result     string `json:"result"`
	} `json:"results"`
}

func TestVapi(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantIDs   []string
		wantState []string
	}{
		{
			name: "documented shape, arguments as an object",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1"},"toolCallList":[
				{"id":"tc_1","name":"lookup_shipment_status","arguments":{"order_number":"123456","caller_phone":"+37060000000"}}]}}`,
			wantIDs: []string{"tc_1"}, wantState: []string{StatusSuccess},
		},
		{
			name: "API schema shape, arguments as a JSON string",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1"},"toolCallList":[
				{"id":"tc_2","type":"function","function":{"name":"lookup_shipment_status","arguments":"{\"order_number\":\"123456\",\"caller_phone\":\"+37060000000\"}"}}]}}`,
			wantIDs: []string{"tc_2"}, wantState: []string{StatusSuccess},
		},
		{
			name: "arguments as a string at the top",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1"},"toolCallList":[
				{"id":"tc_3","name":"lookup_shipment_status","arguments":"{\"order_number\":\"123456\",\"caller_phone\":\"+37060000000\"}"}]}}`,
			wantIDs: []string{"tc_3"}, wantState: []string{StatusSuccess},
		},
		{
			name: "caller id from the call when the assistant passes no phone",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1","customer":{"number":"+37060000000"}},"toolCallList":[
				{"id":"tc_4","name":"lookup_shipment_status","arguments":{"order_number":"123456"}}]}}`,
			wantIDs: []string{"tc_4"}, wantState: []string{StatusSuccess},
		},
		{
			name: "a different caller id does not verify",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1"},"customer":{"number":"+37069999999"},"toolCallList":[
				{"id":"tc_5","name":"lookup_shipment_status","arguments":{"order_number":"123456"}}]}}`,
			wantIDs: []string{"tc_5"}, wantState: []string{StatusVerificationRequired},
		},
		{
			name: "several tool calls answered in order",
			body: `{"message":{"type":"tool-calls","call":{"id":"vapi-call-1"},"toolCallList":[
				{"id":"a","name":"lookup_shipment_status","arguments":{"order_number":"123456","caller_phone":"+37060000000"}},
				{"id":"b","name":"lookup_shipment_status","arguments":{"order_number":"0","caller_phone":"+37060000000"}}]}}`,
			wantIDs: []string{"a", "b"}, wantState: []string{StatusSuccess, StatusNotFound},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			code, body := post(t, f.h.Vapi(), tt.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			var r vapiResponse
			if err := json.Unmarshal(body, &r); err != nil || len(r.Results) != len(tt.wantIDs) {
				t.Fatalf("response %s (%v)", body, err)
			}
			for i, res := range r.Results {
				if res.ToolCallID != tt.wantIDs[i] {
					t.Errorf("results[%d].toolCallId = %q, want %q", i, res.ToolCallID, tt.wantIDs[i])
				}
				if strings.Contains(res.Result, "\n") {
					t.Errorf("result has a line break, which Vapi refuses: %q", res.Result)
				}
				a := decodeAnswer(t, []byte(res.Result))
				if a.Status != tt.wantState[i] {
					t.Errorf("results[%d] status %q, want %q", i, a.Status, tt.wantState[i])
				}
				if a.Status == StatusSuccess && !strings.Contains(a.AIInstructions, "Kaunas") {
					t.Errorf("results[%d] instructions %s", i, a.AIInstructions)
				}
			}
		})
	}
}

func TestVapiRepeatUsesTheCallID(t *testing.T) {
	f := newFixture(t)
	body := func(toolCallID string) string {
		return `{"message":{"type":"tool-calls","call":{"id":"vapi-call-9"},"toolCallList":[{"id":"` + toolCallID +
			`","type":"function","function":{"name":"request_human","arguments":"{\"order_number\":\"123456\",\"caller_phone\":\"+37060000000\"}"}}]}}`
	}
	post(t, f.h.Vapi(), body("tc_1"))
	post(t, f.h.Vapi(), body("tc_2"))
	if f.actions.count() != 1 || f.actions.humans[0].callID != "vapi-call-9" {
		t.Errorf("actions %d, %+v", f.actions.count(), f.actions.humans)
	}
}

func TestRetell(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"args and call", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1","direction":"inbound"},
			"args":{"order_number":"123456","caller_phone":"+37060000000"}}`, StatusSuccess},
		{"a number said does not override the caller id", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1","from_number":"+15550001111","direction":"inbound"},
			"args":{"order_number":"123456","caller_phone":"+37060000000"}}`, StatusVerificationRequired},
		{"an anonymous caller id is none", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1","from_number":"anonymous","direction":"inbound"},
			"args":{"order_number":"123456","caller_phone":"+37060000000"}}`, StatusSuccess},
		{"inbound caller id", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1","from_number":"+37060000000","to_number":"+37052000000","direction":"inbound"},
			"args":{"order_number":"123456"}}`, StatusSuccess},
		{"outbound call: the customer is to_number", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1","from_number":"+37052000000","to_number":"+37060000000","direction":"outbound"},
			"args":{"order_number":"123456"}}`, StatusSuccess},
		{"no phone at all", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1"},"args":{"order_number":"123456"}}`, StatusVerificationRequired},
		{"Lithuanian", `{"name":"lookup_shipment_status","call":{"call_id":"retell-1"},"args":{"order_number":"223456","caller_phone":"860000000"}}`, StatusSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			code, body := post(t, f.h.Retell(), tt.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if a := decodeAnswer(t, body); a.Status != tt.want {
				t.Errorf("status %q, want %q: %s", a.Status, tt.want, a.AIInstructions)
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	const tools = "lookup_shipment_status, report_delay, request_human, subscribe_updates"
	tests := []struct {
		name     string
		platform string
		body     string
		code     string
		mentions []string
	}{
		{"not JSON", "poskai", `{"event":`, apierr.InvalidJSON, nil},
		{"empty body", "poskai", ``, apierr.InvalidJSON, nil},
		{"an array", "poskai", `[]`, apierr.InvalidJSON, nil},
		{"missing event", "poskai", `{"call_id":"c","tool_name":"lookup_shipment_status","parameters":{}}`, apierr.MissingField, []string{"event"}},
		{"unknown event", "poskai", `{"event":"tool.finished","call_id":"c","tool_name":"lookup_shipment_status"}`, apierr.InvalidField, []string{"event", "tool.invoked"}},
		{"missing call_id", "poskai", `{"event":"tool.invoked","tool_name":"lookup_shipment_status","parameters":{"order_number":"1"}}`, apierr.MissingField, []string{"call_id"}},
		{"call_id not a string", "poskai", `{"event":"tool.invoked","call_id":7,"tool_name":"x"}`, apierr.InvalidField, []string{"call_id"}},
		{"missing tool_name", "poskai", `{"event":"tool.invoked","call_id":"c","parameters":{}}`, apierr.MissingField, []string{"tool_name"}},
		{"unknown tool", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"cancel_order","parameters":{}}`, codeUnknownTool, []string{"cancel_order", tools}},
		{"parameters not an object", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"lookup_shipment_status","parameters":[1]}`, apierr.InvalidField, []string{"parameters"}},
		{"missing order_number", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"lookup_shipment_status","parameters":{"caller_phone":"+37060000000"}}`, apierr.MissingField, []string{"parameters.order_number"}},
		{"order_number an object", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"lookup_shipment_status","parameters":{"order_number":{}}}`, apierr.InvalidField, []string{"parameters.order_number"}},
		{"bad channel", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"subscribe_updates","parameters":{"order_number":"1","channel":"pigeon"}}`, apierr.InvalidField, []string{"parameters.channel", "sms, whatsapp, email"}},
		{"delay without a parcel", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"report_delay","parameters":{"reason":"traffic"}}`, apierr.MissingField, []string{"parameters.tracking_number or parameters.order_number"}},
		{"bad revised_eta", "poskai", `{"event":"tool.invoked","call_id":"c","tool_name":"report_delay","parameters":{"tracking_number":"X","revised_eta":"soonish"}}`, apierr.InvalidField, []string{"parameters.revised_eta", "RFC 3339"}},

		{"vapi: no message", "vapi", `{}`, apierr.MissingField, []string{"message"}},
		{"vapi: other message type", "vapi", `{"message":{"type":"status-update"}}`, apierr.InvalidField, []string{"message.type", "tool-calls"}},
		{"vapi: no tool calls", "vapi", `{"message":{"type":"tool-calls","toolCallList":[]}}`, apierr.MissingField, []string{"message.toolCallList"}},
		{"vapi: tool call without id", "vapi", `{"message":{"type":"tool-calls","toolCallList":[{"name":"lookup_shipment_status"}]}}`, apierr.MissingField, []string{"message.toolCallList[0].id"}},
		{"vapi: tool call without name", "vapi", `{"message":{"type":"tool-calls","toolCallList":[{"id":"t","function":{"arguments":"{}"}}]}}`, apierr.MissingField, []string{"message.toolCallList[0].function.name"}},
		{"vapi: arguments string not JSON", "vapi", `{"message":{"type":"tool-calls","toolCallList":[{"id":"t","function":{"name":"lookup_shipment_status","arguments":"{order"}}]}}`, apierr.InvalidField, []string{"message.toolCallList[0].function.arguments"}},
		{"vapi: unknown tool", "vapi", `{"message":{"type":"tool-calls","toolCallList":[{"id":"t","name":"dance"}]}}`, codeUnknownTool, []string{"dance", tools}},
		{"vapi: missing parameter", "vapi", `{"message":{"type":"tool-calls","call":{"id":"c"},"toolCallList":[{"id":"t","name":"lookup_shipment_status","arguments":{}}]}}`, apierr.MissingField, []string{"message.toolCallList[0].arguments.order_number"}},

		{"retell: no name", "retell", `{"call":{"call_id":"c"},"args":{}}`, apierr.MissingField, []string{"name"}},
		{"retell: no call", "retell", `{"name":"lookup_shipment_status","args":{"order_number":"1"}}`, apierr.MissingField, []string{"call.call_id"}},
		{"retell: unknown tool", "retell", `{"name":"x","call":{"call_id":"c"},"args":{}}`, codeUnknownTool, []string{tools}},
		{"retell: missing parameter", "retell", `{"name":"request_human","call":{"call_id":"c"},"args":{"caller_phone":"+37060000000"}}`, apierr.MissingField, []string{"args.order_number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			h := map[string]http.Handler{"poskai": f.h.POSKAI(), "vapi": f.h.Vapi(), "retell": f.h.Retell()}[tt.platform]
			code, body := post(t, h, tt.body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", code, body)
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("not the error shape: %s", body)
			}
			if e.Error.Code != tt.code {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tt.code, e.Error.Message)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(e.Error.Message, m) {
					t.Errorf("message %q does not mention %q", e.Error.Message, m)
				}
			}
			if f.source.lookups != 0 || f.actions.count() != 0 {
				t.Errorf("a malformed request reached the order")
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	rec := httptest.NewRecorder()
	f.h.POSKAI().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/voice/tools", nil))
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Body.String(), `"code":"method_not_allowed"`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	code, body := post(t, f.h.POSKAI(), `{"event":"`+strings.Repeat("x", maxBody)+`"}`)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), apierr.TooLarge) {
		t.Errorf("%d %s", code, body)
	}
}

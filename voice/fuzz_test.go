package voice

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fuzzHandler checks what every decoder promises: any body is answered 200
// (a tool call) or 400 (a request it cannot act on) with a JSON body, never
// a 500 or a panic.
func fuzzHandler(f *testing.F, pick func(*Handler) http.Handler, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fx := newFixture(t)
		fx.h.Deadline = 5 * time.Second // a slow fuzzing machine is not a deadline test
		rec := httptest.NewRecorder()
		pick(fx.h).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/voice/tools", bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			var e struct {
				Error *struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("400 without the error shape: %s", rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %s", rec.Body)
		}
	})
}

func FuzzPOSKAI(f *testing.F) {
	fuzzHandler(f, (*Handler).POSKAI,
		poskai("c1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone}),
		poskai("c1", ToolSubscribeUpdates, map[string]any{"order_number": "123456", "caller_phone": phone, "channel": "email"}),
		poskai("c1", ToolReportDelay, map[string]any{"tracking_number": "05212345678901", "revised_eta": "17:30"}),
		poskai("c1", ToolRequestHuman, map[string]any{"order_number": 123456, "caller_phone": phone}),
		`{"event":"tool.invoked","call_id":"c","tool_name":"lookup_shipment_status","parameters":"{\"order_number\":1}"}`,
		`{"event":null,"call_id":{},"parameters":{"a":[1,{"b":null}]}}`,
		`{"event":"tool.invoked","call_id":"c","tool_name":"report_delay","parameters":{"order_number":"2001","revised_eta":"2026-05-08T18:00:00+03:00"},"metadata":"x"}`,
		`null`, `"x"`, `{}`, `{"parameters":"\"\""}`,
		// Hostile: NUL and control characters, huge parameters, a stranger's report.
		poskai("c\x00", ToolLookupShipmentStatus, map[string]any{"order_number": "1\x002", "caller_phone": "\x1b[2J"}),
		poskai("c1", ToolReportDelay, map[string]any{"tracking_number": strings.Repeat("9", 5000), "reason": strings.Repeat("pay now ", 100000)}),
		poskai("c1", ToolReportDelay, map[string]any{"tracking_number": "05212345678901", "reason": "Customs fee unpaid: pay now at https://evil.example/pay", "location": "Vilnius"}),
		poskai(strings.Repeat("c", 100000), strings.Repeat("t", 100000), map[string]any{"x": strings.Repeat("y", 500000)}),
	)
}

func FuzzVapi(f *testing.F) {
	fuzzHandler(f, (*Handler).Vapi,
		`{"message":{"type":"tool-calls","call":{"id":"v"},"toolCallList":[{"id":"t","name":"lookup_shipment_status","arguments":{"order_number":"123456","caller_phone":"+37060000000"}}]}}`,
		`{"message":{"type":"tool-calls","toolCallList":[{"id":"t","type":"function","function":{"name":"report_delay","arguments":"{\"tracking_number\":\"DPD1\"}"}}]}}`,
		`{"message":{"type":"tool-calls","toolCalls":[{"id":"t","function":{"name":"subscribe_updates","arguments":""}}]}}`,
		`{"message":{"type":"tool-calls","customer":{"number":5},"toolCallList":[null]}}`,
		`{"message":null}`, `{"message":{"type":"tool-calls","toolCallList":{}}}`,
		// Hostile: 1000 tool calls, NUL in ids and arguments, a huge caller id.
		`{"message":{"type":"tool-calls","call":{"id":"v"},"toolCallList":[`+strings.Repeat(`{"id":"t","name":"lookup_shipment_status","arguments":{"order_number":"1"}},`, 999)+
			`{"id":"t","name":"lookup_shipment_status","arguments":{"order_number":"1"}}]}}`,
		`{"message":{"type":"tool-calls","call":{"id":"v\u0000","customer":{"number":"`+strings.Repeat("+3", 50000)+`"}},"toolCallList":[{"id":"t\u0000","name":"report_delay","arguments":"{\"tracking_number\":\"\\u0000\"}"}]}}`,
	)
}

func FuzzRetell(f *testing.F) {
	fuzzHandler(f, (*Handler).Retell,
		`{"name":"lookup_shipment_status","call":{"call_id":"r","from_number":"+37060000000"},"args":{"order_number":"123456"}}`,
		`{"name":"request_human","call":{"call_id":"r","direction":"outbound","to_number":"+37060000000"},"args":"{\"order_number\":\"223456\"}"}`,
		`{"name":"report_delay","call":{"call_id":"r"},"args":{"order_number":"8001","revised_eta":"5 PM"}}`,
		`{"name":1}`, `{"call":[]}`,
		// Hostile: NUL, a huge call id, a caller id that is no number.
		`{"name":"report_delay","call":{"call_id":"r\u0000","from_number":"anonymous"},"args":{"tracking_number":"X","reason":"a\u0000b"}}`,
		`{"name":"lookup_shipment_status","call":{"call_id":"`+strings.Repeat("r", 200000)+`"},"args":{"order_number":"1"}}`,
	)
}

package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestSubscribeUpdates(t *testing.T) {
	tests := []struct {
		name         string
		params       map[string]any
		wantStatus   string
		wantChannels []order.Channel // what SetChannels got; nil when not called
		instructions string
	}{
		{
			name:       "sms by default, added to email",
			params:     map[string]any{"order_number": "123456", "caller_phone": phone},
			wantStatus: StatusSuccess, wantChannels: []order.Channel{"email", "sms"},
			instructions: "Confirm to the user that they will now get SMS updates about order 123456.",
		},
		{
			name:       "whatsapp, upper case",
			params:     map[string]any{"order_number": "123456", "caller_phone": phone, "channel": "WhatsApp"},
			wantStatus: StatusSuccess, wantChannels: []order.Channel{"email", "whatsapp"},
			instructions: "Confirm to the user that they will now get WhatsApp updates about order 123456.",
		},
		{
			name:       "Lithuanian",
			params:     map[string]any{"order_number": "223456", "caller_phone": phone},
			wantStatus: StatusSuccess, wantChannels: []order.Channel{"email", "sms"},
			instructions: "Patvirtinkite klientui, kad nuo šiol pranešimai apie užsakymą 223456 bus siunčiami SMS žinutėmis.",
		},
		{
			name:         "already subscribed",
			params:       map[string]any{"order_number": "123456", "caller_phone": phone, "channel": "email"},
			wantStatus:   StatusSuccess,
			instructions: "Tell the user they already get email updates about this order; nothing needs to change.",
		},
		{
			name:         "email without an address on the order",
			params:       map[string]any{"order_number": "7002", "caller_phone": phone, "channel": "email"},
			wantStatus:   StatusError,
			instructions: "Tell the user the order has no email address to send email updates to. Offer WhatsApp updates instead.",
		},
		{
			name:       "push to a customer of the merchant's app",
			params:     map[string]any{"order_number": "7003", "caller_phone": phone, "channel": "push"},
			wantStatus: StatusSuccess, wantChannels: []order.Channel{"email", "push"},
			instructions: "Confirm to the user that they will now get app notification updates about order 7003.",
		},
		{
			name:         "push without an app user id on the order",
			params:       map[string]any{"order_number": "123456", "caller_phone": phone, "channel": "push"},
			wantStatus:   StatusError,
			instructions: "Tell the user the order has no app account to send app notification updates to. Offer SMS updates instead.",
		},
		{
			name:         "delivered order",
			params:       map[string]any{"order_number": "4001", "caller_phone": phone},
			wantStatus:   StatusSuccess,
			instructions: "Tell the user order 4001 is already delivered, so there will be no more updates to send.",
		},
		{
			name:       "caller not verified",
			params:     map[string]any{"order_number": "123456", "caller_phone": "+37069999999"},
			wantStatus: StatusVerificationRequired,
		},
		{
			name:       "unknown order",
			params:     map[string]any{"order_number": "1", "caller_phone": phone},
			wantStatus: StatusNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a, _ := f.callPOSKAI(t, "call-1", ToolSubscribeUpdates, tt.params)
			if a.Status != tt.wantStatus {
				t.Fatalf("status = %q, want %q: %s", a.Status, tt.wantStatus, a.AIInstructions)
			}
			if tt.instructions != "" && a.AIInstructions != tt.instructions {
				t.Errorf("ai_instructions:\n got %s\nwant %s", a.AIInstructions, tt.instructions)
			}
			got, called := f.actions.channels[tt.params["order_number"].(string)]
			if called != (tt.wantChannels != nil) || !slices.Equal(got, tt.wantChannels) {
				t.Errorf("SetChannels got %v (called %v), want %v", got, called, tt.wantChannels)
			}
		})
	}
}

func TestReportDelay(t *testing.T) {
	tests := []struct {
		name         string
		params       map[string]any
		wantStatus   string
		want         *order.Delay // what ReportDelay got; nil when not called
		instructions string
	}{
		{
			name:       "tracking number and a time of day in the customer's zone",
			params:     map[string]any{"tracking_number": "05212345678901", "location": "Kaunas", "reason": "traffic", "revised_eta": "17:30"},
			wantStatus: StatusSuccess,
			want: &order.Delay{ID: "call-1", TrackingNumber: "05212345678901", Location: "Kaunas", Reason: "traffic",
				ReasonCode: order.DelayTraffic, RevisedETA: tp("2026-05-07T14:30:00Z"), At: testNow},
			instructions: "Confirm to the driver that the delay for parcel 05212345678901 (order 123456) is recorded, with the new arrival time today by 5:30 PM. The customer will be told.",
		},
		{
			name:       "a time of day already passed is tomorrow",
			params:     map[string]any{"tracking_number": "05212345678901", "revised_eta": "09:00"},
			wantStatus: StatusSuccess,
			want:       &order.Delay{ID: "call-1", TrackingNumber: "05212345678901", ReasonCode: order.DelayOther, RevisedETA: tp("2026-05-08T06:00:00Z"), At: testNow},
		},
		{
			name:       "RFC 3339",
			params:     map[string]any{"tracking_number": "05212345678901", "revised_eta": "2026-05-08T18:00:00+03:00", "reason": "van broke down"},
			wantStatus: StatusSuccess,
			want: &order.Delay{ID: "call-1", TrackingNumber: "05212345678901", Reason: "van broke down", ReasonCode: order.DelayVehicle,
				RevisedETA: tp("2026-05-08T15:00:00Z"), At: testNow},
		},
		{
			name:         "order number with one open shipment",
			params:       map[string]any{"order_number": "2001", "reason": "traffic"},
			wantStatus:   StatusSuccess,
			want:         &order.Delay{ID: "call-1", ShipmentID: "shp_1", Reason: "traffic", ReasonCode: order.DelayTraffic, At: testNow},
			instructions: "Confirm to the driver that the delay for parcel DPD1 (order 2001) is recorded. The customer will be told.",
		},
		{
			name:       "Lithuanian driver",
			params:     map[string]any{"tracking_number": "05212345678901", "revised_eta": "5:30 PM"},
			wantStatus: StatusSuccess,
			want:       &order.Delay{ID: "call-1", TrackingNumber: "05212345678901", ReasonCode: order.DelayOther, RevisedETA: tp("2026-05-07T14:30:00Z"), At: testNow},
		},
		{
			name:         "order number with two open shipments",
			params:       map[string]any{"order_number": "8001"},
			wantStatus:   StatusError,
			instructions: "Order 8001 has 2 parcels on the way. Ask the driver for the tracking number on the parcel they are calling about.",
		},
		{
			name:         "unknown tracking number",
			params:       map[string]any{"tracking_number": "NOPE"},
			wantStatus:   StatusNotFound,
			instructions: "Tell the driver there is no parcel with tracking number NOPE. Ask them to read the tracking number again, character by character.",
		},
		{
			name:         "delivered order",
			params:       map[string]any{"order_number": "4001"},
			wantStatus:   StatusError,
			instructions: "Tell the driver order 4001 is already recorded as delivered, so no delay was recorded.",
		},
		{
			name:         "cancelled order",
			params:       map[string]any{"order_number": "5001"},
			wantStatus:   StatusError,
			instructions: "Tell the driver order 5001 was cancelled, so no delay was recorded.",
		},
		{
			name:         "returned order",
			params:       map[string]any{"order_number": "5002"},
			wantStatus:   StatusError,
			instructions: "Tell the driver order 5002 was returned, so no delay was recorded.",
		},
		{
			name:       "both numbers: the order number says which order",
			params:     map[string]any{"order_number": "2001", "tracking_number": "DPD1"},
			wantStatus: StatusSuccess,
			want:       &order.Delay{ID: "call-1", TrackingNumber: "DPD1", ReasonCode: order.DelayOther, At: testNow},
		},
		{
			name:       "a reason code said outright wins over the words",
			params:     map[string]any{"tracking_number": "05212345678901", "reason": "snow on the road", "reason_code": "Traffic"},
			wantStatus: StatusSuccess,
			want: &order.Delay{ID: "call-1", TrackingNumber: "05212345678901", Reason: "snow on the road", ReasonCode: order.DelayTraffic,
				At: testNow},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			body := poskai("call-1", ToolReportDelay, tt.params)
			if tt.name == "Lithuanian driver" {
				body = strings.Replace(body, `"metadata":{`, `"metadata":{"locale":"lt",`, 1)
			}
			code, b := post(t, asDriver(f.h.POSKAI()), body)
			a := decodeAnswer(t, b)
			if code != http.StatusOK || a.Status != tt.wantStatus {
				t.Fatalf("%d %q, want %q: %s", code, a.Status, tt.wantStatus, a.AIInstructions)
			}
			if tt.instructions != "" && a.AIInstructions != tt.instructions {
				t.Errorf("ai_instructions:\n got %s\nwant %s", a.AIInstructions, tt.instructions)
			}
			if tt.name == "Lithuanian driver" && a.AIInstructions != "Patvirtinkite vairuotojui, kad siuntos 05212345678901 (užsakymas 123456) vėlavimas užregistruotas, naujas numatomas pristatymo laikas – šiandien iki 17:30. Klientas bus informuotas." {
				t.Errorf("ai_instructions: %s", a.AIInstructions)
			}
			if tt.want == nil {
				if len(f.actions.delays) != 0 {
					t.Errorf("ReportDelay called with %+v", f.actions.delays)
				}
				return
			}
			if len(f.actions.delays) != 1 {
				t.Fatalf("ReportDelay called %d times", len(f.actions.delays))
			}
			got := f.actions.delays[0]
			if got.ID != tt.want.ID || got.TrackingNumber != tt.want.TrackingNumber || got.ShipmentID != tt.want.ShipmentID ||
				got.Location != tt.want.Location || got.Reason != tt.want.Reason || got.ReasonCode != tt.want.ReasonCode || !got.At.Equal(tt.want.At) ||
				(got.RevisedETA == nil) != (tt.want.RevisedETA == nil) ||
				(got.RevisedETA != nil && !got.RevisedETA.Equal(*tt.want.RevisedETA)) {
				t.Errorf("ReportDelay got %+v (eta %v)\nwant %+v (eta %v)", got, got.RevisedETA, *tt.want, tt.want.RevisedETA)
			}
		})
	}
}

func TestReportDelayRefusedByOrder(t *testing.T) {
	f := newFixture(t)
	f.actions.err = fmt.Errorf("shipment shp_1 %w", order.ErrDelivered)
	a, _ := f.callPOSKAI(t, "call-1", ToolReportDelay, map[string]any{"tracking_number": "05212345678901"})
	want := "Tell the driver parcel 05212345678901 is already recorded as delivered, so no delay was recorded."
	if a.Status != StatusError || a.AIInstructions != want {
		t.Errorf("%s: %s", a.Status, a.AIInstructions)
	}
}

// TestReportDelayRefusals: each refusal of the order (an order sentinel behind errors.Is, as
// workflows.UpdateOrder returns them) has its own answer, in the driver's language.
func TestReportDelayRefusals(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		lt     bool
		err    error
		code   string
		want   string
	}{
		{"delivered parcel", map[string]any{"tracking_number": "05212345678901"}, false,
			fmt.Errorf("report_delay on order 123456: shipment shp_1 %w", order.ErrDelivered), "already_delivered",
			"Tell the driver parcel 05212345678901 is already recorded as delivered, so no delay was recorded."},
		{"cancelled order, view not yet", map[string]any{"tracking_number": "05212345678901"}, false,
			fmt.Errorf("report_delay on order 123456: %w: cancelled", order.ErrClosed), "shipment_closed",
			"Tell the driver parcel 05212345678901 belongs to order 123456, which is finished, so no delay was recorded."},
		{"unknown parcel of an order", map[string]any{"order_number": "123456", "tracking_number": "NOPE"}, false,
			fmt.Errorf("report_delay on order 123456: %w NOPE", order.ErrUnknownShipment), "unknown_shipment",
			"Tell the driver order 123456 has no parcel with tracking number NOPE, so no delay was recorded. Ask them to read the tracking number again, character by character."},
		{"unknown parcel, Lithuanian", map[string]any{"order_number": "123456", "tracking_number": "NOPE"}, true,
			fmt.Errorf("report_delay on order 123456: %w NOPE", order.ErrUnknownShipment), "unknown_shipment",
			"Pasakykite vairuotojui, kad užsakyme 123456 siuntos su sekimo numeriu NOPE nėra, todėl vėlavimas neužregistruotas. Paprašykite dar kartą padiktuoti sekimo numerį – po vieną simbolį."},
		{"cancelled order, Lithuanian", map[string]any{"order_number": "5001"}, true, nil, "shipment_closed",
			"Pasakykite vairuotojui, kad užsakymas 5001 atšauktas, todėl vėlavimas neužregistruotas."},
		{"finished since it was read", map[string]any{"order_number": "123456"}, false,
			fmt.Errorf("%w: order is not running", order.ErrClosed), "shipment_closed",
			"Tell the driver parcel 05212345678901 belongs to order 123456, which is finished, so no delay was recorded."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.actions.err = tt.err
			body := poskai("call-1", ToolReportDelay, tt.params)
			if tt.lt {
				body = strings.Replace(body, `"metadata":{`, `"metadata":{"locale":"lt",`, 1)
			}
			_, b := post(t, asDriver(f.h.POSKAI()), body)
			a := decodeAnswer(t, b)
			if a.Status != StatusError || a.Data["code"] != tt.code || a.AIInstructions != tt.want {
				t.Errorf("%s %v:\n got %s\nwant %s", a.Status, a.Data, a.AIInstructions, tt.want)
			}
		})
	}
}

func TestSubscribeToOrderFinishedSinceItWasRead(t *testing.T) {
	f := newFixture(t)
	f.actions.err = fmt.Errorf("%w: order is not running", order.ErrClosed)
	a, _ := f.callPOSKAI(t, "call-1", ToolSubscribeUpdates, map[string]any{"order_number": "123456", "caller_phone": phone, "channel": "whatsapp"})
	if a.Status != StatusSuccess || a.Data["subscribed"] != false ||
		a.AIInstructions != "Tell the user order 123456 is already finished, so there will be no more updates to send." {
		t.Errorf("%s %v: %s", a.Status, a.Data, a.AIInstructions)
	}
}

func TestRequestHuman(t *testing.T) {
	f := newFixture(t)
	a, _ := f.callPOSKAI(t, "call-7", ToolRequestHuman, map[string]any{"order_number": "123456", "caller_phone": phone, "reason": "parcel damaged"})
	want := "Tell the user a member of our team will call them back on the phone number on the order within 24 hours. Ask if there is anything else you can help with."
	if a.Status != StatusSuccess || a.AIInstructions != want {
		t.Errorf("%s: %s", a.Status, a.AIInstructions)
	}
	if len(f.actions.humans) != 1 || f.actions.humans[0] != (humanRequest{"123456", "call-7", "parcel damaged"}) {
		t.Errorf("RequestHuman got %+v", f.actions.humans)
	}

	f = newFixture(t)
	f.h.FollowUp = 4 * time.Hour
	a, _ = f.callPOSKAI(t, "call-8", ToolRequestHuman, map[string]any{"order_number": "223456", "caller_phone": phone})
	want = "Pasakykite klientui, kad mūsų komandos narys perskambins užsakyme nurodytu telefono numeriu per 4 valandas. Paklauskite, ar galite dar kuo nors padėti."
	if a.AIInstructions != want {
		t.Errorf("got %s", a.AIInstructions)
	}
	if len(f.actions.humans) != 1 || f.actions.humans[0] != (humanRequest{"223456", "call-8", ""}) {
		t.Errorf("RequestHuman got %+v, want no reason", f.actions.humans)
	}

	f = newFixture(t)
	a, _ = f.callPOSKAI(t, "call-9", ToolRequestHuman, map[string]any{"order_number": "123456", "caller_phone": "+37069999999"})
	if a.Status != StatusVerificationRequired || len(f.actions.humans) != 0 {
		t.Errorf("unverified caller escalated: %s, %+v", a.Status, f.actions.humans)
	}
}

// TestRequestHumanSaysWhatHappensNext is finding 7 of issue 15: the caller was told staff were
// told even when no chat was configured. The answer now follows who the order reached.
func TestRequestHumanSaysWhatHappensNext(t *testing.T) {
	cases := []struct {
		name    string
		staffed Staffed
		err     error
		number  string
		status  string
		want    string
	}{
		{"ticket", Staffed{Ticket: true}, nil, "123456", StatusSuccess,
			"Tell the user their request is open as a support ticket, and a member of our team will call them back on the phone number on the order within 24 hours. Ask if there is anything else you can help with."},
		{"nobody", Staffed{}, nil, "123456", StatusSuccess,
			"Tell the user their request for a call back is recorded on their order, but nobody is alerted straight away, so do not promise a call or a time. If it is urgent, suggest they contact the shop by the email or phone number in their order confirmation. Ask if there is anything else you can help with."},
		{"nobody lt", Staffed{}, nil, "223456", StatusSuccess,
			"Pasakykite klientui, kad jo prašymas perskambinti užregistruotas užsakyme, tačiau darbuotojai apie jį iš karto nepranešami, todėl nežadėkite nei skambučio, nei laiko. Jei reikalas skubus, pasiūlykite susisiekti su parduotuve el. paštu arba telefonu, nurodytais užsakymo patvirtinime. Paklauskite, ar galite dar kuo nors padėti."},
		{"ticket lt", Staffed{Chats: 2, Ticket: true}, nil, "223456", StatusSuccess,
			"Pasakykite klientui, kad jo prašymas užregistruotas kaip pagalbos užklausa ir mūsų komandos narys perskambins užsakyme nurodytu telefono numeriu per 24 valandas. Paklauskite, ar galite dar kuo nors padėti."},
		{"failed", Staffed{}, errors.New("temporal down"), "123456", StatusError,
			"Apologise: you could not pass their request on just now. Suggest they try again in a few minutes, or contact the shop by the email or phone number in their order confirmation. Do not promise a call back."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.actions.staffed, f.actions.err = &c.staffed, c.err
			a, _ := f.callPOSKAI(t, "call-"+c.name, ToolRequestHuman, map[string]any{"order_number": c.number, "caller_phone": phone})
			if a.Status != c.status || a.AIInstructions != c.want {
				t.Errorf("%s: %s", a.Status, a.AIInstructions)
			}
			promised := c.err == nil && c.staffed.Told()
			if en := c.number == "123456"; en && strings.Contains(a.AIInstructions, "will call them back") != promised {
				t.Errorf("promises a call back: %v, want %v", !promised, promised)
			}
		})
	}
}

func TestRepeatedCallReturnsFirstAnswer(t *testing.T) {
	calls := []struct {
		tool   string
		params map[string]any
	}{
		{ToolSubscribeUpdates, map[string]any{"order_number": "123456", "caller_phone": phone}},
		{ToolReportDelay, map[string]any{"tracking_number": "05212345678901", "revised_eta": "17:30"}},
		{ToolRequestHuman, map[string]any{"order_number": "123456", "caller_phone": phone}},
	}
	for _, c := range calls {
		t.Run(c.tool, func(t *testing.T) {
			f := newFixture(t)
			_, first := f.callPOSKAI(t, "call-1", c.tool, c.params)
			if f.actions.count() != 1 {
				t.Fatalf("first call made %d actions", f.actions.count())
			}
			// The order changes in between; a repeat still gets the first answer.
			orig := f.source.orders["123456"]
			f.source.orders["123456"] = f.source.orders["4001"]
			_, again := f.callPOSKAI(t, "call-1", c.tool, c.params)
			if !bytes.Equal(first, again) {
				t.Errorf("repeat answered differently:\n%s\n%s", first, again)
			}
			if f.actions.count() != 1 {
				t.Errorf("repeat repeated the action: %d calls", f.actions.count())
			}
			if f.memo.ttls[0] != 24*time.Hour {
				t.Errorf("memo ttl %v", f.memo.ttls[0])
			}
			// A new call id is a new request.
			f.source.orders["123456"] = orig
			f.callPOSKAI(t, "call-2", c.tool, c.params)
			if f.actions.count() != 2 {
				t.Errorf("another call did not act: %d calls", f.actions.count())
			}
		})
	}
}

func TestRepeatKeyIgnoresParameterOrderAndSpacing(t *testing.T) {
	f := newFixture(t)
	h := f.h.POSKAI()
	a := `{"event":"tool.invoked","call_id":"c1","tool_name":"subscribe_updates","parameters":{"order_number":"123456","caller_phone":"+37060000000"}}`
	b := `{"tool_name":"subscribe_updates","call_id":"c1","event":"tool.invoked","parameters":{ "caller_phone" : "+37060000000", "order_number":"123456" }}`
	_, first := post(t, h, a)
	_, second := post(t, h, b)
	if !bytes.Equal(first, second) || f.actions.count() != 1 {
		t.Errorf("same parameters in another order acted again (%d): %s / %s", f.actions.count(), first, second)
	}
	c := strings.Replace(a, `"123456"`, `"223456"`, 1)
	post(t, h, c)
	if f.actions.count() != 2 {
		t.Errorf("different parameters were taken for a repeat")
	}
}

func TestMemoFailureStillAnswers(t *testing.T) {
	f := newFixture(t)
	f.memo.err = errors.New("memo down")
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone})
	if a.Status != StatusSuccess {
		t.Errorf("status %s", a.Status)
	}
	f.h.Memo = nil
	if a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone}); a.Status != StatusSuccess {
		t.Errorf("without a memo: %s", a.Status)
	}
}

func TestDeadline(t *testing.T) {
	const deadline = 150 * time.Millisecond
	tests := []struct {
		name  string
		slow  func(f *fixture)
		tool  string
		param map[string]any
	}{
		{"slow source", func(f *fixture) { f.source.sleep = time.Second }, ToolLookupShipmentStatus,
			map[string]any{"order_number": "123456", "caller_phone": phone}},
		{"slow action", func(f *fixture) { f.actions.sleep = time.Second }, ToolRequestHuman,
			map[string]any{"order_number": "123456", "caller_phone": phone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.h.Deadline = deadline
			tt.slow(f)
			start := time.Now()
			a, _ := f.callPOSKAI(t, "call-slow", tt.tool, tt.param)
			elapsed := time.Since(start)
			if elapsed >= deadline {
				t.Errorf("answered after %v, deadline %v", elapsed, deadline)
			}
			if a.Status != StatusError || a.Data["code"] != "timeout" {
				t.Errorf("got %s %v", a.Status, a.Data)
			}
			want := "Apologise: you can't check this right now. Offer to have a member of our team call them back, or suggest they try again in a few minutes."
			if a.AIInstructions != want {
				t.Errorf("ai_instructions = %s", a.AIInstructions)
			}
			if !strings.Contains(f.logs.String(), "call_id=call-slow") || !strings.Contains(f.logs.String(), "deadline") {
				t.Errorf("missed deadline not logged with the call id:\n%s", f.logs)
			}
		})
	}
}

func TestDeadlineDefault(t *testing.T) {
	h := &Handler{}
	ctx, cancel := h.deadline(t.Context())
	defer cancel()
	dl, _ := ctx.Deadline()
	if left := time.Until(dl); left > 750*time.Millisecond || left < 700*time.Millisecond {
		t.Errorf("default budget %v, want 800ms less a 50ms margin", left)
	}
}

func TestSourcePanicIsAnErrorAnswer(t *testing.T) {
	f := newFixture(t)
	f.h.Source = panicSource{f.source}
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone})
	if a.Status != StatusError {
		t.Errorf("status %s", a.Status)
	}
}

type panicSource struct{ *fakeSource }

func (panicSource) Order(ctx context.Context, id string) (Found, error) { panic("boom") }

// FuzzDelayRefusal: whatever a driver says and whichever refusal the order gives, the answer
// is a 200 with the refusal's own code, and never quotes the workflow's error text.
func FuzzDelayRefusal(f *testing.F) {
	f.Add("123456", "NOPE", uint8(0), "shipment shp_1 secret-internal-detail")
	f.Add("", "05212345678901", uint8(1), "cancelled secret-internal-detail")
	f.Add("5001", "", uint8(2), "NUL\x00 secret-internal-detail")
	f.Add("#2001", "DPD1", uint8(1), strings.Repeat("x", 5000))
	sentinels := []error{order.ErrDelivered, order.ErrClosed, order.ErrUnknownShipment}
	codes := []string{"already_delivered", "shipment_closed", "unknown_shipment"}
	f.Fuzz(func(t *testing.T, number, tn string, which uint8, detail string) {
		fx := newFixture(t)
		fx.h.Deadline = 5 * time.Second
		i := int(which) % len(sentinels)
		fx.actions.err = fmt.Errorf("report_delay on order %s: %w: %s", number, sentinels[i], detail)
		code, b := post(t, asDriver(fx.h.POSKAI()), poskai("c1", ToolReportDelay, map[string]any{"order_number": number, "tracking_number": tn}))
		if code != http.StatusOK && code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", code, b)
		}
		if code != http.StatusOK {
			return
		}
		a := decodeAnswer(t, b)
		if strings.Contains(a.AIInstructions, "secret-internal-detail") {
			t.Fatalf("the workflow's error reached the driver: %s", a.AIInstructions)
		}
		if fx.actions.calls > 0 && a.Status == StatusError && a.Data["code"] != codes[i] && a.Data["code"] != "already_delivered" {
			t.Fatalf("refused with %v, want %s: %s", a.Data["code"], codes[i], a.AIInstructions)
		}
	})
}

// TestReportDelayOnReturningParcel: the order refuses a delay for a parcel going back to its
// sender (order.ShipmentStatus.Final); the driver hears that, not that the order is finished.
func TestReportDelayOnReturningParcel(t *testing.T) {
	v := order.View{OrderID: "123456", Status: order.StatusException,
		Shipments: []order.ShipmentView{{ShipmentID: "shp_1", TrackingNumber: "05212345678901", Status: order.ShipmentReturnedToSender}}}
	err := fmt.Errorf("report_delay on order 123456: %w: shipment shp_1 is returned_to_sender", order.ErrClosed)
	for locale, want := range map[string]string{
		"en": "Tell the driver parcel 05212345678901 is going back to the sender, so it is not to be delivered and no delay was recorded.",
		"lt": "Pasakykite vairuotojui, kad siunta 05212345678901 grąžinama siuntėjui ir nebus pristatoma, todėl vėlavimas neužregistruotas.",
	} {
		a := delayRefused(say(locale), v, &v.Shipments[0], "", "123456", err)
		if a == nil || a.Status != StatusError || a.AIInstructions != want {
			t.Errorf("%s: %+v", locale, a)
		}
	}
}

package voice

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

func TestLookupShipmentStatus(t *testing.T) {
	tests := []struct {
		name         string
		order        string
		wantStatus   string
		instructions string            // exact, when set
		contains     []string          // in the instructions
		absent       []string          // not in the instructions
		data         map[string]string // string fields of data
	}{
		{
			name: "in transit, English", order: "123456", wantStatus: StatusSuccess,
			instructions: "Tell the user their package is in Kaunas and will arrive tomorrow by 5:00 PM. Ask if they want SMS updates.",
			data: map[string]string{
				"status": "In Transit", "status_code": "in_transit", "eta": "May 8th, 2026, by 5:00 PM",
				"eta_relative": "tomorrow by 5:00 PM", "current_location": "Kaunas", "carrier": "DPD",
				"tracking_number": "05212345678901", "order_number": "123456",
			},
		},
		{
			name: "in transit, Lithuanian", order: "223456", wantStatus: StatusSuccess,
			instructions: "Pasakykite klientui, kad siunta šiuo metu yra Kaune ir bus pristatyta rytoj iki 17:00. " +
				"Paklauskite, ar klientas norėtų gauti SMS pranešimus apie siuntos būseną.",
			data: map[string]string{
				"status": "Kelyje", "status_code": "in_transit", "eta": "2026 m. gegužės 8 d. iki 17:00",
				"eta_relative": "rytoj iki 17:00", "current_location": "Kaunas",
			},
		},
		{
			name: "split order, shipment by shipment, no SMS offer when on sms", order: "2001", wantStatus: StatusSuccess,
			instructions: "Order 2001 was sent in 2 parcels; tell the user about each one in turn. " +
				"Parcel 1 (Shoes and Socks, DPD) is in Kaunas and will arrive tomorrow by 5:00 PM. " +
				"Parcel 2 (Jacket, Omniva) was delivered yesterday at 2:14 PM. " +
				"The rest of the order (Hat) hasn't shipped yet.",
			data: map[string]string{"carrier": "DPD and Omniva", "eta": "May 8th, 2026, by 5:00 PM"},
		},
		{
			name: "split order, Lithuanian", order: "2002", wantStatus: StatusSuccess,
			instructions: "Užsakymas 2002 išsiųstas keliomis siuntomis (iš viso – 2); papasakokite klientui apie kiekvieną siuntą atskirai. " +
				"Pirmoji siunta (Shoes ir Socks, DPD) šiuo metu yra Kaune ir bus pristatyta rytoj iki 17:00. " +
				"Antroji siunta (Jacket, Omniva) pristatyta vakar 14:14. " +
				"Likusios užsakymo prekės (Hat) dar neišsiųstos.",
		},
		{
			name: "driver delay explained", order: "3001", wantStatus: StatusSuccess,
			contains: []string{
				"will arrive tomorrow by 6:30 PM",
				`Explain that the driver reported a delay, saying "traffic (near Kaunas)"`,
				"they will get a message if it changes again",
			},
			data: map[string]string{"status_code": "exception", "status": "Issue Reported"},
		},
		{
			name: "carrier exception with what happens next", order: "3002", wantStatus: StatusSuccess,
			instructions: "Tell the user their package is held up. The carrier hasn't given a delivery estimate yet. " +
				`Explain that the carrier reported a problem with the delivery, saying "Address incomplete", ` +
				"and that our team has been alerted and will contact them within 24 hours. Ask if they want SMS updates.",
		},
		{
			name: "carrier exception, Lithuanian", order: "3003", wantStatus: StatusSuccess,
			contains: []string{
				"Pasakykite klientui, kad siunta sulaikyta.",
				"Paaiškinkite, kad vežėjas pranešė apie problemą su siunta ir nurodė: „Address incomplete“, ir kad mūsų komanda jau informuota ir susisieks su klientu per 24 valandas.",
			},
		},
		{
			name: "delivered says when, no SMS offer", order: "4001", wantStatus: StatusSuccess,
			instructions: "Tell the user their order 4001 was delivered yesterday at 2:14 PM. If they can't find it, offer to have a member of our team call them back.",
			data:         map[string]string{"status": "Delivered", "delivered": "yesterday at 2:14 PM"},
		},
		{
			name: "delivered, Lithuanian", order: "4002", wantStatus: StatusSuccess,
			instructions: "Pasakykite klientui, kad užsakymas 4002 pristatytas vakar 14:14. Jei klientas siuntos neranda, pasiūlykite, kad mūsų komandos narys perskambintų.",
			data:         map[string]string{"status": "Pristatytas"},
		},
		{
			name: "cancelled, without the merchant's internal reason", order: "5001", wantStatus: StatusSuccess,
			instructions: "Tell the user their order 5001 was cancelled on May 5. If they have questions about a refund, offer to have a member of our team call them back.",
			absent:       []string{"fraud"},
			data:         map[string]string{"status_code": "cancelled"},
		},
		{
			name: "returned with refund", order: "5002", wantStatus: StatusSuccess,
			instructions: "Tell the user their order 5002 was returned to the shop yesterday at 12:00 PM. A refund of 49.99 EUR was processed today at 11:00 AM.",
		},
		{
			name: "not shipped yet, promised date", order: "6001", wantStatus: StatusSuccess,
			instructions: "Tell the user their order 6001 is confirmed and being prepared for shipping. It should arrive on Tuesday, May 12. Ask if they want SMS updates.",
			data:         map[string]string{"eta": "May 12th, 2026", "status": "Confirmed"},
		},
		{
			name: "unknown order", order: "999999", wantStatus: StatusNotFound,
			instructions: "Tell the user you couldn't find order number 999999. Ask them to repeat the order number slowly, digit by digit.",
		},
		{
			name: "order number said with a hash and spaces", order: "#123 456", wantStatus: StatusSuccess,
			contains: []string{"their package is in Kaunas"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": tt.order, "caller_phone": phone})
			if a.Status != tt.wantStatus {
				t.Fatalf("status = %q, want %q (%s)", a.Status, tt.wantStatus, a.AIInstructions)
			}
			if tt.instructions != "" && a.AIInstructions != tt.instructions {
				t.Errorf("ai_instructions:\n got %s\nwant %s", a.AIInstructions, tt.instructions)
			}
			for _, c := range tt.contains {
				if !strings.Contains(a.AIInstructions, c) {
					t.Errorf("ai_instructions lack %q:\n%s", c, a.AIInstructions)
				}
			}
			for _, c := range tt.absent {
				if strings.Contains(a.AIInstructions, c) || strings.Contains(mustJSON(a.Data), c) {
					t.Errorf("answer mentions %q", c)
				}
			}
			for k, want := range tt.data {
				if got, _ := a.Data[k].(string); got != want {
					t.Errorf("data.%s = %q, want %q", k, got, want)
				}
			}
			if f.actions.count() != 0 {
				t.Errorf("lookup called %d actions", f.actions.count())
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestLookupSplitOrderData(t *testing.T) {
	f := newFixture(t)
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "2001", "caller_phone": phone})
	raw, ok := a.Data["shipments"].([]any)
	if !ok || len(raw) != 2 {
		t.Fatalf("data.shipments = %v, want two", a.Data["shipments"])
	}
	want := []map[string]any{
		{"shipment_id": "shp_1", "status": "In Transit", "status_code": "in_transit", "eta": "May 8th, 2026, by 5:00 PM",
			"current_location": "Kaunas", "carrier": "DPD", "items": []any{"Shoes", "Socks"}},
		{"shipment_id": "shp_2", "status": "Delivered", "status_code": "delivered", "eta": "",
			"current_location": "Vilnius", "carrier": "Omniva", "items": []any{"Jacket"}, "delivered": "yesterday at 2:14 PM"},
	}
	for i, w := range want {
		got := raw[i].(map[string]any)
		for k, v := range w {
			if mustJSON(got[k]) != mustJSON(v) {
				t.Errorf("shipments[%d].%s = %v, want %v", i, k, got[k], v)
			}
		}
	}
}

func TestLookupExceptionData(t *testing.T) {
	f := newFixture(t)
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "3002", "caller_phone": phone})
	x, ok := a.Data["exception"].(map[string]any)
	if !ok {
		t.Fatalf("data.exception = %v", a.Data["exception"])
	}
	if x["reason"] != "carrier_exception" || x["next_steps"] != "Our team has been alerted and will contact them within 24 hours." {
		t.Errorf("data.exception = %v", x)
	}
}

func TestLookupLateEstimate(t *testing.T) {
	f := newFixture(t)
	v := f.source.orders["123456"]
	v.Shipments[0].EstimatedDelivery = tp("2026-05-06T14:00:00Z")
	f.source.orders["123456"] = v
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone})
	want := "Tell the user their package is in Kaunas; the carrier expected it on May 6, so it is running late. Ask if they want SMS updates."
	if a.AIInstructions != want {
		t.Errorf("ai_instructions:\n got %s\nwant %s", a.AIInstructions, want)
	}
	if _, ok := a.Data["eta_relative"]; ok {
		t.Errorf("a passed estimate is still given as eta_relative: %v", a.Data)
	}
}

func TestLookupOutForDelivery(t *testing.T) {
	for _, tt := range []struct{ locale, want string }{
		{"en", "Tell the user their package is out for delivery and will arrive today by 5:00 PM."},
		{"lt", "Pasakykite klientui, kad siunta jau pakeliui pas klientą ir bus pristatyta šiandien iki 17:00."},
	} {
		f := newFixture(t)
		v := f.source.orders["123456"]
		v.Status, v.Customer.Locale = "out_for_delivery", tt.locale
		v.Notify.Channels = append(v.Notify.Channels, "sms")
		v.Shipments[0].Status, v.Shipments[0].EstimatedDelivery = "out_for_delivery", tp("2026-05-07T14:00:00Z")
		f.source.orders["123456"] = v
		a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone})
		if a.AIInstructions != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.locale, a.AIInstructions, tt.want)
		}
	}
}

func TestVerification(t *testing.T) {
	tests := []struct {
		name, order, caller string
		want, reason        string
	}{
		{"E.164", "123456", "+37060000000", StatusSuccess, ""},
		{"spaces", "123456", "+370 600 00000", StatusSuccess, ""},
		{"dashes and brackets", "123456", "+370 (600) 00-000", StatusSuccess, ""},
		{"00 prefix", "123456", "0037060000000", StatusSuccess, ""},
		{"national with trunk 8", "123456", "8 600 00000", StatusSuccess, ""},
		{"national without trunk", "123456", "60000000", StatusSuccess, ""},
		{"different number", "123456", "+37060000001", StatusVerificationRequired, "caller_phone_mismatch"},
		{"other country code", "123456", "+37160000000", StatusVerificationRequired, "caller_phone_mismatch"},
		{"too short a tail", "123456", "000000", StatusVerificationRequired, "caller_phone_mismatch"},
		{"not a number", "123456", "call me maybe", StatusVerificationRequired, "caller_phone_mismatch"},
		{"missing", "123456", "", StatusVerificationRequired, "caller_phone_missing"},
		// Said exactly as a mismatch: the caller does not learn the order has no phone on file.
		{"order without a phone", "7001", "+37060000000", StatusVerificationRequired, "caller_phone_mismatch"},
	}
	instructions := map[string]string{} // by log reason: the same case must sound the same
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := map[string]any{"order_number": tt.order}
			if tt.caller != "" {
				p["caller_phone"] = tt.caller
			}
			a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, p)
			if a.Status != tt.want {
				t.Fatalf("status = %q, want %q", a.Status, tt.want)
			}
			if tt.want != StatusVerificationRequired {
				return
			}
			for k := range a.Data {
				if k != "order_number" {
					t.Errorf("verification_required discloses data.%s", k)
				}
			}
			if prev, ok := instructions[tt.reason]; ok && prev != a.AIInstructions {
				t.Errorf("instructions differ within %s:\n%s\n%s", tt.reason, prev, a.AIInstructions)
			}
			instructions[tt.reason] = a.AIInstructions
			for _, leak := range []string{"Kaunas", "DPD", "tomorrow", "05212345678901"} {
				if strings.Contains(a.AIInstructions, leak) {
					t.Errorf("instructions disclose %q: %s", leak, a.AIInstructions)
				}
			}
			if !strings.Contains(a.AIInstructions, "Don't share any details") {
				t.Errorf("instructions = %s", a.AIInstructions)
			}
		})
	}
}

// TestVerificationLanguage: an unverified caller hears the platform's language, not the
// customer's, which would tell them something about the order.
func TestVerificationLanguage(t *testing.T) {
	f := newFixture(t)
	body := `{"event":"tool.invoked","call_id":"c1","tool_name":"lookup_shipment_status",
		"parameters":{"order_number":"123456"},"metadata":{"locale":"lt-LT"}}`
	_, b := post(t, f.h.POSKAI(), body)
	want := "Kol kas neatskleiskite jokios informacijos apie šį užsakymą. Paprašykite kliento pasakyti telefono numerį, kuriuo pateiktas užsakymas, ir bandykite dar kartą."
	if a := decodeAnswer(t, b); a.Status != StatusVerificationRequired || a.AIInstructions != want {
		t.Errorf("got %s: %s", a.Status, a.AIInstructions)
	}
	// A Lithuanian customer's order, a caller on an English line.
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "223456"})
	if a.Status != StatusVerificationRequired || !strings.HasPrefix(a.AIInstructions, "Don't share any details") {
		t.Errorf("got %s: %s", a.Status, a.AIInstructions)
	}
}

func TestNotFoundInCallerLanguage(t *testing.T) {
	f := newFixture(t)
	body := `{"event":"tool.invoked","call_id":"c1","tool_name":"lookup_shipment_status",
		"parameters":{"order_number":"42","caller_phone":"+37060000000"},"metadata":{"locale":"lt-LT"}}`
	code, b := post(t, f.h.POSKAI(), body)
	a := decodeAnswer(t, b)
	want := "Pasakykite klientui, kad užsakymo numeriu 42 rasti nepavyko. Paprašykite lėtai pakartoti užsakymo numerį – po vieną skaitmenį."
	if code != 200 || a.Status != StatusNotFound || a.AIInstructions != want {
		t.Errorf("%d %s: %s", code, a.Status, a.AIInstructions)
	}
}

func TestOrderNumberAsJSONNumber(t *testing.T) {
	f := newFixture(t)
	code, b := post(t, f.h.POSKAI(), `{"event":"tool.invoked","call_id":"c1","tool_name":"lookup_shipment_status","parameters":{"order_number":123456,"caller_phone":"+37060000000"}}`)
	if a := decodeAnswer(t, b); code != 200 || a.Status != StatusSuccess {
		t.Errorf("%d %s", code, b)
	}
}

func TestSourceFailure(t *testing.T) {
	f := newFixture(t)
	f.source.err = errString("connection refused")
	a, _ := f.callPOSKAI(t, "call-1", ToolLookupShipmentStatus, map[string]any{"order_number": "123456", "caller_phone": phone})
	if a.Status != StatusError || !strings.HasPrefix(a.AIInstructions, "Apologise") {
		t.Errorf("got %s: %s", a.Status, a.AIInstructions)
	}
	if f.memo.size() != 0 {
		t.Error("an error answer was remembered; a retry would get it again")
	}
	if !strings.Contains(f.logs.String(), "call_id=call-1") {
		t.Errorf("failure not logged with the call id:\n%s", f.logs)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestLookupOfAnOrderOnlyReceived is a caller asking about an order shipflow acknowledged but
// has not applied yet (Found.Received): received and being prepared, with the items and the
// promised date, in the customer's language; no SMS offer, since subscribing needs the
// order's workflow; and the caller verified as for any order.
func TestLookupOfAnOrderOnlyReceived(t *testing.T) {
	f := newFixture(t)
	rx := func(id, locale string) order.View {
		return order.View{
			OrderID: id, Status: order.StatusCreated, Customer: customer(locale),
			Notify:           order.NotifyView{Channels: []order.Channel{order.ChannelEmail}},
			Items:            []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}, {SKU: "SOCK-2", Quantity: 2}},
			PromisedDelivery: tp("2026-05-09T00:00:00Z"),
		}
	}
	f.source.received = map[string]order.View{"9001": rx("9001", "en"), "9002": rx("9002", "lt")}
	f.source.received["9003"] = order.View{OrderID: "9003", Status: order.StatusCreated, Customer: customer("en")}

	tests := []struct {
		order, instructions string
		data                map[string]string
	}{
		{"9001", "Tell the user their order 9001 (Shoes and SOCK-2) has been received and is being prepared. " +
			"It should arrive on Saturday, May 9. Tracking details will follow once it ships.",
			map[string]string{"status": "Received, Being Prepared", "status_code": "received", "eta": "May 9th, 2026", "eta_relative": "on Saturday, May 9"}},
		{"9002", "Pasakykite klientui, kad užsakymas 9002 (Shoes ir SOCK-2) gautas ir šiuo metu ruošiamas. " +
			"Numatomas pristatymas – gegužės 9 d., šeštadienį. Siuntos sekimo informacija bus pateikta, kai užsakymas bus išsiųstas.",
			map[string]string{"status": "Gautas, ruošiamas", "status_code": "received"}},
		{"9003", "Tell the user their order 9003 has been received and is being prepared. Tracking details will follow once it ships.",
			map[string]string{"status_code": "received", "eta": ""}},
	}
	for _, tt := range tests {
		a, body := f.callPOSKAI(t, "call-rx-"+tt.order, ToolLookupShipmentStatus, map[string]any{"order_number": tt.order, "caller_phone": phone})
		if a.Status != StatusSuccess {
			t.Fatalf("%s: %s", tt.order, body)
		}
		if a.AIInstructions != tt.instructions {
			t.Errorf("%s instructions:\n got %q\nwant %q", tt.order, a.AIInstructions, tt.instructions)
		}
		for k, want := range tt.data {
			if got, _ := a.Data[k].(string); got != want {
				t.Errorf("%s data[%s] = %q, want %q", tt.order, k, got, want)
			}
		}
	}
	a, _ := f.callPOSKAI(t, "call-rx-items", ToolLookupShipmentStatus, map[string]any{"order_number": "9001", "caller_phone": phone})
	if items, _ := a.Data["items"].([]any); len(items) != 2 || items[0] != "Shoes" || items[1] != "SOCK-2" {
		t.Errorf("items: %v", a.Data["items"])
	}
	if _, ok := a.Data["notify_channels"].([]any); !ok {
		t.Errorf("notify_channels missing: %v", a.Data)
	}

	a, body := f.callPOSKAI(t, "call-rx-wrong", ToolLookupShipmentStatus, map[string]any{"order_number": "9001", "caller_phone": "+37069999999"})
	if a.Status != StatusVerificationRequired || len(a.Data) != 1 || strings.Contains(string(body), "Shoes") {
		t.Errorf("wrong caller: %s", body)
	}
	a, body = f.callPOSKAI(t, "call-rx-none", ToolLookupShipmentStatus, map[string]any{"order_number": "9001"})
	if a.Status != StatusVerificationRequired || strings.Contains(string(body), "Shoes") {
		t.Errorf("no caller phone: %s", body)
	}
}

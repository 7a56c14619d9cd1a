package voice

import (
	"strings"
	"testing"
)

// TestStatusText is the text a customer reads back: the facts the assistant is told, spoken
// to the customer, in their language, with the tracking link, and never anyone's free text.
func TestStatusText(t *testing.T) {
	const link = "https://shop.example/t/abc"
	orders := testOrders()
	tests := []struct {
		order  string
		want   string   // exact, when set
		absent []string // never in the text
	}{
		{order: "123456", want: "Order 123456: In Transit.\nDPD: In Transit, last seen in Kaunas, arriving tomorrow by 5:00 PM.\nTrack it: " + link},
		{order: "223456", want: "Užsakymas 223456: Kelyje.\nDPD: Kelyje, paskutinį kartą matyta Kaune, numatomas pristatymas – rytoj iki 17:00.\nSekite siuntą: " + link},
		{order: "2001", want: "Order 2001: In Transit.\n" +
			"Parcel 1 (Shoes and Socks, DPD): In Transit, last seen in Kaunas, arriving tomorrow by 5:00 PM.\n" +
			"Parcel 2 (Jacket, Omniva): Delivered yesterday at 2:14 PM.\nTrack it: " + link},
		{order: "2002", want: "Užsakymas 2002: Kelyje.\n" +
			"Siunta 1 (Shoes ir Socks, DPD): Kelyje, paskutinį kartą matyta Kaune, numatomas pristatymas – rytoj iki 17:00.\n" +
			"Siunta 2 (Jacket, Omniva): Pristatyta vakar 14:14.\nSekite siuntą: " + link},
		{order: "3001", absent: []string{"traffic"}, want: "Order 3001: Issue Reported.\n" +
			"DPD: In Transit, last seen in Kaunas, arriving tomorrow by 6:30 PM.\n" +
			"The driver reported a delay; the arrival time above takes it into account.\nTrack it: " + link},
		{order: "3003", absent: []string{"Address incomplete"}},
		{order: "4001", want: "Order 4001: Delivered.\nDPD: Delivered yesterday at 2:14 PM.\nTrack it: " + link},
		{order: "5001", want: "Order 5001: Cancelled.\nTrack it: " + link, absent: []string{"fraud"}},
		{order: "6001", want: "Order 6001: Confirmed.\nIt should arrive on Tuesday, May 12.\nTrack it: " + link},
	}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			got := StatusText(orders[tt.order], testNow, link)
			if tt.want != "" && got != tt.want {
				t.Errorf("text:\n got %q\nwant %q", got, tt.want)
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("text carries %q: %s", a, got)
				}
			}
		})
	}
	if got := StatusText(orders["123456"], testNow, ""); strings.Contains(got, "Track") {
		t.Errorf("without a link the text still offers one: %s", got)
	}
}

func TestNoOrderAndMoreOrdersText(t *testing.T) {
	if got := NoOrderText("lt-LT"); !strings.HasPrefix(got, "Pagal šį numerį užsakymo neradome.") {
		t.Errorf("lt: %s", got)
	}
	if got := NoOrderText(""); !strings.HasPrefix(got, "We couldn't find an order for this number.") {
		t.Errorf("en: %s", got)
	}
	for _, tt := range []struct{ locale, want string }{
		{"en", "You have 5 open orders; here are the latest 3."},
		{"lt", "Turite 5 vykdomus užsakymus; čia – naujausi 3."},
		{"lt", "Turite 11 vykdomų užsakymų; čia – naujausi 3."},
	} {
		open := 5
		if strings.Contains(tt.want, "11") {
			open = 11
		}
		if got := MoreOrdersText(tt.locale, 3, open); got != tt.want {
			t.Errorf("%s %d: got %q, want %q", tt.locale, open, got, tt.want)
		}
	}
}

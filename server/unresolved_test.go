package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// TestUnknownNotificationsAreResolvedInTheOrderLog: a message a dying attempt left unknown,
// whose receipt never came, is settled by the worker's check and shows so in the order's
// notification log: from Twilio's record where its SID is on record, failed with the reason
// where nothing can say. Neither is sent again.
func TestUnknownNotificationsAreResolvedInTheOrderLog(t *testing.T) {
	r := newReceipts(t)
	withSID := r.send(t, order.ChannelSMS, "+37060000011")
	withoutSID := r.send(t, order.ChannelSMS, "+37060000012")
	msgs := r.tw.Messages()
	r.tw.SetStatus(msgs[0].SID, "delivered", 0) // and the callback is lost
	db := testenv.DB(t)
	age := (notify.ReceiptWait + time.Minute).String()
	for _, q := range []struct {
		order, sql string
	}{
		{withSID.OrderID, `UPDATE notifications SET status = 'unknown', updated_at = now() - $2::interval WHERE order_id = $1`},
		// As a worker that died before it recorded Twilio's answer leaves it: no provider, no SID.
		{withoutSID.OrderID, `UPDATE notifications SET status = 'unknown', provider = '', provider_message_id = '',
			updated_at = now() - $2::interval WHERE order_id = $1`},
	} {
		if _, err := db.Exec(context.Background(), q.sql, q.order, age); err != nil {
			t.Fatal(err)
		}
	}

	sender, _ := r.svc.Senders[order.ChannelSMS].(notify.Looker)
	u := notify.NewUnresolved(r.log, map[string]notify.Looker{"twilio": sender}, testenv.QuietLogger())
	if _, err := u.Check(context.Background()); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		order        string
		status, note string
	}{
		{withSID.OrderID, "delivered", "no receipt came after the sending attempt died; status from twilio's record"},
		{withoutSID.OrderID, "failed", "no receipt within 30m0s after the sending attempt died; the customer may or may not have received it"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/v1/orders/"+c.order+"/notifications", nil)
		req.Header.Set("Authorization", "Bearer admin")
		rec := httptest.NewRecorder()
		r.e.ServeHTTP(rec, req)
		var body struct {
			Notifications []struct{ Status, Error string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Notifications) != 1 {
			t.Fatalf("GET notifications of %s: %d %s", c.order, rec.Code, rec.Body)
		}
		if got := body.Notifications[0]; got.Status != c.status || got.Error != c.note {
			t.Errorf("order %s: %s %q, want %s %q", c.order, got.Status, got.Error, c.status, c.note)
		}
	}
	if got := len(r.tw.Messages()); got != 2 {
		t.Errorf("twilio got %d messages, want 2: none sent again", got)
	}
}

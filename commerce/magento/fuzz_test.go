package magento_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shipflow/shipflow/commerce/magento"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
)

// FuzzParse checks that no entity makes the page, key, order or shipment parsers panic, that
// every error is one the poller can classify, and that what they accept passes the inbox's
// Check and is keyed by the entity it came from.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"order.json", "shipment.json"} {
		f.Add(fixture.Load(f, name))
	}
	f.Add([]byte(`{"entity_id":1,"increment_id":"1","state":"closed","created_at":"2026-05-07 10:00:00","total_refunded":"1e400","order_currency_code":"eur"}`))
	f.Add([]byte(`{"entity_id":"1","increment_id":1,"order_id":2,"created_at":"2026-05-07T10:00:00+14:00","tracks":[{"track_number":" x "},{"entity_id":-1}]}`))
	f.Add([]byte(`{"items":[{"entity_id":1},{"entity_id":1}],"total_count":2}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if p, err := magento.ParsePage(raw); err != nil && !errors.Is(err, magento.ErrMalformed) {
			t.Fatalf("ParsePage: unclassified %v", err)
		} else if err == nil {
			for _, it := range p.Items {
				_, _ = magento.KeyOf(it)
			}
		}
		key, keyErr := magento.KeyOf(raw)
		o, err := magento.ParseOrder(raw)
		if err != nil {
			checkError(t, err)
		} else {
			accepted(t, o.Delivery, key, keyErr)
			if o.Key != key {
				t.Fatalf("order key %+v, KeyOf %+v", o.Key, key)
			}
			if o.Delivered {
				if d, err := magento.DeliveredEvents(o, []json.RawMessage{raw}); err == nil {
					accepted(t, d, key, keyErr)
				}
			}
		}
		s, err := magento.ParseShipment(raw, "000000001")
		if err != nil {
			checkError(t, err)
			return
		}
		accepted(t, s.Delivery, key, keyErr)
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return
	}
	fixture.CheckError(t, err)
}

func accepted(t *testing.T, d inbox.Delivery, key magento.Key, keyErr error) {
	t.Helper()
	if keyErr != nil {
		t.Fatalf("accepted an entity KeyOf refuses: %v", keyErr)
	}
	if d.Source != inbox.SourceMagento || len(d.Commerce) == 0 || key.ID <= 0 {
		t.Fatalf("delivery = %+v", d)
	}
	fixture.CheckDelivery(t, d)
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

package order_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

func TestHumanRequested(t *testing.T) {
	o := newOrder(t)
	seq := o.Seq
	r := order.HumanRequest{ID: "call-1", Reason: "  parcel damaged ", At: at(5), Source: "voice:vapi"}
	fx, repeat, err := o.HumanRequested(r)
	if err != nil || repeat {
		t.Fatalf("HumanRequested: %v, repeat %v", err, repeat)
	}
	var ask *order.AskStaff
	var pub *order.Publish
	for _, e := range fx {
		switch e := e.(type) {
		case order.AskStaff:
			ask = &e
		case order.Publish:
			pub = &e
		default:
			t.Errorf("unexpected effect %T", e)
		}
	}
	if ask == nil || ask.Request.ID != "call-1" || strings.ContainsRune(ask.Request.Reason, '\u202e') {
		t.Errorf("AskStaff = %+v", ask)
	}
	if pub == nil || pub.Type != order.PublishOrderHumanRequested || pub.Seq != seq+1 {
		t.Errorf("Publish = %+v", pub)
	}
	last := o.Timeline[len(o.Timeline)-1]
	if last.Kind != order.KindCustomer || last.Type != order.EntryHumanRequested || last.EventID != "call-1" || last.Source != "voice:vapi" ||
		!strings.HasPrefix(last.Description, "Customer asked for a call back: parcel") {
		t.Errorf("timeline entry %+v", last)
	}

	n := len(o.Timeline)
	fx, repeat, err = o.HumanRequested(r)
	if err != nil || !repeat || len(fx) != 0 || len(o.Timeline) != n || o.Seq != seq+1 {
		t.Errorf("repeat: %v, %v, %d effects, %d entries", err, repeat, len(fx), len(o.Timeline)-n)
	}
}

func TestHumanRequestRefused(t *testing.T) {
	ok := order.HumanRequest{ID: "call-1", At: at(1)}
	for name, r := range map[string]order.HumanRequest{
		"no id":        {At: at(1)},
		"nul reason":   {ID: "c", Reason: "a\x00b", At: at(1)},
		"long reason":  {ID: "c", Reason: strings.Repeat("x", order.HumanReasonMax+1), At: at(1)},
		"control id":   {ID: "c\n1", At: at(1)},
		"long id":      {ID: strings.Repeat("c", order.MaxIDLen+1), At: at(1)},
		"no time":      {ID: "c"},
		"bidi in text": {ID: "c", Reason: "\u202e", At: at(1)},
	} {
		o := newOrder(t)
		n := len(o.Timeline)
		if err := o.CheckHumanRequest(r); err == nil {
			t.Errorf("%s: CheckHumanRequest accepted it", name)
		}
		_, _, err := o.HumanRequested(r)
		var fe *order.FieldError
		if !errors.As(err, &fe) || len(o.Timeline) != n {
			t.Errorf("%s: %v, %d entries added", name, err, len(o.Timeline)-n)
		}
	}
	o := newOrder(t)
	if err := o.CheckHumanRequest(ok); err != nil {
		t.Error(err)
	}
}

// FuzzHumanRequest: whatever the caller says, a request is refused with a field error or
// recorded once, its entry and its staff text free of unsafe runes.
func FuzzHumanRequest(f *testing.F) {
	for _, s := range []string{"", "parcel damaged", "a\x00b", "\u202eevil", "\xff\xfe", strings.Repeat("ž", 300), "line\nbreak"} {
		f.Add("call-1", s)
	}
	f.Fuzz(func(t *testing.T, id, reason string) {
		o := newOrder(t)
		fx, _, err := o.HumanRequested(order.HumanRequest{ID: id, Reason: reason, At: at(1)})
		if err != nil {
			var fe *order.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		for _, r := range o.Timeline[len(o.Timeline)-1].Description {
			if order.UnsafeRune(r) {
				t.Fatalf("unsafe rune %U on the timeline", r)
			}
		}
		for _, e := range fx {
			if a, ok := e.(order.AskStaff); ok && strings.ContainsFunc(a.Request.Reason, order.UnsafeRune) {
				t.Fatalf("unsafe rune in the staff text %q", a.Request.Reason)
			}
		}
		if fx, repeat, _ := o.HumanRequested(order.HumanRequest{ID: id, Reason: reason, At: at(2)}); !repeat || len(fx) != 0 {
			t.Fatal("a repeat was recorded again")
		}
	})
}

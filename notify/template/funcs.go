package template

import (
	"fmt"
	"time"

	"github.com/shipflow/shipflow/order"
)

// funcs are the functions templates may call, bound to one message's
// language, the customer's zone and the moment of writing, so a template
// says {{eta .Shipment.ETA}} and never has to pass the clock around.
// Time arguments may be a time.Time or a *time.Time; a nil one says nothing.
func (f formatter) funcs() map[string]any {
	return map[string]any{
		"eta":         f.timeFunc(f.eta),
		"day":         f.timeFunc(f.day),
		"date":        f.timeFunc(f.date),
		"time":        f.timeFunc(f.clock),
		"summary":     f.summary,
		"join":        f.join,
		"vocative":    f.w.vocative,
		"delayReason": f.delayReason,
		"money":       f.money,
		"leftAt":      f.leftAt,
	}
}

// leftAt is the fixed sentence on where a parcel was left ("It was left at your front
// door."), "" for no place or one without a sentence.
func (f formatter) leftAt(p order.DeliveryPlace) string { return f.w.leftAt[p] }

// delayReason is the fixed sentence of a delay reason; a code the words do
// not know says what "other" says, and none says nothing.
func (f formatter) delayReason(r order.DelayReason) string {
	if r == "" {
		return ""
	}
	if s, ok := f.w.delayReasons[r]; ok {
		return s
	}
	return f.w.delayReasons[order.DelayOther]
}

func (f formatter) timeFunc(say func(time.Time) string) func(any) (string, error) {
	return func(v any) (string, error) {
		switch t := v.(type) {
		case time.Time:
			return say(t), nil
		case *time.Time:
			if t == nil {
				return "", nil
			}
			return say(*t), nil
		case nil:
			return "", nil
		}
		return "", fmt.Errorf("want a time, got %T", v)
	}
}

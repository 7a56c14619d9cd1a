package notify

import "github.com/shipflow/shipflow/order"

// Mask hides most of a phone number or email address for application logs, which are not
// access-controlled the way the notification log is: "+37060000123" becomes "+370*****123",
// "ona@example.com" becomes "o**@example.com". The rule is order.Mask, which the order's
// timeline uses too.
func Mask(address string) string { return order.Mask(address) }

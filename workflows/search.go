package workflows

import "go.temporal.io/sdk/temporal"

// Search attributes let operators filter orders in the Temporal UI ("every order in exception
// with DPD"). They must be registered on the namespace before a workflow upserts them:
// `shipflow migrate` and `shipflow dev` do that with engine.EnsureSearchAttributes.
var (
	OrderStatusKey       = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	CarrierKey           = temporal.NewSearchAttributeKeyKeywordList("Carrier")
	TrackingNumbersKey   = temporal.NewSearchAttributeKeyKeywordList("TrackingNumbers")
	HasOpenExceptionKey  = temporal.NewSearchAttributeKeyBool("HasOpenException")
	EstimatedDeliveryKey = temporal.NewSearchAttributeKeyTime("EstimatedDelivery")
)

// SearchAttributes lists every key above, for registration.
var SearchAttributes = []temporal.SearchAttributeKey{
	OrderStatusKey, CarrierKey, TrackingNumbersKey, HasOpenExceptionKey, EstimatedDeliveryKey,
}

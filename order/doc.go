// Package order holds shipflow's lifecycle rules: given an order's state
// and an event (commerce, carrier scan, driver, staff), it computes the new
// state and the effects to carry out (customer messages, outbound
// webhooks, exception alerts).
//
// The package is plain deterministic Go with no I/O, clock or randomness,
// because a Temporal workflow replays it: the same state and events always
// give the same result. Events arrive duplicated and out of order; the
// rules absorb that (docs/reference/statuses.md) and never fail on an event that does
// not fit: it is recorded in the timeline, marked ignored with the reason.
//
// # Transitions and effects
//
// Effects are returned in this order within one operation. A Notify is
// only asked for when the customer has a channel, and at most once per
// milestone and shipment. Every Publish takes the next Seq.
//
//	input                      when                                 state change                         effects
//	New (order.created)        valid event                          status created                       Publish order.created
//	order.confirmed            stage before confirmed, items left   stage confirmed                      Notify confirmed, Publish order.confirmed
//	order.packed               stage before packed, items left      stage packed                         Notify packed*, Publish order.packed
//	order.shipped              new shipment_id                      shipment added, info_received        Notify shipped, Publish order.shipped
//	order.shipped              known shipment_id, info changed      carrier/tracking/items/ETA updated   Publish shipment.updated
//	order.delivered            known shipment_id                    as a delivered scan at its timestamp (see scans)
//	order.cancelled            not delivered                        cancelled (final)                    ClearException order_closed if open, Notify cancelled*, Publish order.cancelled
//	order.return.initiated     some live shipment exists            returned (final), return parcel*     ClearException order_closed if open, Publish order.return.initiated
//	order.return.initiated     returned, with a new return parcel*  return parcel added                  Publish shipment.updated
//	order.refund.processed     always, even when cancelled          refund recorded                      Notify refund_processed* (not when cancelled), Publish order.refund.processed
//	customer.updated, order.updated*  contact changed               customer's contact replaced          none (not even recorded when nothing changed)
//	scan                       status changed                       shipment status                      Publish shipment.updated, then by status:
//	  in_transit                                                                                         Notify in_transit* (off by default)
//	  in_transit, out_for_delivery, available_for_pickup, delivered
//	                           exception open on this shipment      exception closed                     ClearException carrier_progress
//	  out_for_delivery                                                                                   Notify out_for_delivery, Publish shipment.out_for_delivery
//	  available_for_pickup                                                                               Notify available_for_pickup
//	  delivered                                                     shipment delivered                   Notify delivered
//	  exception                                                                                          raise carrier_exception
//	  returned_to_sender                                                                                 raise returned_to_sender
//	  attempt_failed           each newer attempt (even unchanged)  FailedAttempts+1                     Notify attempt_failed; from the 2nd: raise failed_attempts
//	raise                      no exception open                    exception open, status exception     RaiseException, Notify delayed, Publish shipment.exception
//	raise                      an exception already open            noted on the timeline entry          none
//	any operation              order first becomes delivered        DeliveredAt set                      Publish order.delivered
//	ResolveException           exception open                       exception closed                     ClearException resolved_by_staff
//	ReportDelay                shipment not delivered               ETA revised                          raise driver_delay (Publish shipment.updated instead if one is open), the report in the event's detail
//	Raise (stale, late)        not the exception already open       as raise                             as raise
//	ReviewRequest              order delivered                      marked sent                          Notify review_request
//	NotificationFailed         always                               timeline entry                       Publish notification.failed
//	SetChannels                channels changed                     channels replaced                    none
//	SetDailyUpdates            the customer's choice changed        choice kept, timeline entry          none
//	DailyUpdate (daily.go)     wanted, a parcel moving, nothing     Notified holds that day's key        Notify daily_update (order-level, the day's date)
//	                           said that customer-local day
//	HumanRequested             a request id not seen before         timeline entry (kind customer)       AskStaff, Publish order.human_requested
//	return parcel scan*        status changed                       its status                           Publish shipment.updated; moving: Notify return_in_transit; delivered: Notify return_received
//
// Rows marked * follow the journey's Steps (ApplyCommerceAs, ApplyTrackingAs; see steps.go
// and returns.go); under the zero Steps, as orders recorded before them replay, they do not
// happen: a contact change and a return parcel are recorded and ignored.
//
// Recorded and ignored, never an error: a duplicate event id (not even
// recorded), a scan older than the shipment's newest, anything but
// returned_to_sender or exception after delivered, a commerce step
// backwards (order.confirmed after packed, order.packed after delivered),
// order.delivered for an unknown shipment, order.cancelled after delivery,
// order.return.initiated before anything shipped, any commerce event but a
// refund after cancellation or return, and any scan after cancellation.
//
// order.return.initiated is accepted any time after a shipment exists, not
// only after delivery: a customer may refuse a parcel at the door. Once
// returned, scans still update the shipments but raise no exception and
// send no message: the parcel is meant to go back.
//
// # Order status
//
// The status is derived, never set: cancelled or returned if the merchant
// said so; else exception while one is open; else the least advanced stage
// (created < confirmed < packed < shipped < in_transit < out_for_delivery
// < delivered) among the live shipments and, while some ordered SKU is in
// no live shipment, the commerce stage. A cancelled shipment does not
// count; a shipment listing no items carries whatever is left. Shipment
// statuses map to stages as info_received and unknown: shipped;
// in_transit, attempt_failed, exception and returned_to_sender: in_transit
// (the open exception, not the stage, flags the problem);
// out_for_delivery and available_for_pickup: out_for_delivery; delivered:
// delivered. A shipment that was delivered and then reported as a problem
// counts as delivered once that problem is closed, so the order can end.
//
// # Exceptions
//
// An order has at most one open exception. A progress scan on its
// shipment (in_transit, out_for_delivery, available_for_pickup, delivered)
// at or after the time it was raised clears it; a stale exception is
// cleared by any accepted progress scan; a late one only by delivery.
package order

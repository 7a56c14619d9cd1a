// Package retention deletes data past the age each kind of it is kept for (README
// "Retention"): a Temporal Schedule starts the Prune workflow every SHIPFLOW_RETENTION_EVERY,
// which deletes each kind in batches of a bounded number of rows, oldest first, through
// indexes that hold only what may go (migrations 00029 and 00033).
//
// What grows without end, and what becomes of it:
//
//	kind                 tables                                        age from       default
//	inbox                inbound_events applied or rejected            received_at    30d
//	notification_bodies  notifications.body, blanked                   created_at     30d
//	notifications        notifications                                 created_at     395d
//	deliveries           webhook_deliveries delivered or failed, with  updated_at     30d
//	                     webhook_attempts; webhook_test_events no      created_at
//	                     delivery names any more
//	orders               orders delivered, cancelled or returned, with updated_at     395d
//	                     shipments, tracking_events, order_exceptions,
//	                     order_events and their webhook_deliveries and
//	                     attempts; the order's notifications and
//	                     finished inbound_events while those kinds are on
//	audit                audit_log                                     at             395d
//	privacy_requests     privacy_requests done or failed, with an      finished_at    30d
//	                     export's sealed document
//	transient            voice_answers (expired), voice_attempts,      expires_at/at  3d
//	                     inbound_texts, console_sessions (expired)
//
// Kept for ever, on purpose: opt_outs (the proof a customer said STOP, for as long as the
// address may be written to), inbound_events pending or waiting (the relay still owes them
// their workflow; waiting ones are rejected after a while by the inbox and then go as
// inbox), webhook_deliveries pending (a retry schedule still runs), orders not finished,
// privacy_requests pending (their workflow still runs), and the small tables that do not
// grow with traffic: webhook_endpoints, commerce_polls, voice_lookups (a few counters a
// day, no personal data), retention_runs, api_tokens, revoked ones too (a token per
// integration, and the audit trail names its actors by the token's name). An order's
// order_events go with the order, not before: an event published for a finished order is
// numbered after the order's last one (outbound.NextSeq), and a number used again would
// give a subscriber an event id it has seen. Closed workflow histories are Temporal's: the
// namespace's retention period governs them.
package retention

import (
	"time"

	"github.com/shipflow/shipflow/config"
)

// Kind is a kind of data with an age of its own (SHIPFLOW_RETENTION_<KIND>).
type Kind string

// Kinds, in the order a run prunes them.
const (
	KindTransient          Kind = "transient"
	KindInbox              Kind = "inbox"
	KindNotificationBodies Kind = "notification_bodies"
	KindNotifications      Kind = "notifications"
	KindDeliveries         Kind = "deliveries"
	KindOrders             Kind = "orders"
	KindAudit              Kind = "audit"
	KindPrivacyRequests    Kind = "privacy_requests"
)

// Kinds are every kind, in the order a run prunes them.
var Kinds = []Kind{KindTransient, KindInbox, KindNotificationBodies, KindNotifications, KindDeliveries, KindOrders, KindAudit, KindPrivacyRequests}

// Age is how long one kind is kept; zero keeps it for ever.
type Age struct {
	Kind Kind          `json:"kind"`
	Keep time.Duration `json:"keep"`
}

// Ages are the configured ages of every kind, in Kinds' order, those kept for ever included.
func Ages(r config.Retention) []Age {
	keep := map[Kind]time.Duration{
		KindTransient: r.Transient, KindInbox: r.Inbox, KindNotificationBodies: r.NotificationBodies,
		KindNotifications: r.Notifications, KindDeliveries: r.Deliveries, KindOrders: r.Orders, KindAudit: r.Audit,
		KindPrivacyRequests: r.PrivacyRequests,
	}
	ages := make([]Age, 0, len(Kinds))
	for _, k := range Kinds {
		ages = append(ages, Age{Kind: k, Keep: keep[k]})
	}
	return ages
}

// pass is one statement of a kind's pruning: a kind spans several tables.
type pass string

// Passes of each kind.
const (
	passVoiceAnswers       pass = "voice_answers"
	passVoiceAttempts      pass = "voice_attempts"
	passInboundTexts       pass = "inbound_texts"
	passConsoleSessions    pass = "console_sessions"
	passInbox              pass = "inbound_events"
	passNotificationBodies pass = "notification_bodies"
	passNotifications      pass = "notifications"
	passDeliveries         pass = "webhook_deliveries"
	passTestEvents         pass = "webhook_test_events"
	passOrders             pass = "orders"
	passAudit              pass = "audit_log"
	passPrivacyRequests    pass = "privacy_requests"
)

// passesOf are the statements that prune k, in order: deliveries before the test events
// they name.
func passesOf(k Kind) []pass {
	switch k {
	case KindTransient:
		return []pass{passVoiceAnswers, passVoiceAttempts, passInboundTexts, passConsoleSessions}
	case KindInbox:
		return []pass{passInbox}
	case KindNotificationBodies:
		return []pass{passNotificationBodies}
	case KindNotifications:
		return []pass{passNotifications}
	case KindDeliveries:
		return []pass{passDeliveries, passTestEvents}
	case KindOrders:
		return []pass{passOrders}
	case KindAudit:
		return []pass{passAudit}
	case KindPrivacyRequests:
		return []pass{passPrivacyRequests}
	}
	return nil
}

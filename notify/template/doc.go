// Package template writes shipflow's customer messages: one per milestone
// (order.Milestone: confirmed, shipped, out_for_delivery, ...) on each
// channel (sms, whatsapp, email, push), in the customer's language and time zone.
//
// The defaults, in English (en) and Lithuanian (lt), are built in. An
// operator changes wording by overriding single files, without a rebuild.
//
// # Layout
//
// Each template is one file, named by locale, milestone and channel, so
// that changing one message means copying and editing one small file:
//
//	<locale>/<milestone>.sms.tmpl             SMS body                 text/template
//	<locale>/<milestone>.whatsapp.tmpl        WhatsApp body            text/template
//	<locale>/<milestone>.push.title.tmpl      push notification title  text/template
//	<locale>/<milestone>.push.tmpl            push notification body   text/template
//	<locale>/<milestone>.email.subject.tmpl   email subject            text/template
//	<locale>/<milestone>.email.txt.tmpl       email plain-text part    text/template
//	<locale>/<milestone>.email.html.tmpl      email HTML body          html/template
//	<locale>/layout.email.html.tmpl           HTML frame of every email
//
// for example lt/shipped.sms.tmpl. The defaults live in this package's
// templates directory, which is the place to start from.
//
// The layout wraps every email body: it calls {{template "content" .}} where
// the body goes, and defines the pieces bodies share: "greeting",
// "signoff", "track-button" (a button to the tracking page) and "shipments"
// (a table of the order's parcels). An overridden body may use them or not.
//
// # Overrides
//
// Load(dir) reads dir in the same layout. A file there replaces the
// default of the same locale and name; every other message keeps its
// default. A new locale directory (lt-LT, lv) adds a locale. Files not
// ending in .tmpl are ignored. A .tmpl file with a name that is not one of
// the above, a directory name that is not a locale, a template that does
// not parse, or one that fails or renders an empty body against sample
// orders makes Load fail with an error naming the file, so a mistake shows
// at start-up, not in a customer's message.
//
// # Locale fallback
//
// Fallback is per file. For locale lt-LT each file is taken from the first
// of lt-LT, lt, en that has it, whether an operator's or a default; a
// locale with no templates at all (fr) gets English. So lt-LT/shipped.sms.tmpl
// on its own changes that one SMS for lt-LT customers, who get the lt
// messages for the rest. Locale tags are matched however they are spelled
// (lt_LT, lt-lt, lt_LT.UTF-8). Rendered.Locale says which locale was used.
//
// # What templates see
//
// Templates execute on a Data: order number, the customer's first name
// (only ever its first word), the shipment the milestone is about, all the
// order's shipments, the tracking and review links, and a reason for a
// delay. The email HTML layout and body also see .Subject, the rendered
// subject. Times are in the customer's time zone, and these functions
// speak the locale's language:
//
//	eta       when a parcel arrives: "today by 5:00 PM", "tomorrow by 5:00 PM",
//	          "on Friday, May 8" within a week, "on May 20" beyond
//	          (lt: "šiandien iki 17:00", "rytoj iki 17:00",
//	          "gegužės 8 d., penktadienį", "gegužės 20 d.")
//	day       the same without the time: "tomorrow", "on Friday" (lt: "rytoj", "penktadienį")
//	date      a calendar date: "May 8" (lt: "gegužės 8 d.")
//	time      a time of day: "5:00 PM" (lt: "17:00")
//	summary   a split order in one sentence: "Your Shoes arrive tomorrow, the Jacket on Friday."
//	          (lt: "Jūsų batai atkeliaus rytoj, o striukė – penktadienį.")
//	join      a list of item names: "Shoes, Socks and Jacket" (lt: "batai, kojinės ir striukė")
//	vocative  a first name as used to address someone: Lithuanian "Jonas" → "Jonai"
//	leftAt    where a delivered parcel was left, one fixed sentence per place (.Shipment.Place):
//	          "It was left at your front door." (lt: "Siunta palikta prie jūsų durų."); none for
//	          an unknown place, and never the carrier's own words
//
// Time functions take a time.Time or *time.Time; a nil one says nothing,
// so {{with .Shipment.ETA}}arrives {{eta .}}{{end}} reads naturally. A
// carrier estimate at exactly midnight (UTC or local) is a date without a
// time and is said without one. A locale in a language the package has no
// words for uses the English ones.
//
// A date shipflow estimated itself (.Shipment.Estimated: the carrier and the shop gave none)
// is worded as an estimate: the defaults say "we estimate it arrives on Tuesday, May 12"
// where a carrier's date "arrives tomorrow by 5:00 PM", and summary marks such a day
// "(estimated)".
//
// # Output
//
// Text output (SMS, WhatsApp, email subject and text) loses trailing
// spaces and runs of blank lines, so conditionals can be laid out
// readably; the subject is one line. A sentence ending in a Lithuanian date
// ("gegužės 20 d.") keeps a single full stop.
package template

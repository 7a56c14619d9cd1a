package outbound

import "time"

// schedule is the documented wait before each retry (docs/reference/outbound-webhooks.md): schedule[i] is the
// wait after attempt i+1 failed. It spreads eight attempts over about a day
// and a half, long enough to ride out a receiver's outage or bad deploy.
var schedule = [...]time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// MaxAttempts is the number of attempts a delivery gets before it is
// marked failed: the first, plus one per scheduled retry.
const MaxAttempts = len(schedule) + 1

// maxJitter is the documented "up to 20% jitter" (docs/reference/outbound-webhooks.md).
const maxJitter = 0.2

// NextDelay returns how long to wait before the next attempt of a delivery
// that has failed attempt times (1 after the first attempt), and false when
// the schedule is exhausted and the delivery is failed. With attempt < 1
// nothing has been tried yet, so the first attempt is due at once (0, true).
//
// The rule, exactly:
//
//	base = max(scheduled, min(retryAfter, cap))
//	wait = base + base*0.2*jitter()
//
// where scheduled is the schedule's delay after this attempt and cap is the
// scheduled delay after that one (the next-but-one wait; for the last
// retry, which has none, its own 10 h). So Retry-After may lengthen a wait
// up to the next slot of the schedule but never shorten it: a receiver
// cannot make shipflow retry sooner than promised, nor postpone a delivery
// beyond the schedule's span by asking for a week. Jitter only lengthens
// the wait, by up to 20%, so retries are never earlier than the schedule
// (or Retry-After) says, and deliveries that failed together, such as
// during one receiver outage or after one 429, do not retry in lockstep.
//
// jitter must return a value in [0, 1); values outside are clamped and a
// nil jitter means none. It is injected, not drawn here, so the function is
// pure: production passes math/rand/v2's Float64, tests pass constants, and
// a Temporal workflow passes a value recorded with workflow.SideEffect, so
// that replaying the workflow computes the same timer as the original run.
func NextDelay(attempt int, retryAfter time.Duration, jitter func() float64) (time.Duration, bool) {
	if attempt < 1 {
		return 0, true
	}
	if attempt > len(schedule) {
		return 0, false
	}
	base := schedule[attempt-1]
	limit := schedule[min(attempt, len(schedule)-1)]
	base = max(base, min(retryAfter, limit))

	j := 0.0
	if jitter != nil {
		j = jitter()
	}
	if !(j >= 0) { // also catches NaN
		j = 0
	}
	j = min(j, 1)
	return base + time.Duration(float64(base)*maxJitter*j), true
}

// DisableAfter is how long an endpoint may fail every attempt before it is disabled
// (docs/reference/outbound-webhooks.md): past the schedule's day and a half, so one outage of a receiver does not cost
// its subscription, short enough that a receiver nobody runs any more stops costing attempts.
const DisableAfter = 5 * 24 * time.Hour

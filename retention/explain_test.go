package retention

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/privacy"
)

// TestPruneStatementsReadTheirIndexes checks each batch's selection is an index range scan
// of the index migration 00029 or 00033 (or an earlier one) made for it: a partial index whose
// predicate the statement does not match would leave every batch a scan of the whole table.
// Sequential scans are switched off, since on a small test table the planner rightly
// prefers them.
func TestPruneStatementsReadTheirIndexes(t *testing.T) {
	pool := testenv.DB(t)
	want := map[pass]string{
		passVoiceAnswers:       "voice_answers_expires_idx",
		passVoiceAttempts:      "voice_attempts_at_idx",
		passInboundTexts:       "inbound_texts_at_idx",
		passConsoleSessions:    "console_sessions_expires_idx",
		passInbox:              "inbound_events_finished_idx",
		passNotificationBodies: "notifications_body_idx",
		passNotifications:      "notifications_created_idx",
		passDeliveries:         "webhook_deliveries_finished_idx",
		passTestEvents:         "webhook_test_events_created_idx",
		passAudit:              "audit_log_at_idx",
		passOrders:             "orders_finished_idx",
		passPrivacyRequests:    "privacy_requests_finished_idx",
	}
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET enable_seqscan`)
	for p, idx := range want {
		stmt := statements[p]
		if p == passOrders {
			stmt = finishedOrders
		}
		rows, err := conn.Query(ctx, `EXPLAIN `+stmt, time.Now(), 10)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), idx) {
			t.Errorf("%s does not read %s:\n%s", p, idx, strings.Join(plan, "\n"))
		}
	}
}

// TestPrivacyStatusesArePrivacys: the statuses the privacy_requests pass spells (and 00033's
// index with it) are package privacy's, which this package cannot import.
func TestPrivacyStatusesArePrivacys(t *testing.T) {
	if privacyDone != string(privacy.StatusDone) || privacyFailed != string(privacy.StatusFailed) {
		t.Errorf("retention prunes privacy requests %q and %q, privacy finishes them %q and %q",
			privacyDone, privacyFailed, privacy.StatusDone, privacy.StatusFailed)
	}
}

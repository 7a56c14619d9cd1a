package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/voice"
	"github.com/shipflow/shipflow/workflows"
)

// voiceSource answers voice lookups. The read model answers in about half a millisecond and
// the workflow query in about ten (README, performance): by default the read model answers and
// the workflow only for an order created a moment ago. With workflowFirst the workflow answers
// if it can within a quarter of the deadline (its measured p99 is under 50 ms), and otherwise
// the read model, read at the same time so that falling back costs nothing (a worker
// restarting, Temporal unreachable).
type voiceSource struct {
	db            *pgxpool.Pool
	temporal      client.Client
	workflowFirst bool
	deadline      time.Duration
}

type readModelAnswer struct {
	view order.View
	err  error
}

func (v voiceSource) Order(ctx context.Context, id string) (order.View, error) {
	if !v.workflowFirst {
		view, _, err := db.GetOrder(ctx, v.db, id)
		if errors.Is(err, db.ErrNotFound) {
			// An order created a moment ago is in its workflow before the read model. Under
			// load that workflow may have a backlog its query waits behind, so the query gets
			// half the deadline: a caller hears "not found yet" rather than nothing.
			qctx, cancel := ctx, context.CancelFunc(func() {})
			if v.deadline > 0 {
				qctx, cancel = context.WithTimeout(ctx, v.deadline/2)
			}
			defer cancel()
			if view, qerr := workflows.QueryOrder(qctx, v.temporal, id); qerr == nil {
				return view, nil
			}
			return view, voice.ErrNotFound
		}
		return view, err
	}
	stored := make(chan readModelAnswer, 1)
	go func() {
		view, _, err := db.GetOrder(ctx, v.db, id)
		stored <- readModelAnswer{view, err}
	}()
	qctx, cancel := context.WithTimeout(ctx, v.deadline/4)
	view, err := workflows.QueryOrder(qctx, v.temporal, id)
	cancel()
	if err == nil {
		return view, nil
	}
	r := <-stored
	if errors.Is(r.err, db.ErrNotFound) {
		return r.view, voice.ErrNotFound
	}
	return r.view, r.err
}

func (v voiceSource) OrderForTracking(ctx context.Context, tn string) (string, error) {
	id, err := db.OrderForTracking(ctx, v.db, tn, "")
	if errors.Is(err, db.ErrNotFound) {
		return "", voice.ErrNotFound
	}
	return id, err
}

// voiceActions carries out what a call asks for, through the order's workflow updates.
type voiceActions struct {
	temporal client.Client
	alerters map[string]escalate.Alerter
}

func (v voiceActions) SetChannels(ctx context.Context, id string, chs []order.Channel) error {
	_, err := workflows.UpdateOrder(ctx, v.temporal, id, workflows.SetChannelsUpdate, workflows.ChannelsRequest{Channels: chs})
	return err
}

func (v voiceActions) ReportDelay(ctx context.Context, id string, d order.Delay) error {
	_, err := workflows.UpdateOrder(ctx, v.temporal, id, workflows.ReportDelayUpdate, d)
	return err
}

// RequestHuman asks staff, in every configured chat, to call the customer back. With no chat
// configured the request is only logged by the caller, and the answer says staff were told.
func (v voiceActions) RequestHuman(ctx context.Context, id, callID, reason string) error {
	al := escalate.Alert{OrderID: id, Reason: "callback_requested", Level: 1,
		Message: fmt.Sprintf("A customer asked for a person during voice call %s: %s", callID, reason)}
	names := make([]string, 0, len(v.alerters))
	for name := range v.alerters {
		names = append(names, name)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		if err := v.alerters[name].Alert(ctx, al); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(errs) == len(names) && len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// voiceMemo keeps first answers in Postgres, so every serve replica returns the same answer to
// a platform's retry.
type voiceMemo struct{ db *pgxpool.Pool }

func (m voiceMemo) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := m.db.QueryRow(ctx, `SELECT answer FROM voice_answers WHERE key = $1 AND expires_at > now()`, key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("voice memo: %w", err)
	}
	return b, true, nil
}

func (m voiceMemo) Put(ctx context.Context, key string, answer []byte, ttl time.Duration) error {
	if !json.Valid(answer) {
		return errors.New("voice memo: answer is not JSON")
	}
	_, err := m.db.Exec(ctx, `
		INSERT INTO voice_answers (key, answer, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
		ON CONFLICT (key) DO NOTHING`, key, answer, ttl.Milliseconds())
	if err != nil {
		return fmt.Errorf("voice memo: %w", err)
	}
	return nil
}

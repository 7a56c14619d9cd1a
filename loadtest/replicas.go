package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/order"
)

// Replica mode (Options.Replicas) runs shipflow the way a deployment with several replicas
// does: one Temporal, one Postgres, `migrate` started once per replica at the same
// time, then that many `serve` and `worker` processes. The load generator spreads its webhooks
// and voice lookups over the API replicas round robin (balancer), and with KillReplica it kills
// the last API replica and the last worker with SIGKILL partway through and does not start them
// again: what they held must be taken over by the survivors, which share nothing with them
// but Postgres and Temporal. Rows the dead API replica's relay had claimed come back when their
// lease runs out; deliveries the dead worker's dispatcher had claimed likewise; its workflow and
// activity tasks are Temporal's to hand to the other worker.
//
// On top of the run's own checks it then runs the fault suite's (faultchecks.go): each
// acknowledged event in the inbox once and applied once, in the workflow's and the read model's
// timelines once, each order's published events numbered 1 to 9, each message sent once, each
// published event delivered to the subscriber. And it checks what the replicas share besides:
// the voice memo (a call repeated on the other replica must get the first answer back) and the
// change feed (an order stream open on the surviving API replica must see each order reach
// delivered, whichever replica relayed the scan and whichever worker wrote it).

// ReplicaReport is what replica mode adds to a report.
type ReplicaReport struct {
	Serves  int `json:"serves"`
	Workers int `json:"workers"`
	// Migrations are the `migrate` processes started at once; each exited 0, and the schema's
	// version table has no version twice.
	Migrations int           `json:"migrations"`
	Kills      []FaultRecord `json:"kills,omitempty"`
	// MemoRepeats are voice calls repeated on another replica; MemoMismatches those answered
	// differently from the first time.
	MemoRepeats    int `json:"memo_repeats"`
	MemoMismatches int `json:"memo_mismatches"`
	// Streams are order streams watched on the first API replica during the carrier's scans;
	// StreamsDelivered those that showed their order delivered.
	Streams          int      `json:"streams"`
	StreamsDelivered int      `json:"streams_delivered"`
	Notes            []string `json:"notes,omitempty"`
}

// The shares of the journey's events acknowledged when KillReplica kills the last API replica
// and the last worker: the API replica inside the merchant's half, the worker early in the
// carrier's, once the sim carrier has polled every shipment. A worker killed during a first
// poll leaves that shipment unpolled until the poll interval (30m here), by design, and the
// journey's carrier scans wait for every first poll (carrierSteps); in the carrier's half the
// dead worker still takes webhook deliveries, messages and workflow tasks with it.
const (
	killServeAt  = 0.3
	killWorkerAt = 0.62
)

// killReplicas kills the last API replica and the last worker, each once its share of the
// journey's events is acknowledged, and returns what it did.
func killReplicas(ctx context.Context, sf *shipflowProcs, j *journey, n int, start time.Time) []FaultRecord {
	total := float64(j.n * int(stepCount))
	var recs []FaultRecord
	for _, k := range []struct {
		name  string
		share float64
	}{{fmt.Sprintf("serve %d", n), killServeAt}, {fmt.Sprintf("worker %d", n), killWorkerAt}} {
		for float64(j.acked.Load()) < k.share*total {
			if sleep(ctx, 20*time.Millisecond) != nil {
				return recs
			}
		}
		rec := FaultRecord{Name: "kill -9 " + k.name, AtSeconds: time.Since(start).Seconds(), Acked: int(j.acked.Load())}
		pid := sf.Kill(k.name)
		rec.Detail = fmt.Sprintf("SIGKILL to pid %d and its group; not started again", pid)
		recs = append(recs, rec)
	}
	return recs
}

// streamWatch watches orders' streams (GET /v1/orders/{id}/stream) on one API replica until
// each shows its order delivered or ctx ends.
type streamWatch struct {
	wg        sync.WaitGroup
	watched   atomic.Int64
	delivered atomic.Int64
}

func watchStreams(ctx context.Context, base, adminToken string, j *journey, n int) *streamWatch {
	w := &streamWatch{}
	c := &http.Client{} // a stream lasts as long as the order takes; ctx bounds it
	n = min(n, j.n)
	w.watched.Store(int64(n))
	for i := range n {
		w.wg.Go(func() {
			if watchStream(ctx, c, base, adminToken, j.orderID(i)) {
				w.delivered.Add(1)
			}
		})
	}
	return w
}

// watchStream reports whether the stream of order id showed it delivered.
func watchStream(ctx context.Context, c *http.Client, base, adminToken, id string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/orders/"+id+"/stream", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var v order.View
		if json.Unmarshal([]byte(data), &v) == nil && v.Status == order.StatusDelivered {
			return true
		}
	}
	return false
}

// checkReplicas runs the fault suite's checks on the run and checks the schema's version table
// and what the replicas share; it adds problems to rep.Problems and fills rep.Replicas.
func checkReplicas(ctx context.Context, rep *Report, o Options, j *journey, pool *pgxpool.Pool, tc client.Client,
	box *mailbox, sub *subscriber, endpointID string, voice *voiceLoad, streams *streamWatch) error {
	r := rep.Replicas
	f := &faultRun{o: FaultOptions{Secrets: o.Secrets}, j: j, pool: pool, tc: tc, box: box, sub: sub, endpointID: endpointID}
	found, err := f.check(ctx)
	if err != nil {
		return err
	}
	rep.Problems = append(rep.Problems, found.problems...)
	r.Notes = append(r.Notes, found.notes...)

	var twice int
	if err := pool.QueryRow(ctx, `SELECT count(*) - count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&twice); err != nil {
		return fmt.Errorf("read the schema's versions: %w", err)
	}
	if twice != 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d migrations recorded twice by %d migrate processes run at once", twice, r.Migrations))
	}

	r.MemoRepeats, r.MemoMismatches = int(voice.memoRepeats.Load()), int(voice.memoMismatches.Load())
	if r.MemoMismatches > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d of %d voice calls repeated on another replica got an answer other than the first", r.MemoMismatches, r.MemoRepeats))
	}
	if r.Serves > 1 && r.MemoRepeats == 0 {
		rep.Problems = append(rep.Problems, "no voice call was repeated on another replica: the shared memo went unchecked")
	}
	if streams != nil {
		r.Streams, r.StreamsDelivered = int(streams.watched.Load()), int(streams.delivered.Load())
		if r.StreamsDelivered < r.Streams {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%d of %d order streams on the first API replica never showed their order delivered", r.Streams-r.StreamsDelivered, r.Streams))
		}
	}
	return nil
}

// waitStreams waits up to d for every watched stream to have shown its order delivered.
func waitStreams(w *streamWatch, d time.Duration) {
	deadline := time.Now().Add(d)
	for w.delivered.Load() < w.watched.Load() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}

// write prints replica mode's account; a nil report prints nothing.
func (r *ReplicaReport) write(w io.Writer, j Journey) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "\nreplicas: %d serve, %d worker; %d migrate run at once\n", r.Serves, r.Workers, r.Migrations)
	for _, k := range r.Kills {
		fmt.Fprintf(w, "  %6.1fs  %-18s after %d events acked; %s\n", k.AtSeconds, k.Name, k.Acked, k.Detail)
	}
	if r.Serves > 1 {
		fmt.Fprintf(w, "  balancer: %d requests rerouted to another replica, %d events of them answered duplicate\n", j.Rerouted, j.ReroutedDuplicates)
		fmt.Fprintf(w, "  voice memo: %d calls repeated on another replica, %d answered differently\n", r.MemoRepeats, r.MemoMismatches)
		fmt.Fprintf(w, "  change feed: %d of %d order streams on the first replica showed delivered\n", r.StreamsDelivered, r.Streams)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

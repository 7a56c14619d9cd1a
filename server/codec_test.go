package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// TestSealedHistoryOpensOnlyThroughTheCodecServer runs an order on a client whose payloads
// are sealed, then reads its history as someone with access to the Temporal cluster and
// nothing else would: no customer name, email, phone or street is in it. The codec server
// opens the same payloads for an admin, and for nobody else.
func TestSealedHistoryOpensOnlyThroughTheCodecServer(t *testing.T) {
	ctx := context.Background()
	secret := make([]byte, payload.KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	const uiOrigin = "http://localhost:8233"
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_ADMIN_TOKENS":       "admin",
			"SHIPFLOW_PAYLOAD_KEYS":       "test-1:" + base64.StdEncoding.EncodeToString(secret),
			"SHIPFLOW_CODEC_CORS_ORIGINS": uiOrigin,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := payload.DataConverter(cfg.PayloadKeys)
	if err != nil {
		t.Fatal(err)
	}
	c, err := engine.Dial(ctx, engine.Options{Address: testenv.TemporalAddress(t), Namespace: "default", DataConverter: dc}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	tq := uniqueID("sealed")
	cfg.Temporal.TaskQueue = tq
	w := sdkworker.New(c, tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: testenv.DB(t), Notifier: &notes{sent: map[string][]string{}}, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	testenv.StartWorker(t, w)

	cust := order.Customer{Name: "Zelda Sealwright", Email: "zelda.sealwright@example.com", Phone: "+37060009876", Locale: "en", TimeZone: "Europe/Vilnius"}
	street := "12 Cipher Lane"
	id := uniqueID("sealed")
	e := order.CommerceEvent{
		ID: id + "-c", Type: order.EventCreated, Timestamp: time.Now().UTC(), OrderID: id,
		Customer: &cust, Notify: []order.Channel{order.ChannelSMS, order.ChannelEmail},
		Items:           []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
		ShippingAddress: &order.Address{Name: cust.Name, Line1: street, City: "Vilnius", PostalCode: "01100", Country: "LT"},
	}
	if _, err := workflows.StartOrder(ctx, c, tq, e, workflows.OrderSettings{ReviewRequestDelay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var v order.View
	testenv.Eventually(t, 30*time.Second, func() bool {
		v, err = workflows.QueryOrder(ctx, c, id)
		return err == nil && v.Status == order.StatusCreated
	}, "order %s never answered its query as created", id)
	secrets := []string{cust.Name, cust.Email, cust.Phone, street}

	// The history as the cluster stores it, read by a client without the key.
	var history bytes.Buffer
	var events []*historypb.HistoryEvent
	var sealed []*commonpb.Payload
	it := testenv.Temporal(t).GetWorkflowHistory(ctx, workflows.WorkflowID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
		b, _ := proto.Marshal(ev) // binary: payload bytes as they are, not base64
		history.Write(b)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			sealed = a.GetInput().GetPayloads()
			for name, sa := range a.GetSearchAttributes().GetIndexedFields() {
				if enc := string(sa.GetMetadata()["encoding"]); enc == payload.EncodingEncrypted {
					t.Errorf("search attribute %s is sealed; it must stay readable for list filters", name)
				}
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(history.String(), s) {
			t.Errorf("the raw history holds %q in clear text", s)
		}
	}
	if len(sealed) == 0 || string(sealed[0].GetMetadata()["encoding"]) != payload.EncodingEncrypted {
		t.Fatalf("workflow input is not sealed: %v", sealed)
	}

	t.Run("the sealed history replays with the key, not without", func(t *testing.T) {
		for name, conv := range map[string]converter.DataConverter{"the key": dc, "another key": testenv.SealingConverter(t)} {
			r, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: conv})
			if err != nil {
				t.Fatal(err)
			}
			worker.RegisterWorkflows(r)
			err = r.ReplayWorkflowHistory(testenv.SDKLogger(), &historypb.History{Events: events})
			if (err == nil) != (name == "the key") {
				t.Errorf("replay with %s: err = %v", name, err)
			}
		}
	})

	srv := httptest.NewServer(server.New(server.Deps{Config: cfg, DB: testenv.DB(t), Temporal: c, Logger: testenv.QuietLogger(), Metrics: mustMetrics(t)}))
	t.Cleanup(srv.Close)
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: sealed})

	t.Run("decode with the admin token", func(t *testing.T) {
		status, raw := codecCall(t, srv.URL+"/codec/decode", "admin", uiOrigin, body)
		if status != http.StatusOK {
			t.Fatalf("decode: %d %s", status, raw)
		}
		var out commonpb.Payloads
		if err := protojson.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		var in workflows.OrderInput
		if err := dc.FromPayload(out.Payloads[0], &in); err != nil {
			t.Fatal(err)
		}
		if in.Created == nil || in.Created.Customer == nil || in.Created.Customer.Email != cust.Email {
			t.Fatalf("decoded input %+v, want the customer's email", in.Created)
		}
	})
	t.Run("refused without the token", func(t *testing.T) {
		for _, token := range []string{"", "wrong"} {
			status, raw := codecCall(t, srv.URL+"/codec/decode", token, uiOrigin, body)
			if status != http.StatusUnauthorized || !strings.Contains(string(raw), `"code":"unauthorized"`) || strings.Contains(string(raw), cust.Email) {
				t.Errorf("token %q: %d %s", token, status, raw)
			}
		}
	})
	t.Run("the UI's preflight", func(t *testing.T) {
		for origin, want := range map[string]string{uiOrigin: uiOrigin, "https://evil.example": ""} {
			req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/codec/default/decode", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != http.StatusNoContent || got != want {
				t.Errorf("preflight from %s: %d, allow-origin %q, want %q", origin, resp.StatusCode, got, want)
			}
			if want != "" && !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
				t.Errorf("preflight allows headers %q", resp.Header.Get("Access-Control-Allow-Headers"))
			}
		}
	})
	t.Run("tampered payloads are refused in the error shape", func(t *testing.T) {
		status, raw := codecCall(t, srv.URL+"/codec/decode", "admin", "", []byte(`{"payloads":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA==","encryption-key-id":"dGVzdC0x"},"data":"AAAA"}]}`))
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), `"code":"unprocessable"`) {
			t.Errorf("tampered: %d %s", status, raw)
		}
		status, raw = codecCall(t, srv.URL+"/codec/decode", "admin", "", []byte(`not json`))
		if status != http.StatusBadRequest || !strings.Contains(string(raw), `"code":"invalid_json"`) {
			t.Errorf("not json: %d %s", status, raw)
		}
	})
	t.Run("body over the cap", func(t *testing.T) {
		status, raw := codecCall(t, srv.URL+"/codec/decode", "admin", "", bytes.Repeat([]byte(" "), 5<<20))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"code":"payload_too_large"`) {
			t.Errorf("5 MiB body: %d %.200s", status, raw)
		}
	})
	t.Run("temporal workflow show", func(t *testing.T) {
		cli, err := testenv.CLI()
		if err != nil {
			t.Fatal(err)
		}
		show := func(extra ...string) string {
			args := append([]string{"workflow", "show", "--address", testenv.TemporalAddress(t), "--namespace", "default", "-w", workflows.WorkflowID(id), "--output", "json"}, extra...)
			out, err := exec.Command(cli, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("temporal %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return withPayloadData(string(out))
		}
		plain := show()
		for _, s := range secrets {
			if strings.Contains(plain, s) {
				t.Errorf("`temporal workflow show` prints %q without the codec server", s)
			}
		}
		opened := show("--codec-endpoint", srv.URL+"/codec/{namespace}", "--codec-auth", "Bearer admin")
		if !strings.Contains(opened, cust.Email) {
			t.Errorf("`temporal workflow show --codec-endpoint` does not show the customer's email:\n%.2000s", opened)
		}
	})
}

// withPayloadData is the CLI's JSON output followed by every payload's data base64-decoded:
// the JSON writes payload bytes in base64, where a contains check would find nothing.
func withPayloadData(out string) string {
	var b strings.Builder
	b.WriteString(out)
	for _, m := range payloadData.FindAllStringSubmatch(out, -1) {
		if d, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
			b.Write(d)
		}
	}
	return b.String()
}

var payloadData = regexp.MustCompile(`"data":\s*"([A-Za-z0-9+/=]+)"`)

func codecCall(t *testing.T, url, token, origin string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if origin != "" && resp.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("answer to %s carries allow-origin %q", origin, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	return resp.StatusCode, raw
}

func mustMetrics(t *testing.T) *telemetry.Metrics {
	t.Helper()
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

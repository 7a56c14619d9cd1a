package escalatetest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/escalate/escalatetest"
)

type answer struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, method, url, contentType, body string, edit func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestSlack(t *testing.T) {
	s := escalatetest.NewSlack(t)
	const good = `{"text":"hi","blocks":[{"type":"header","text":{"type":"plain_text","text":"Title"}},
		{"type":"section","fields":[{"type":"mrkdwn","text":"*A*\nb"}]},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},"url":"https://x.example","action_id":"go","style":"danger"}]}]}`
	if a := post(t, "POST", s.WebhookURL(), "application/json", good, nil); a.status != 200 || a.body != "ok" {
		t.Fatalf("good message: %d %q", a.status, a.body)
	}
	m := s.Messages()
	if len(m) != 1 || m[0].Header != "Title" || m[0].Fields[0] != "*A*\nb" || m[0].Buttons[0] != (escalatetest.Button{Text: "Go", URL: "https://x.example", Style: "danger"}) {
		t.Errorf("recorded %+v", m)
	}
	long := strings.Repeat("x", 151)
	for name, tc := range map[string]struct {
		url, contentType, body string
		status                 int
		code                   string
	}{
		"wrong path":    {s.WebhookURL() + "x", "application/json", good, 404, "no_service"},
		"form":          {s.WebhookURL(), "application/x-www-form-urlencoded", "payload=" + good, 400, "invalid_payload"},
		"not JSON":      {s.WebhookURL(), "application/json", "{", 400, "invalid_payload"},
		"no text":       {s.WebhookURL(), "application/json", `{}`, 400, "no_text"},
		"long header":   {s.WebhookURL(), "application/json", `{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + long + `"}}]}`, 400, "invalid_blocks"},
		"mrkdwn header": {s.WebhookURL(), "application/json", `{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]}`, 400, "invalid_blocks"},
		"empty field":   {s.WebhookURL(), "application/json", `{"blocks":[{"type":"section","fields":[{"type":"mrkdwn","text":""}]}]}`, 400, "invalid_blocks"},
		"same ids": {s.WebhookURL(), "application/json", `{"blocks":[{"type":"actions","elements":[
			{"type":"button","text":{"type":"plain_text","text":"a"},"action_id":"x"},{"type":"button","text":{"type":"plain_text","text":"b"},"action_id":"x"}]}]}`, 400, "invalid_blocks"},
		"bad style": {s.WebhookURL(), "application/json", `{"blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"a"},"style":"red"}]}]}`, 400, "invalid_blocks"},
	} {
		if a := post(t, "POST", tc.url, tc.contentType, tc.body, nil); a.status != tc.status || a.body != tc.code {
			t.Errorf("%s: %d %q, want %d %q", name, a.status, a.body, tc.status, tc.code)
		}
	}
	s.FailNext(1, 429)
	if a := post(t, "POST", s.WebhookURL(), "application/json", good, nil); a.status != 429 || a.header.Get("Retry-After") != "1" {
		t.Errorf("FailNext 429: %d %v", a.status, a.header)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages recorded, want only the good one", n)
	}
}

func TestTeams(t *testing.T) {
	tm := escalatetest.NewTeams(t)
	card := func(extra string) string {
		return `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
			"content":{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"Title","color":"Attention"},
			{"type":"FactSet","facts":[{"title":"Order","value":"o1"}]}]` + extra + `}}]}`
	}
	good := card(`,"actions":[{"type":"Action.OpenUrl","title":"Open","url":"https://x.example"}]`)
	if a := post(t, "POST", tm.WebhookURL(), "application/json", good, nil); a.status != 202 {
		t.Fatalf("good card: %d %s", a.status, a.body)
	}
	m := tm.Messages()
	if len(m) != 1 || m[0].Title != "Title" || m[0].Colors[0] != "Attention" || m[0].Facts[0] != (escalatetest.Fact{Label: "Order", Value: "o1"}) || m[0].Actions[0].URL != "https://x.example" {
		t.Errorf("recorded %+v", m)
	}
	for name, tc := range map[string]struct {
		url, body string
		status    int
	}{
		"wrong sig":      {strings.Replace(tm.WebhookURL(), "sig=", "sig=x", 1), good, 401},
		"no sig":         {tm.WebhookURL()[:strings.Index(tm.WebhookURL(), "&sig=")], good, 401},
		"wrong flow":     {strings.Replace(tm.WebhookURL(), "/workflows/", "/workflows/0", 1), good, 404},
		"no attachments": {tm.WebhookURL(), `{"type":"message"}`, 400},
		"content url":    {tm.WebhookURL(), strings.Replace(good, `"contentUrl":null`, `"contentUrl":"https://x"`, 1), 400},
		"version 2.0":    {tm.WebhookURL(), strings.Replace(good, `"1.4"`, `"2.0"`, 1), 400},
		"submit":         {tm.WebhookURL(), card(`,"actions":[{"type":"Action.Submit","title":"Ack"}]`), 400},
		"empty text":     {tm.WebhookURL(), strings.Replace(good, `"text":"Title"`, `"text":""`, 1), 400},
	} {
		if a := post(t, "POST", tc.url, "application/json", tc.body, nil); a.status != tc.status {
			t.Errorf("%s: %d %s, want %d", name, a.status, a.body, tc.status)
		}
	}
	if a := post(t, "POST", tm.WebhookURL(), "text/plain", good, nil); a.status != 415 {
		t.Errorf("text/plain: %d", a.status)
	}
}

func TestGoogleChat(t *testing.T) {
	g := escalatetest.NewGoogleChat(t)
	const msg = `{"text":"hi","thread":{"threadKey":"order-1"},"cardsV2":[{"cardId":"c","card":{"header":{"title":"T"},
		"sections":[{"widgets":[{"decoratedText":{"topLabel":"Order","text":"1"}},
		{"buttonList":{"buttons":[{"text":"Open","onClick":{"openLink":{"url":"https://x.example"}}}]}}]}]}}]}`
	reply := g.WebhookURL() + "&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
	for _, u := range []string{reply, reply, g.WebhookURL(), g.WebhookURL()} {
		a := post(t, "POST", u, "application/json; charset=UTF-8", msg, nil)
		var created struct{ Name string }
		if a.status != 200 || json.Unmarshal([]byte(a.body), &created) != nil || created.Name == "" {
			t.Fatalf("good message: %d %s", a.status, a.body)
		}
	}
	m := g.Messages()
	if m[0].Thread != m[1].Thread {
		t.Errorf("replies with one thread key went to %q and %q", m[0].Thread, m[1].Thread)
	}
	if m[2].Thread == m[0].Thread || m[3].Thread == m[2].Thread {
		t.Errorf("without messageReplyOption Chat ignores the key and starts a thread per message: %q %q %q", m[0].Thread, m[2].Thread, m[3].Thread)
	}
	if m[0].Title != "T" || m[0].Fields[0] != (escalatetest.Fact{Label: "Order", Value: "1"}) || m[0].Buttons[0].URL != "https://x.example" {
		t.Errorf("recorded %+v", m[0])
	}
	for name, tc := range map[string]struct {
		url, body string
		status    int
	}{
		"bad key":       {strings.Replace(g.WebhookURL(), "key=", "key=x", 1), msg, 400},
		"bad token":     {strings.Replace(g.WebhookURL(), "token=", "token=x", 1), msg, 401},
		"other space":   {strings.Replace(g.WebhookURL(), "/spaces/", "/spaces/B", 1), msg, 404},
		"reply option":  {g.WebhookURL() + "&messageReplyOption=REPLY", msg, 400},
		"unknown field": {g.WebhookURL(), `{"text":"hi","cards_v2":[]}`, 400},
		"empty":         {g.WebhookURL(), `{"thread":{"threadKey":"k"}}`, 400},
		"two kinds":     {g.WebhookURL(), strings.Replace(msg, `{"decoratedText":{"topLabel":"Order","text":"1"}}`, `{"decoratedText":{"text":"1"},"divider":{}}`, 1), 400},
		"no text":       {g.WebhookURL(), strings.Replace(msg, `"topLabel":"Order","text":"1"`, `"topLabel":"Order"`, 1), 400},
		"no link":       {g.WebhookURL(), strings.Replace(msg, `https://x.example`, `x.example`, 1), 400},
	} {
		if a := post(t, "POST", tc.url, "application/json", tc.body, nil); a.status != tc.status || !strings.Contains(a.body, `"status"`) {
			t.Errorf("%s: %d %s, want %d with a Google error", name, a.status, a.body, tc.status)
		}
	}
}

func TestZendesk(t *testing.T) {
	z := escalatetest.NewZendesk(t, "ops@shop.example", "tok")
	auth := func(r *http.Request) { r.SetBasicAuth("ops@shop.example/token", "tok") }
	const create = `{"ticket":{"subject":"s","comment":{"body":"b"},"priority":"normal","tags":["x"],"external_id":"o1"}}`
	if a := post(t, "POST", z.URL()+"/api/v2/tickets.json", "application/json", create, auth); a.status != 201 || !strings.Contains(a.body, `"external_id":"o1"`) {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	for name, tc := range map[string]struct {
		method, path, contentType, body string
		edit                            func(*http.Request)
		status                          int
		want                            string
	}{
		"no auth":         {"GET", "/api/v2/tickets.json", "", "", nil, 401, "Couldn't authenticate you"},
		"password auth":   {"GET", "/api/v2/tickets.json", "", "", func(r *http.Request) { r.SetBasicAuth("ops@shop.example", "tok") }, 401, "authenticate"},
		"by external id":  {"GET", "/api/v2/tickets.json?external_id=o1", "", "", auth, 200, `"count":1`},
		"other id":        {"GET", "/api/v2/tickets.json?external_id=o2", "", "", auth, 200, `"count":0`},
		"show":            {"GET", "/api/v2/tickets/1.json", "", "", auth, 200, `"external_id":"o1"`},
		"missing":         {"GET", "/api/v2/tickets/9.json", "", "", auth, 404, "RecordNotFound"},
		"form":            {"POST", "/api/v2/tickets.json", "application/x-www-form-urlencoded", create, auth, 415, ""},
		"no ticket":       {"POST", "/api/v2/tickets.json", "application/json", `{}`, auth, 400, "ParameterMissing"},
		"wrong type":      {"POST", "/api/v2/tickets.json", "application/json", `{"ticket":{"tags":"x","comment":{"body":"b"}}}`, auth, 400, ""},
		"blank body":      {"POST", "/api/v2/tickets.json", "application/json", `{"ticket":{"subject":"s","comment":{"body":" "}}}`, auth, 422, "Description: cannot be blank"},
		"bad priority":    {"PUT", "/api/v2/tickets/1.json", "application/json", `{"ticket":{"priority":"p1"}}`, auth, 422, "Priority: is not valid"},
		"private comment": {"PUT", "/api/v2/tickets/1.json", "application/json", `{"ticket":{"comment":{"body":"n","public":false},"status":"solved"}}`, auth, 200, `"status":"solved"`},
		"unknown path":    {"GET", "/api/v2/users.json", "", "", auth, 404, "InvalidEndpoint"},
	} {
		a := post(t, tc.method, z.URL()+tc.path, tc.contentType, tc.body, tc.edit)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", name, a.status, a.body, tc.status, tc.want)
		}
	}
	got := z.Tickets()
	if len(got) != 1 || got[0].Status != "solved" || len(got[0].Comments) != 2 || got[0].Comments[1] != (escalatetest.ZendeskComment{ID: 2, AuthorID: 1, Body: "n"}) {
		t.Fatalf("tickets %+v", got)
	}

	z.SetStatus(1, "closed")
	if a := post(t, "PUT", z.URL()+"/api/v2/tickets/1.json", "application/json", `{"ticket":{"comment":{"body":"n"}}}`, auth); a.status != 422 || !strings.Contains(a.body, "closed prevents ticket update") {
		t.Errorf("update closed: %d %s", a.status, a.body)
	}

	z.DropAnswerOnce()
	if a := post(t, "POST", z.URL()+"/api/v2/tickets.json", "application/json", create, auth); a.status != 500 {
		t.Errorf("dropped answer: %d %s", a.status, a.body)
	}
	if n := len(z.Tickets()); n != 2 {
		t.Errorf("after a dropped answer %d tickets, want the ticket created anyway", n)
	}
	z.FailNext(2, 429)
	for range 2 {
		if a := post(t, "GET", z.URL()+"/api/v2/tickets.json", "", "", auth); a.status != 429 || a.header.Get("Retry-After") != "1" {
			t.Errorf("FailNext 429: %d %v", a.status, a.header)
		}
	}
	if a := post(t, "GET", z.URL()+"/api/v2/tickets.json", "", "", auth); a.status != 200 {
		t.Errorf("after the failures: %d", a.status)
	}
}

func TestFreshdesk(t *testing.T) {
	f := escalatetest.NewFreshdesk(t, "key")
	auth := func(r *http.Request) { r.SetBasicAuth("key", "X") }
	const create = `{"email":"ops@shop.example","subject":"Order o1: late","description":"b","status":2,"priority":2,"tags":["x"]}`
	if a := post(t, "POST", f.URL()+"/api/v2/tickets", "application/json", create, auth); a.status != 201 || !strings.Contains(a.body, `"id":1`) {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	for name, tc := range map[string]struct {
		method, path, contentType, body string
		edit                            func(*http.Request)
		status                          int
		want                            string
	}{
		"no auth":        {"GET", "/api/v2/tickets", "", "", nil, 401, "invalid_credentials"},
		"wrong key":      {"GET", "/api/v2/tickets", "", "", func(r *http.Request) { r.SetBasicAuth("other", "X") }, 401, "invalid_credentials"},
		"by requester":   {"GET", "/api/v2/tickets?email=ops%40shop.example&order_by=created_at&order_type=desc&per_page=100", "", "", auth, 200, `"subject":"Order o1: late"`},
		"other one":      {"GET", "/api/v2/tickets?email=x%40shop.example", "", "", auth, 200, `[]`},
		"page too big":   {"GET", "/api/v2/tickets?per_page=101", "", "", auth, 400, "per_page"},
		"form":           {"POST", "/api/v2/tickets", "application/x-www-form-urlencoded", create, auth, 415, "invalid_content_type"},
		"not json":       {"POST", "/api/v2/tickets", "application/json", `[`, auth, 400, "invalid_json"},
		"no requester":   {"POST", "/api/v2/tickets", "application/json", `{"subject":"s","description":"d","status":2,"priority":1}`, auth, 400, "missing_field"},
		"unknown field":  {"POST", "/api/v2/tickets", "application/json", `{"email":"a@b.c","subject":"s","description":"d","external_id":"o1"}`, auth, 400, "invalid_field"},
		"wrong type":     {"POST", "/api/v2/tickets", "application/json", `{"email":"a@b.c","subject":"s","description":"d","priority":"high"}`, auth, 400, "datatype_mismatch"},
		"bad priority":   {"PUT", "/api/v2/tickets/1", "application/json", `{"priority":5}`, auth, 400, "'1,2,3,4'"},
		"resolve":        {"PUT", "/api/v2/tickets/1", "application/json", `{"status":4,"priority":3}`, auth, 200, `"status":4`},
		"private note":   {"POST", "/api/v2/tickets/1/notes", "application/json", `{"body":"n","private":true}`, auth, 201, `"private":true`},
		"blank note":     {"POST", "/api/v2/tickets/1/notes", "application/json", `{"body":" "}`, auth, 400, "missing_field"},
		"missing ticket": {"PUT", "/api/v2/tickets/9", "application/json", `{"status":4}`, auth, 404, ""},
	} {
		a := post(t, tc.method, f.URL()+tc.path, tc.contentType, tc.body, tc.edit)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", name, a.status, a.body, tc.status, tc.want)
		}
	}
	got := f.Tickets()
	if len(got) != 1 || got[0].Status != 4 || got[0].Priority != 3 || len(got[0].Notes) != 1 || got[0].Notes[0] != (escalatetest.FreshdeskNote{Body: "n", Private: true}) {
		t.Fatalf("tickets %+v", got)
	}
	f.FailNext(1, 429)
	if a := post(t, "GET", f.URL()+"/api/v2/tickets", "", "", auth); a.status != 429 || a.header.Get("Retry-After") != "1" {
		t.Errorf("FailNext 429: %d %v", a.status, a.header)
	}
}

// TestZendeskRequesterAndComments: a requester is matched or created by email as Zendesk does,
// refused when Zendesk would refuse it, and a ticket's comments are listed in Zendesk's shape
// and pages.
func TestZendeskRequesterAndComments(t *testing.T) {
	z := escalatetest.NewZendesk(t, "ops@shop.example", "tok")
	auth := func(r *http.Request) { r.SetBasicAuth("ops@shop.example/token", "tok") }
	create := func(requester string) answer {
		return post(t, "POST", z.URL()+"/api/v2/tickets.json", "application/json",
			`{"ticket":{"subject":"s","comment":{"body":" staff note \n","public":false},"external_id":"o1","requester":`+requester+`}}`, auth)
	}
	// In order: the user created first is matched by the second, and the tickets are counted.
	for _, tc := range []struct {
		name      string
		requester string
		status    int
		want      string
	}{
		{"new user", `{"name":"Grace Hopper","email":"grace@example.com"}`, 201, `"requester_id":2`},
		{"same user", `{"name":"Someone Else","email":"GRACE@example.com"}`, 201, `"requester_id":2`},
		{"bad email", `{"name":"Grace","email":"grace@"}`, 422, "is not properly formatted"},
		{"display name", `{"name":"Grace","email":"Grace <grace@example.com>"}`, 422, "is not properly formatted"},
		{"no email", `{"name":"Grace"}`, 422, "is not properly formatted"},
		{"long name", `{"name":"` + strings.Repeat("a", 256) + `","email":"ada@example.com"}`, 422, "is too long"},
		{"no name, new", `{"email":"ada@example.com"}`, 422, "is too short"},
		{"wrong type", `{"name":1,"email":"ada@example.com"}`, 400, "InvalidValue"},
		{"submitter kept", `{"name":"Ona","email":"ona@example.lt"}`, 201, `"submitter_id":1`},
	} {
		if a := create(tc.requester); a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, a.status, a.body, tc.status, tc.want)
		}
	}
	got := z.Tickets()
	if len(got) != 3 || got[0].Requester != (escalatetest.ZendeskUser{ID: 2, Name: "Grace Hopper", Email: "grace@example.com"}) ||
		got[1].Requester.Name != "Grace Hopper" || got[0].Comments[0] != (escalatetest.ZendeskComment{ID: 1, AuthorID: 1, Body: "staff note"}) {
		t.Fatalf("tickets %+v", got)
	}
	if a := post(t, "PUT", z.URL()+"/api/v2/tickets/1.json", "application/json", `{"ticket":{"requester":{"name":"X","email":"x@example.com"}}}`, auth); a.status != 400 {
		t.Errorf("requester on update: %d %s", a.status, a.body)
	}
	for _, c := range []string{"public 1", "note", "public 2"} {
		body := `{"ticket":{"comment":{"body":"` + c + `","public":` + map[bool]string{true: "true", false: "false"}[strings.HasPrefix(c, "public")] + `}}}`
		if a := post(t, "PUT", z.URL()+"/api/v2/tickets/1.json", "application/json", body, auth); a.status != 200 {
			t.Fatalf("comment %q: %d %s", c, a.status, a.body)
		}
	}

	type page struct {
		Comments []struct {
			ID       int64  `json:"id"`
			AuthorID int64  `json:"author_id"`
			Body     string `json:"body"`
			Public   bool   `json:"public"`
			Type     string `json:"type"`
		} `json:"comments"`
		NextPage *string `json:"next_page"`
		Count    int     `json:"count"`
	}
	list := func(query string) (answer, page) {
		a := post(t, "GET", z.URL()+"/api/v2/tickets/1/comments.json"+query, "", "", auth)
		var p page
		if a.status == 200 {
			if err := json.Unmarshal([]byte(a.body), &p); err != nil {
				t.Fatalf("comments %s: %v", a.body, err)
			}
		}
		return a, p
	}
	if a, p := list(""); a.status != 200 || p.Count != 4 || len(p.Comments) != 4 || p.Comments[0].Body != "staff note" ||
		p.Comments[0].Public || p.Comments[0].Type != "Comment" || p.Comments[0].AuthorID != 1 || p.NextPage != nil {
		t.Errorf("comments: %d %s", a.status, a.body)
	}
	a, p := list("?sort_order=desc&per_page=2")
	if a.status != 200 || len(p.Comments) != 2 || p.Comments[0].Body != "public 2" || !p.Comments[0].Public || p.NextPage == nil ||
		!strings.Contains(*p.NextPage, "page=2") {
		t.Errorf("newest two: %d %s", a.status, a.body)
	}
	if a, p := list("?sort_order=desc&per_page=2&page=2"); a.status != 200 || len(p.Comments) != 2 || p.Comments[1].Body != "staff note" || p.NextPage != nil {
		t.Errorf("second page: %d %s", a.status, a.body)
	}
	for q, status := range map[string]int{"?per_page=101": 400, "?per_page=0": 400, "?sort_order=up": 400, "?page=x": 400} {
		if a, _ := list(q); a.status != status {
			t.Errorf("comments%s: %d %s, want %d", q, a.status, a.body, status)
		}
	}
	if a := post(t, "GET", z.URL()+"/api/v2/tickets/9/comments.json", "", "", auth); a.status != 404 || !strings.Contains(a.body, "RecordNotFound") {
		t.Errorf("comments of a missing ticket: %d %s", a.status, a.body)
	}
	if a := post(t, "GET", z.URL()+"/api/v2/tickets/1/comments.json", "", "", nil); a.status != 401 {
		t.Errorf("comments without auth: %d", a.status)
	}
}

package ui_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/store/storetest"
)

// The console and the quota widget on the demo world, in a real browser,
// on SQLite and on PostgreSQL: every page loads without a console error
// and with data in its charts, a customer reaches neither another
// customer's pages nor its data, the widget renders in a page of another
// origin (CORS), and the token never travels in a URL or reaches the
// access log. Screenshots of every page go to artifacts/screenshots.
func TestConsoleInBrowser(t *testing.T) {
	chromium(t)
	t.Run("sqlite", func(t *testing.T) { consoleTour(t, "") })
	t.Run("postgres", func(t *testing.T) { consoleTour(t, storetest.PostgresURL(t)) })
}

// pageState is what a page shows, read in the browser.
type pageState struct {
	Title  string   `json:"title"`
	Errors []string `json:"errors"`
	Charts []struct {
		Name    string `json:"name"`
		Points  int    `json:"points"`
		Nonzero int    `json:"nonzero"`
		Drawn   bool   `json:"drawn"`
	} `json:"charts"`
	Text string `json:"text"`
}

const readyJS = `!document.querySelector('.spinner') && !!document.querySelector('main h1') &&
  [...document.querySelectorAll('.chart[data-points]')].every(c => c.dataset.points === '0' || c.querySelector('canvas')) &&
  [...document.querySelectorAll('[data-table]')].every(t => t.querySelector('[data-rows]') || t.querySelector('.error'))`

const stateJS = `({
  title: document.querySelector('main h1') ? document.querySelector('main h1').innerText : '',
  errors: [...document.querySelectorAll('.error')].map(e => e.innerText),
  charts: [...document.querySelectorAll('[data-chart]')].map(c => ({name: c.dataset.chart, points: +c.dataset.points,
    nonzero: +c.dataset.nonzero, drawn: !!c.querySelector('canvas') || c.classList.contains('dist')})),
  text: document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText,
})`

// visit opens a console route (a hash) and checks the page: no error shown
// or logged, and the named charts drawn with data. It returns the state.
func visit(t *testing.T, b *browser, dir, shot, hash string, charts ...string) pageState {
	t.Helper()
	if hash != "" {
		eval[any](b, fmt.Sprintf("location.hash = %q", hash))
	}
	b.wait(shot, readyJS)
	st := eval[pageState](b, stateJS)
	if len(st.Errors) > 0 {
		t.Errorf("%s: the page shows errors: %q", shot, st.Errors)
	}
	for _, want := range charts {
		found := false
		for _, c := range st.Charts {
			if c.Name != want {
				continue
			}
			found = true
			if c.Points == 0 || c.Nonzero == 0 || !c.Drawn {
				t.Errorf("%s: chart %s has %d points, %d non-zero, drawn %v; want data", shot, want, c.Points, c.Nonzero, c.Drawn)
			}
		}
		if !found {
			t.Errorf("%s: no chart %s (charts: %+v)", shot, want, st.Charts)
		}
	}
	b.screenshot(dir, shot)
	if p := b.takeProblems(); len(p) > 0 {
		t.Errorf("%s: console problems: %q", shot, p)
	}
	return st
}

// webmail serves a page of another origin embedding the quota widget of
// the mailmeter at api, both ways: the framed page and the element.
func webmail(t *testing.T) (origin string, set func(api, token string)) {
	t.Helper()
	var page string
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), func(api, token string) {
		page = `<!doctype html><html><head><title>Webmail</title><style>body{font:14px system-ui;margin:24px;background:#f3f4f6}
aside{width:280px;background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px}h3{margin:4px 0 8px;font-size:13px;color:#555}
iframe{border:0;width:100%}</style></head><body><h1>Webmail · Inbox</h1><aside>
<h3>Framed (/embed/quota)</h3><iframe id="frame" src="` + api + `/embed/quota#token=` + token + `" height="160"></iframe>
<h3>Element (&lt;mailmeter-quota&gt;)</h3><mailmeter-quota id="wc" token="` + token + `" api="` + api + `"></mailmeter-quota>
</aside><script src="` + api + `/embed/quota.js"></script>
<script>addEventListener("message", e => { if (e.data && e.data.type === "mailmeter-quota") {
  document.body.dataset.frame = e.data.state; document.getElementById("frame").height = e.data.height + 4; } });</script></body></html>`
	}
}

func consoleTour(t *testing.T, db string) {
	host, setHost := webmail(t)
	stranger, setStranger := webmail(t)
	d := startDemo(t, db, "MAILMETER_CORS_ORIGINS="+host)
	admin, customer, mailbox := d.tokens["MAILMETER_ADMIN_TOKEN"], d.tokens["MAILMETER_CUSTOMER_TOKEN"], d.tokens["MAILMETER_MAILBOX_TOKEN"]
	if admin == "" || customer == "" || mailbox == "" {
		t.Fatalf("the tour printed tokens %v", d.tokens)
	}
	link := func(tok string) string { return d.base + "/ui/#token=" + tok }
	for _, tok := range []string{admin, customer, mailbox} {
		if !strings.Contains(d.out.String(), link(tok)) {
			t.Errorf("the tour does not print the console link %s…", link(tok)[:60])
		}
	}
	var q struct {
		Mailbox string `json:"mailbox"`
	}
	d.getJSON("/v1/quotas?customer=demo&limit=1", admin, &q)
	// Another tenant, and invoices to list.
	d.cli("customer", "add", "other", "--name", "Other Corp", "--plan", "standard")
	d.cli("domain", "add", "other.example", "--customer", "other")
	d.cli("mailbox", "add", "zoe@other.example")
	otherLink := d.cli("token", "create", "--role", "customer", "--subject", "other", "--link", "--url", d.base)
	now := time.Now()
	last := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	d.must("POST", "/v1/invoices/run", admin, `{"period":"`+last+`"}`)
	d.must("POST", "/v1/invoices/run", admin, `{"period":"`+now.Format("2006-01")+`"}`)
	d.must("POST", "/v1/invoices/demo-"+last+"/finalize", admin, "")
	mb := firstMailbox(t, d, admin)
	// Wait for the Maildir watcher's storage to reach the quota view.
	d.waitFor("storage in the quota view", 30*time.Second, func() bool {
		var qq struct {
			Storage struct {
				Used int64 `json:"used_bytes"`
			} `json:"storage"`
		}
		return d.getJSON("/v1/mailboxes/"+mb+"/quota", admin, &qq) == 200 && qq.Storage.Used > 0
	})
	d.waitFor("a probe round", 30*time.Second, func() bool {
		var av struct {
			Probes []struct {
				Checks int64 `json:"checks"`
			} `json:"probes"`
		}
		return d.getJSON("/v1/availability", admin, &av) == 200 && len(av.Probes) > 0 && av.Probes[0].Checks > 0
	})

	dir := screenshotDir(t, strings.ReplaceAll(t.Name(), "/", "-"))
	b := newBrowser(t)
	b.allow("/v1/sla/report") // the console falls back to /v1/availability where the SLA report is not served
	b.navigate(link(admin))
	visit(t, b, dir, "admin-traffic", "", "messages", "bytes")
	visit(t, b, dir, "admin-delivery", "#/delivery", "latency-inbound", "within")
	visit(t, b, dir, "admin-mailboxes", "#/mailboxes", "fill")
	st := visit(t, b, dir, "admin-customers", "#/customers")
	if !strings.Contains(st.Text, "Demo Hosting Ltd") || !strings.Contains(st.Text, "Other Corp") || !strings.Contains(st.Text, "€") {
		t.Errorf("customers page: %.600s", st.Text)
	}
	st = visit(t, b, dir, "admin-collectors", "#/collectors")
	if !strings.Contains(st.Text, "mail.log") || !strings.Contains(st.Text, "Dead letters") {
		t.Errorf("collectors page: %.600s", st.Text)
	}
	visit(t, b, dir, "admin-customer-demo", "#/customer/demo")
	visit(t, b, dir, "admin-mailbox", "#/mailbox/"+mb, "storage", "mailbox-messages")
	visit(t, b, dir, "admin-invoices", "#/invoices")

	b.navigate(link(customer))
	st = visit(t, b, dir, "customer-mailboxes", "")
	if !strings.Contains(st.Text, mb) || strings.Contains(st.Text, "zoe@other.example") {
		t.Errorf("the customer's mailboxes: %.600s", st.Text)
	}
	st = visit(t, b, dir, "customer-invoices", "#/invoices")
	if !strings.Contains(st.Text, "demo-"+last) || strings.Contains(st.Text, "other-") {
		t.Errorf("the customer's invoices: %.600s", st.Text)
	}
	// The PDF download: a file where the server renders PDFs, else a note.
	eval[any](b, `document.querySelector("td button.btn").click()`)
	b.wait("the PDF download", `!document.querySelector("td button.btn[disabled]")`)
	if p := b.takeProblems(); len(p) > 0 {
		t.Errorf("PDF download: console problems: %q", p)
	}
	visit(t, b, dir, "customer-sla", "#/sla")
	visit(t, b, dir, "customer-mailbox", "#/mailbox/"+mb, "storage")
	b.viewport(390, 844, true)
	visit(t, b, dir, "phone-customer-mailboxes", "#/customer/demo")
	visit(t, b, dir, "phone-customer-mailbox", "#/mailbox/"+mb, "storage")
	b.viewport(1360, 900, false)

	b.navigate(link(mailbox))
	visit(t, b, dir, "mailbox", "", "storage")

	// Another customer sees its own page, and neither the demo customer's
	// pages nor its data.
	b.navigate(otherLink)
	visit(t, b, dir, "other-customer", "")
	for _, hash := range []string{"#/customer/demo", "#/mailbox/" + mb} {
		eval[any](b, fmt.Sprintf("location.hash = %q", hash))
		b.wait("the refusal", `!document.querySelector('.spinner') && !!document.querySelector('.error')`)
		st := eval[pageState](b, stateJS)
		if !strings.Contains(strings.Join(st.Errors, " "), "does not exist") || len(st.Charts) > 0 || strings.Contains(st.Text, "KiB") || strings.Contains(st.Text, "Demo Hosting") {
			t.Errorf("customer other at %s: %+v", hash, st)
		}
		b.takeProblems()
	}
	codes := eval[[]int](b, `Promise.all(["/v1/quotas?customer=demo", "/v1/customers/demo/usage", "/v1/mailboxes/`+mb+`/usage", "/v1/invoices/demo-`+last+`"].map(p =>
	  fetch(p, {headers: {Authorization: "Bearer " + sessionStorage.getItem("mailmeter.token")}}).then(r => r.status)))`)
	for i, c := range codes {
		if c != 404 {
			t.Errorf("customer other, request %d for demo's data: %d, want 404", i, c)
		}
	}
	b.takeProblems()

	// The widget in a webmail of another origin: framed and as an element.
	setHost(d.base, mailbox)
	b.navigate(host)
	b.wait("the widget", `["ok","warning","over"].includes(document.body.dataset.frame) && ["ok","warning","over"].includes(document.getElementById("wc").getAttribute("state"))`)
	bars := eval[int](b, `document.getElementById("wc").shadowRoot.querySelectorAll(".bar").length`)
	if bars < 2 {
		t.Errorf("the widget shows %d bars, want storage and the sending limits", bars)
	}
	b.screenshot(dir, "widget-webmail")
	if p := b.takeProblems(); len(p) > 0 {
		t.Errorf("widget: console problems: %q", p)
	}
	// An origin not in api.cors_origins: the browser refuses the element's
	// request (the frame, same-origin inside, still works).
	setStranger(d.base, mailbox)
	b.navigate(stranger)
	b.wait("the refused widget", `document.getElementById("wc").getAttribute("state") === "error"`)
	if p := strings.Join(b.takeProblems(), " "); !strings.Contains(p, "CORS") {
		t.Errorf("from another origin the browser should report a CORS refusal, got %q", p)
	}

	// The token never travelled in a URL, a header other than
	// Authorization, or into the server's log.
	urls, headers := b.requests()
	if len(urls) < 20 {
		t.Errorf("only %d requests recorded", len(urls))
	}
	logText := d.log.String()
	for name, tok := range map[string]string{"admin": admin, "customer": customer, "mailbox": mailbox, "other": strings.TrimPrefix(otherLink, d.base+"/ui/#token=")} {
		sig := tok[strings.LastIndex(tok, ".")+1:]
		for _, u := range urls {
			if strings.Contains(u, sig) || strings.Contains(u, "token=") {
				t.Errorf("the %s token was sent in a URL: %s", name, u)
			}
		}
		for _, h := range headers {
			if strings.Contains(h, sig) {
				t.Errorf("the %s token was sent in a header: %s", name, h)
			}
		}
		if strings.Contains(logText, sig) {
			t.Errorf("the %s token reached the server's log", name)
		}
	}
	if !strings.Contains(logText, "route=/ui/*file") {
		t.Errorf("the access log does not show the console's requests:\n%s", tail(logText, 2000))
	}
	t.Logf("screenshots in %s", dir)
}

// firstMailbox returns the demo customer's first mailbox.
func firstMailbox(t *testing.T, d *demo, admin string) string {
	t.Helper()
	var out struct {
		Mailboxes []struct {
			Mailbox string `json:"mailbox"`
		} `json:"mailboxes"`
	}
	b := d.must("GET", "/v1/quotas?customer=demo&limit=1", admin, "")
	if err := json.Unmarshal(b, &out); err != nil || len(out.Mailboxes) == 0 {
		t.Fatalf("no demo mailbox: %s", b)
	}
	return out.Mailboxes[0].Mailbox
}

package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// blocklist is a DNS server on loopback listing names given to it.
type blocklist struct {
	mu     sync.Mutex
	listed map[string]bool
}

func (b *blocklist) set(name string, on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.listed[dns.Fqdn(name)] = on
}

func (b *blocklist) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Rrtype: q.Qtype, Ttl: 60}
	switch {
	case !b.listed[strings.ToLower(q.Name)]:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IPv4(127, 0, 0, 2)})
	case q.Qtype == dns.TypeTXT:
		m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{"listed for test"}})
	}
	w.WriteMsg(m)
}

func startBlocklist(t *testing.T) (*blocklist, string) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blocklist{listed: map[string]bool{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: b, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return b, pc.LocalAddr().String()
}

// serve runs dnsbl probes beside the others: a listing and a delisting
// are posted to the webhook, reported by GET /v1/sla/blacklists and
// /metrics, and are not availability; an https probe reports its
// certificate's expiry.
func TestServeDNSBLAndCertificateProbes(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	bl, resolver := startBlocklist(t)
	bl.set("1.2.0.192.bl.test", true)
	webmail := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "Roundcube") }))
	defer webmail.Close()
	ca := filepath.Join(dir, "ca.pem")
	writeFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: webmail.Certificate().Raw})))
	events := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		json.NewDecoder(r.Body).Decode(&ev)
		events <- ev
	}))
	defer hook.Close()
	conf := filepath.Join(dir, "m.yaml")
	writeFile(t, conf, fmt.Sprintf(`probe_interval: 50ms
probes:
  - {name: rbl, kind: dnsbl, ips: [192.0.2.1, 192.0.2.2], zones: [bl.test], resolver: '%s'}
  - {name: webmail, kind: http, url: '%s/', expect_body: Roundcube, ca_file: '%s'}
`, resolver, webmail.URL, ca))
	vars := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-dnsbl", "MAILMETER_WEBHOOK_URL": hook.URL}
	token := strings.TrimSpace(runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h").stdout)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb lockedBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--config", conf, "--listen", addr, "--db", db},
			env{stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, errb.String())
		}
	}()
	next := func(want string) map[string]any {
		t.Helper()
		select {
		case ev := <-events:
			if ev["type"] != want || ev["ip"] != "192.0.2.1" || ev["zone"] != "bl.test" || ev["reason"] != "listed for test" {
				t.Errorf("event %v, want %s", ev, want)
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event within 10 s; serve said:\n%s", want, errb.String())
		}
		return nil
	}
	next("dnsbl.listed")
	metrics := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor(t, func() bool {
		m := metrics()
		return strings.Contains(m, `mailmeter_dnsbl_listed{ip="192.0.2.1",zone="bl.test"} 1`) &&
			strings.Contains(m, `mailmeter_dnsbl_listed{ip="192.0.2.2",zone="bl.test"} 0`) &&
			strings.Contains(m, `mailmeter_probe_up{probe="webmail"} 1`) &&
			strings.Contains(m, `mailmeter_probe_cert_expiring{probe="webmail"} 0`) &&
			strings.Contains(m, `mailmeter_probe_cert_expiry_seconds{probe="webmail"}`)
	})
	bl.set("1.2.0.192.bl.test", false)
	if ev := next("dnsbl.delisted"); ev != nil && ev["listed_since"] == nil {
		t.Errorf("delisting without listed_since: %v", ev)
	}
	apiGet := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var rep struct {
		Listed []struct {
			IP    string `json:"ip"`
			Since string `json:"since"`
			Until string `json:"until"`
		} `json:"listed"`
	}
	apiGet("/v1/sla/blacklists", &rep)
	if len(rep.Listed) != 1 || rep.Listed[0].IP != "192.0.2.1" || rep.Listed[0].Until == "" {
		t.Errorf("blacklists: %+v", rep)
	}
	// The monthly service report shows the listing the monitor recorded,
	// and only the webmail probe as a service.
	var slaRep struct {
		Services []struct {
			Service string `json:"service"`
		} `json:"services"`
		Blacklists struct {
			Checked  bool `json:"checked"`
			Listings []struct {
				List     string  `json:"list"`
				Address  string  `json:"address"`
				Listed   string  `json:"listed"`
				Delisted *string `json:"delisted"`
			} `json:"listings"`
		} `json:"blacklists"`
	}
	apiGet("/v1/sla/report", &slaRep)
	sameSecond := func(a string, b *string) bool { // the report has the recorded nanoseconds
		ta, err1 := time.Parse(time.RFC3339Nano, a)
		if b == nil || err1 != nil {
			return false
		}
		tb, err2 := time.Parse(time.RFC3339Nano, *b)
		return err2 == nil && ta.Truncate(time.Second).Equal(tb.Truncate(time.Second))
	}
	if bl := slaRep.Blacklists; !bl.Checked || len(bl.Listings) != 1 || bl.Listings[0].Address != "192.0.2.1" || bl.Listings[0].List != "bl.test" ||
		len(rep.Listed) != 1 || !sameSecond(rep.Listed[0].Since, &bl.Listings[0].Listed) || !sameSecond(rep.Listed[0].Until, bl.Listings[0].Delisted) {
		t.Errorf("the service report's blacklists: %+v (recorded: %+v)", bl, rep.Listed)
	}
	if len(slaRep.Services) != 1 || slaRep.Services[0].Service != "webmail" {
		t.Errorf("the service report's services: %+v, want webmail only", slaRep.Services)
	}
	var av struct {
		Probes []struct {
			Probe string `json:"probe"`
		} `json:"probes"`
	}
	waitFor(t, func() bool {
		apiGet("/v1/availability", &av)
		return len(av.Probes) > 0
	})
	if len(av.Probes) != 1 || av.Probes[0].Probe != "webmail" {
		t.Errorf("availability holds %+v, want the webmail probe only (a listing is not downtime)", av.Probes)
	}
}

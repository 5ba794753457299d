package probe_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// dnsServer is a DNS server on loopback answering for test blocklist
// zones: names with A or TXT records answer them, names set to an rcode
// answer it, others NXDOMAIN.
type dnsServer struct {
	addr string

	mu      sync.Mutex
	a       map[string][]string
	txt     map[string][]string
	rcode   map[string]int
	queries int
}

func startDNS(t testing.TB) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsServer{addr: pc.LocalAddr().String(), a: map[string][]string{}, txt: map[string][]string{}, rcode: map[string]int{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: d, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return d
}

// list lists name (e.g. "2.0.0.127.bl.test") with codes and a reason;
// no codes delists it.
func (d *dnsServer) list(name, reason string, codes ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	name = dns.Fqdn(name)
	if len(codes) == 0 {
		delete(d.a, name)
		delete(d.txt, name)
		return
	}
	d.a[name] = codes
	d.txt[name] = []string{reason}
}

func (d *dnsServer) setRcode(name string, rcode int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rcode[dns.Fqdn(name)] = rcode
}

func (d *dnsServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queries++
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Rrtype: q.Qtype, Ttl: 60}
	switch rc, ok := d.rcode[name]; {
	case ok:
		m.Rcode = rc
	case d.a[name] == nil:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA:
		for _, a := range d.a[name] {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(a)})
		}
	case q.Qtype == dns.TypeTXT:
		m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: d.txt[name]})
	}
	w.WriteMsg(m)
}

// A dnsbl check reports every IP in every zone, listed or not, with codes
// and reasons; lookups that fail (SERVFAIL, a zone refusing the resolver,
// a rewritten answer) fail the check and are left out.
func TestCheckDNSBL(t *testing.T) {
	d := startDNS(t)
	d.list("1.2.0.192.bl.test", "Listed: see https://bl.test/192.0.2.1", "127.0.0.4", "127.0.0.2")
	d.list("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test", "v6 spam", "127.0.0.3")
	target := probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{
		IPs: ips("192.0.2.1", "192.0.2.2", "2001:db8::1"), Zones: []string{"bl.test", "BL2.test."}, Resolver: d.addr}}
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	det, err := probe.CheckDetail(context.Background(), target)
	if err != nil {
		t.Fatalf("CheckDetail: %v", err)
	}
	got := summary(det.Listings)
	want := []string{
		"192.0.2.1 bl.test listed [127.0.0.2 127.0.0.4] Listed: see https://bl.test/192.0.2.1",
		"192.0.2.1 bl2.test clean [] ",
		"192.0.2.2 bl.test clean [] ",
		"192.0.2.2 bl2.test clean [] ",
		"2001:db8::1 bl.test listed [127.0.0.3] v6 spam",
		"2001:db8::1 bl2.test clean [] ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	d.list("2.2.0.192.bl2.test", "", "127.255.255.254")
	d.list("2.2.0.192.bl.test", "", "10.0.0.1")
	d.setRcode("1.2.0.192.bl2.test", dns.RcodeServerFailure)
	det, err = probe.CheckDetail(context.Background(), target)
	for _, want := range []string{
		"192.0.2.1 in bl2.test: " + d.addr + " answered SERVFAIL",
		"192.0.2.2 in bl.test: answered 10.0.0.1, not a listing code",
		"192.0.2.2 in bl2.test: the zone refused the query (answered 127.255.255.254",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to say %q", err, want)
		}
	}
	if got := summary(det.Listings); len(got) != 3 || got[0] != want[0] {
		t.Errorf("listings with failed lookups: %q, want the three that answered", got)
	}
}

// A resolver that does not answer fails the check at its timeout.
func TestCheckDNSBLResolverDown(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answering
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_, err = probe.CheckDetail(context.Background(), probe.Target{Name: "rbl", Kind: probe.DNSBL, Timeout: 300 * time.Millisecond,
		DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1"), Zones: []string{"bl.test"}, Resolver: pc.LocalAddr().String()}})
	if err == nil || !strings.Contains(err.Error(), "192.0.2.1 in bl.test") {
		t.Errorf("resolver down: %v", err)
	}
}

func summary(ls []probe.Listing) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		state := "clean"
		if l.Listed {
			state = "listed"
		}
		out[i] = strings.Join([]string{l.IP.String(), l.Zone, state, codes(l.Codes), l.Reason}, " ")
	}
	return out
}

func codes(cs []netip.Addr) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

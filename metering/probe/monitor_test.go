package probe_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The monitor records first sightings and every change of standing, queues
// a webhook event on each listing and delisting (not on new codes), and
// does not repeat what another monitor (another process) recorded first.
func TestBlacklistMonitor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := startDNS(t)
		target := probe.Target{Name: "rbl", Kind: probe.DNSBL, DNSBL: probe.DNSBLCheck{
			IPs: ips("192.0.2.1", "192.0.2.2"), Zones: []string{"bl.test"}, Resolver: d.addr}}
		log := slog.New(slog.DiscardHandler)
		a := probe.NewBlacklistMonitor([]probe.Target{target}, s, true, log)
		b := probe.NewBlacklistMonitor([]probe.Target{target}, s, true, log)
		round := func(m *probe.BlacklistMonitor) []string {
			t.Helper()
			changes, err := m.Round(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return summary(changes)
		}
		events := func() []string {
			t.Helper()
			evs, err := s.ClaimEvents(ctx, time.Now().Add(time.Hour), time.Hour, 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				var p struct {
					Type, IP, Zone, Reason, At string
					Codes                      []string
					ListedSince                string `json:"listed_since"`
				}
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					t.Fatal(err)
				}
				if p.Type != e.Kind || p.At == "" || (p.Type == probe.EventDelisted) != (p.ListedSince != "") {
					t.Errorf("event %s: %s", e.Kind, e.Payload)
				}
				out = append(out, e.Kind+" "+p.IP+" "+p.Zone+" "+strings.Join(p.Codes, ",")+" "+p.Reason)
			}
			return out
		}
		expect := func(what string, got, want []string) {
			t.Helper()
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}

		d.list("1.2.0.192.bl.test", "spam source", "127.0.0.2")
		expect("first round", round(a), []string{"192.0.2.1 bl.test listed [127.0.0.2] spam source", "192.0.2.2 bl.test clean [] "})
		expect("events of the first round", events(), []string{"dnsbl.listed 192.0.2.1 bl.test 127.0.0.2 spam source"})
		expect("b, starting from the store", round(b), nil)
		expect("a again", round(a), nil)
		expect("no more events", events(), nil)

		d.list("1.2.0.192.bl.test", "spam source, and more", "127.0.0.2", "127.0.0.4")
		expect("new codes", round(a), []string{"192.0.2.1 bl.test listed [127.0.0.2 127.0.0.4] spam source, and more"})
		expect("no event for new codes", events(), nil)

		d.list("1.2.0.192.bl.test", "")
		d.list("2.2.0.192.bl.test", "exploited host", "127.0.0.4")
		expect("delisting and listing", round(a), []string{"192.0.2.1 bl.test clean [] ", "192.0.2.2 bl.test listed [127.0.0.4] exploited host"})
		expect("b, stale, records nothing", round(b), nil)
		expect("events", events(), []string{"dnsbl.delisted 192.0.2.1 bl.test 127.0.0.2,127.0.0.4 spam source, and more",
			"dnsbl.listed 192.0.2.2 bl.test 127.0.0.4 exploited host"})
		expect("b, up to date now", round(b), nil)
		expect("current standing", summary(b.Current()), []string{"192.0.2.1 bl.test clean [] ", "192.0.2.2 bl.test listed [127.0.0.4] exploited host"})

		// A failed lookup leaves its standing alone.
		d.setRcode("2.2.0.192.bl.test", 2) // SERVFAIL
		if _, err := a.Round(ctx); err == nil || !strings.Contains(err.Error(), "SERVFAIL") {
			t.Errorf("round with a failed lookup: %v", err)
		}
		expect("after the failed lookup", summary(a.Current()), []string{"192.0.2.1 bl.test clean [] ", "192.0.2.2 bl.test listed [127.0.0.4] exploited host"})

		rep, err := probe.NewBlacklists(s, time.Now).Report(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Changes) != 5 || len(rep.Listed) != 2 || rep.Listed[0].IP.String() != "192.0.2.1" || rep.Listed[0].Until.IsZero() ||
			rep.Listed[1].IP.String() != "192.0.2.2" || !rep.Listed[1].Until.IsZero() {
			t.Errorf("report: %+v", rep)
		}
	})
}

// Without a webhook the changes are recorded and no event is queued.
func TestBlacklistMonitorWithoutWebhook(t *testing.T) {
	s := storetest.SQLite(t)
	d := startDNS(t)
	d.list("1.2.0.192.bl.test", "x", "127.0.0.2")
	m := probe.NewBlacklistMonitor([]probe.Target{{Name: "rbl", Kind: probe.DNSBL,
		DNSBL: probe.DNSBLCheck{IPs: ips("192.0.2.1"), Zones: []string{"bl.test"}, Resolver: d.addr}}}, s, false, slog.New(slog.DiscardHandler))
	if ch, err := m.Round(context.Background()); err != nil || len(ch) != 1 {
		t.Fatalf("round: %v %v", ch, err)
	}
	if evs, err := s.ClaimEvents(context.Background(), time.Now().Add(time.Hour), time.Hour, 10); err != nil || len(evs) != 0 {
		t.Errorf("events without a webhook: %v %v", evs, err)
	}
}

// The report of a range: listings overlapping it (also those that began
// before it), each with the codes last seen, and the changes within it.
func TestBlacklistReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		day := func(d int, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, time.UTC) }
		ip1, ip2, ip3 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::1")
		c2, c4 := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.4")
		state := map[string]*probe.Listing{}
		rec := func(l probe.Listing) {
			t.Helper()
			k := l.IP.String() + " " + l.Zone
			ok, err := s.RecordListing(ctx, state[k], l, "", nil)
			if err != nil || !ok {
				t.Fatalf("record %+v: %v %v", l, ok, err)
			}
			state[k] = &l
		}
		rec(probe.Listing{IP: ip1, Zone: "zen", Listed: true, Codes: []netip.Addr{c2}, Reason: "old", At: day(20, 0)}) // before the range
		rec(probe.Listing{IP: ip2, Zone: "zen", At: day(20, 0)})
		rec(probe.Listing{IP: ip3, Zone: "zen", Listed: true, Codes: []netip.Addr{c2}, At: day(21, 0)})
		rec(probe.Listing{IP: ip3, Zone: "zen", At: day(22, 0)}) // listed and delisted before the range
		rec(probe.Listing{IP: ip1, Zone: "zen", Listed: true, Codes: []netip.Addr{c2, c4}, Reason: "newer", At: day(25, 3)})
		rec(probe.Listing{IP: ip2, Zone: "zen", Listed: true, Codes: []netip.Addr{c4}, Reason: "bot", At: day(26, 0)})
		rec(probe.Listing{IP: ip1, Zone: "zen", At: day(27, 0)})
		rec(probe.Listing{IP: ip2, Zone: "zen", At: day(31, 0)}) // after the range

		// A compare-and-set against a stale standing records nothing.
		if ok, err := s.RecordListing(ctx, &probe.Listing{IP: ip1, Zone: "zen", Listed: true, Codes: []netip.Addr{c2}}, probe.Listing{IP: ip1, Zone: "zen", At: day(28, 0)}, "", nil); ok || err != nil {
			t.Errorf("stale compare-and-set: %v %v", ok, err)
		}
		if ok, err := s.RecordListing(ctx, nil, probe.Listing{IP: ip1, Zone: "zen", At: day(28, 0)}, "", nil); ok || err != nil {
			t.Errorf("first sighting of a known pair: %v %v", ok, err)
		}

		rep, err := probe.NewBlacklists(s, time.Now).Report(ctx, day(25, 0), day(30, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range rep.Listed {
			got = append(got, p.IP.String()+" "+p.Since.Format(time.RFC3339)+" "+p.Until.Format(time.RFC3339)+" "+codes(p.Codes)+" "+p.Reason)
		}
		want := []string{
			"192.0.2.1 2026-10-20T00:00:00Z 2026-10-27T00:00:00Z [127.0.0.2 127.0.0.4] newer",
			"192.0.2.2 2026-10-26T00:00:00Z 0001-01-01T00:00:00Z [127.0.0.4] bot",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("listed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if s := summary(rep.Changes); len(s) != 3 || rep.Changes[0].At != day(25, 3) || rep.Changes[2].At != day(27, 0) {
			t.Errorf("changes: %q", s)
		}

		if _, err := probe.NewBlacklists(s, time.Now).Report(ctx, day(25, 0), day(24, 0)); metering.KindOf(err) != metering.Invalid {
			t.Errorf("reversed range: %v", err)
		}
	})
}

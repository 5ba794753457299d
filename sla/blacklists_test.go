package sla_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The report's blacklist section reads the dnsbl history the blacklist
// monitor records: a listing that began before the month and ended in
// it, one still running, none of another month; times in the customer's
// zone.
func TestReportDNSBLListings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := utc(2026, 12, 3, 8, 0)
		clock := func() time.Time { return now }
		if _, err := directory.NewService(s, clock).AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Timezone: "America/New_York"}); err != nil {
			t.Fatal(err)
		}
		ip1, ip2, ip3 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::1")
		code := []netip.Addr{netip.MustParseAddr("127.0.0.2")}
		state := map[string]*probe.Listing{}
		for _, l := range []probe.Listing{ // as the monitor records them
			{IP: ip1, Zone: "zen.spamhaus.org", Listed: true, Codes: code, Reason: "spam", At: utc(2026, 10, 30, 0, 0)},
			{IP: ip2, Zone: "zen.spamhaus.org", At: utc(2026, 10, 30, 0, 0)},
			{IP: ip3, Zone: "bl.spamcop.net", Listed: true, Codes: code, At: utc(2026, 10, 5, 0, 0)},
			{IP: ip3, Zone: "bl.spamcop.net", At: utc(2026, 10, 6, 0, 0)},
			{IP: ip1, Zone: "zen.spamhaus.org", At: utc(2026, 11, 2, 12, 0)},
			{IP: ip2, Zone: "zen.spamhaus.org", Listed: true, Codes: code, Reason: "bot", At: utc(2026, 11, 20, 17, 30)},
		} {
			k := l.IP.String() + " " + l.Zone
			if ok, err := s.RecordListing(ctx, state[k], l, "", nil); err != nil || !ok {
				t.Fatalf("record %+v: %v %v", l, ok, err)
			}
			state[k] = &l
		}
		svc, err := sla.NewService(sla.Deps{Store: s, Directory: s, Usage: s, Policy: sla.DefaultPolicy(time.Minute), Now: clock,
			Services: []sla.MailService{smtp}, Blacklists: sla.DNSBLListings{History: probe.NewBlacklists(s, clock)}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Report(ctx, sla.ReportInput{Period: "2026-11", Customer: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		ny, _ := time.LoadLocation("America/New_York")
		bl := rep.Blacklists
		if !bl.Checked || len(bl.Listings) != 2 {
			t.Fatalf("blacklists %+v", bl)
		}
		first, second := bl.Listings[0], bl.Listings[1]
		if first.List != "zen.spamhaus.org" || first.Address != "192.0.2.1" || !first.Listed.Equal(utc(2026, 10, 30, 0, 0)) ||
			first.Listed.Location().String() != ny.String() || first.Delisted == nil || !first.Delisted.Equal(utc(2026, 11, 2, 12, 0)) {
			t.Errorf("the listing that ended in the month: %+v", first)
		}
		if second.Address != "192.0.2.2" || !second.Listed.Equal(utc(2026, 11, 20, 17, 30)) || second.Delisted != nil {
			t.Errorf("the listing still running: %+v", second)
		}
		// October's report has the listing of ip3 and the start of ip1's.
		oct, err := svc.Report(ctx, sla.ReportInput{Period: "2026-10", Customer: "acme"})
		if err != nil || len(oct.Blacklists.Listings) != 2 || oct.Blacklists.Listings[0].Address != "2001:db8::1" {
			t.Errorf("October: %+v %v", oct.Blacklists, err)
		}
		// An empty range has none (and is no error).
		if ls, err := (sla.DNSBLListings{History: probe.NewBlacklists(s, clock)}).Listings(ctx, now, now); err != nil || len(ls) != 0 {
			t.Errorf("empty range: %v %v", ls, err)
		}
	})
}

package api_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering/probe"
)

// GET /v1/sla/blacklists reports the listings of a range, also one begun
// before it and one still running, and the changes within it.
func TestBlacklistsReport(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	ip := netip.MustParseAddr("192.0.2.1")
	code := []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	listed := probe.Listing{IP: ip, Zone: "zen.spamhaus.org", Listed: true, Codes: code, Reason: "https://check.spamhaus.org/", At: t0.AddDate(0, -1, 0)}
	clean := probe.Listing{IP: ip, Zone: "zen.spamhaus.org", At: t0.Add(-48 * time.Hour)}
	again := probe.Listing{IP: ip, Zone: "zen.spamhaus.org", Listed: true, Codes: code, At: t0.Add(-time.Hour)}
	var prev *probe.Listing
	for _, l := range []probe.Listing{listed, clean, again} {
		if ok, err := e.store.RecordListing(ctx, prev, l, "", nil); err != nil || !ok {
			t.Fatalf("record: %v %v", ok, err)
		}
		prev = &l
	}
	tok := token(t, api.RoleAdmin, "ops")
	rec := e.do("GET", "/v1/sla/blacklists", tok, nil) // this month so far
	type period struct {
		IP, Zone, Since, Until, Reason string
		Codes                          []string
	}
	rep := decode[struct {
		From, To string
		Listed   []period
		Changes  []struct {
			IP     string
			Listed bool
			At     string
		}
	}](t, rec)
	if rec.Code != 200 || rep.From != "2026-11-01T00:00:00Z" || rep.To != "2026-11-10T12:30:00Z" || len(rep.Listed) != 2 || len(rep.Changes) != 2 {
		t.Fatalf("report: %d %+v", rec.Code, rep)
	}
	if p := rep.Listed[0]; p.Since != "2026-10-10T12:30:00Z" || p.Until != "2026-11-08T12:30:00Z" || p.Codes[0] != "127.0.0.2" || p.Reason != "https://check.spamhaus.org/" {
		t.Errorf("the listing begun last month: %+v", p)
	}
	if p := rep.Listed[1]; p.Since != "2026-11-10T11:30:00Z" || p.Until != "" {
		t.Errorf("the running listing: %+v", p)
	}
	if c := rep.Changes[0]; c.Listed || c.At != "2026-11-08T12:30:00Z" {
		t.Errorf("changes: %+v", rep.Changes)
	}
	problem(t, e.do("GET", "/v1/sla/blacklists?from=2026-11-05T00:00:00Z&to=2026-11-01T00:00:00Z", tok, nil), 400, "invalid", "to")
	problem(t, e.do("GET", "/v1/sla/blacklists?from=yesterday", tok, nil), 400, "invalid", "from")
}

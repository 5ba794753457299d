package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
)

// sla blacklist prints a month's listings as text or as the API's JSON;
// a bad period is a usage error.
func TestSLABlacklistCLI(t *testing.T) {
	backfillDBs(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s, err := store.Open(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ip := netip.MustParseAddr("192.0.2.1")
		at := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
		first := probe.Listing{IP: ip, Zone: "zen.spamhaus.org", Listed: true, Codes: []netip.Addr{netip.MustParseAddr("127.0.0.2")}, Reason: "SBL", At: at}
		if ok, err := s.RecordListing(ctx, nil, first, "", nil); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := s.RecordListing(ctx, &first, probe.Listing{IP: ip, Zone: "zen.spamhaus.org", At: at.Add(30 * time.Hour)}, "", nil); !ok || err != nil {
			t.Fatal(ok, err)
		}
		s.Close()

		r := runCLI(t, nil, "sla", "blacklist", "--period", "2026-10", "--db", db)
		for _, want := range []string{"DNS blocklist listings, 2026-10:", "192.0.2.1  zen.spamhaus.org  2026-10-05T08:00:00Z  2026-10-06T14:00:00Z  127.0.0.2  SBL",
			"2026-10-06T14:00:00Z  192.0.2.1  zen.spamhaus.org  not listed"} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("sla blacklist: %d, want %q in:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
		}
		r = runCLI(t, nil, "sla", "blacklist", "--period", "2026-10", "--json", "--db", db)
		var rep struct {
			From   string `json:"from"`
			Listed []struct {
				IP    string   `json:"ip"`
				Since string   `json:"since"`
				Until string   `json:"until"`
				Codes []string `json:"codes"`
			} `json:"listed"`
			Changes []map[string]any `json:"changes"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
			t.Fatalf("--json: %v %d\n%s%s", err, r.code, r.stdout, r.stderr)
		}
		if rep.From != "2026-10-01T00:00:00Z" || len(rep.Listed) != 1 || rep.Listed[0].Until != "2026-10-06T14:00:00Z" || rep.Listed[0].Codes[0] != "127.0.0.2" || len(rep.Changes) != 2 {
			t.Errorf("--json: %s", r.stdout)
		}
		if r := runCLI(t, nil, "sla", "blacklist", "--period", "2026-10", "--db", db, "--from", "2026-10-01"); r.code != 2 || !strings.Contains(r.stderr, "not both") {
			t.Errorf("bad period: %+v", r)
		}
		if r := runCLI(t, nil, "sla", "blacklist", "--period", "2026-09", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "No outgoing IP was listed") {
			t.Errorf("a month without listings: %+v", r)
		}
		if r := runCLI(t, nil, "sla", "nonsense"); r.code != 2 || !strings.Contains(r.stderr, `unknown sla action "nonsense"`) || !strings.Contains(r.stderr, "mailmeter sla blacklist [--period") {
			t.Errorf("unknown sla command: %+v", r)
		}
	})
}

package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
)

// runSLABlacklist prints the DNSBL listings of the outgoing IPs over a
// period, recorded by the dnsbl probes.
func runSLABlacklist(ctx context.Context, e env, args []string) error {
	f := newFlags("sla blacklist", "sla blacklist [--period YYYY-MM | --from T --to T] [--json]", e)
	per := f.String("period", "", "month, YYYY-MM (default: this month, UTC)")
	from := f.String("from", "", "start (RFC 3339 or YYYY-MM-DD)")
	to := f.String("to", "", "end, exclusive")
	asJSON := f.Bool("json", false, "print JSON (as GET /v1/sla/blacklists)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	start, end, err := period(*per, *from, *to, time.Now().UTC())
	if err != nil {
		return err
	}
	return withStore(ctx, e, f, func(_ config.Config, s *store.Store) error {
		rep, err := probe.NewBlacklists(s, time.Now).Report(ctx, start, end)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, rep)
		}
		return blacklistText(e, rep)
	})
}

func blacklistText(e env, rep probe.BlacklistReport) error {
	fmt.Fprintf(e.stdout, "DNS blocklist listings, %s\n\n", periodLabel(rep.From, rep.To, false))
	if len(rep.Listed) == 0 {
		fmt.Fprintln(e.stdout, "No outgoing IP was listed.")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if len(rep.Listed) > 0 {
		fmt.Fprintln(tw, "IP\tZONE\tLISTED SINCE\tUNTIL\tCODES\tREASON")
		for _, p := range rep.Listed {
			until := "still listed"
			if !p.Until.IsZero() {
				until = p.Until.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.IP, p.Zone, p.Since.Format(time.RFC3339), until, codeList(p.Codes), p.Reason)
		}
	}
	if len(rep.Changes) > 0 {
		fmt.Fprintln(tw, "\nCHANGED AT\tIP\tZONE\tSTANDING\tCODES\tREASON")
		for _, c := range rep.Changes {
			standing := "not listed"
			if c.Listed {
				standing = "listed"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.At.Format(time.RFC3339), c.IP, c.Zone, standing, codeList(c.Codes), c.Reason)
		}
	}
	return tw.Flush()
}

func codeList(cs []netip.Addr) string {
	if len(cs) == 0 {
		return "-"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ",")
}

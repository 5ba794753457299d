package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
)

const slaUsage = `usage: mailmeter sla report [--period YYYY-MM] [--customer ID] [--json]
       mailmeter sla maintenance add --service S --start T --end T [--announced T] [--reason R] [--json]
       mailmeter sla maintenance list [--service S] [--json] | sla maintenance delete ID
       mailmeter sla incident add --service S --start T --end T [--reason R] [--json]
       mailmeter sla incident list [--service S] [--json] | sla incident delete ID
       mailmeter sla settle
       mailmeter sla blacklist [--period YYYY-MM | --from T --to T] [--json]`

// slaPolicy converts the sla: keys.
func slaPolicy(c config.Config) sla.Policy {
	return sla.Policy{Interval: time.Duration(c.ProbeInterval), MinOutage: time.Duration(c.SLA.MinimumOutage),
		UnknownAsDown: c.SLA.UnknownCountsAs == "down", MaintenanceNotice: time.Duration(c.SLA.MaintenanceNotice),
		MaintenanceCap: time.Duration(c.SLA.MaintenanceCap), Retention: time.Duration(c.SLA.CheckRetention)}
}

// slaServices are the configured services, or each probe its own.
func slaServices(c config.Config) []sla.MailService {
	var defined []sla.MailService
	for _, s := range c.Services {
		defined = append(defined, sla.MailService{Name: s.Name, Targets: s.Probes, DownWhen: s.DownWhen, Failures: s.Failures})
	}
	var probes []string
	for _, p := range c.Probes {
		if p.Kind != probe.DNSBL { // run by the blacklist monitor: no availability checks
			probes = append(probes, p.Name)
		}
	}
	return sla.ServicesOf(defined, probes)
}

// hasDNSBL says whether blocklists are checked (a dnsbl probe is configured).
func hasDNSBL(c config.Config) bool {
	for _, p := range c.Probes {
		if p.Kind == probe.DNSBL {
			return true
		}
	}
	return false
}

// newSLA builds the service-level service over the store, with the plans'
// terms for reports.
func newSLA(c config.Config, s *store.Store) (*sla.Service, error) {
	d := sla.Deps{Store: s, Services: slaServices(c), Policy: slaPolicy(c), Directory: s, Usage: s,
		Plans: billing.NewCatalog(s, time.Now), Now: time.Now}
	if hasDNSBL(c) { // else the report says blacklists are not checked
		d.Blacklists = sla.DNSBLListings{History: probe.NewBlacklists(s, time.Now)}
	}
	return sla.NewService(d)
}

// withSLA loads the configuration, imports the configured plans the
// database lacks and runs fn with the service.
func withSLA(ctx context.Context, e env, f *cmdFlags, fn func(*sla.Service) error) error {
	return withCatalog(ctx, e, f, func(c config.Config, s *store.Store, _ *billing.Catalog) error {
		svc, err := newSLA(c, s)
		if err != nil {
			return fmt.Errorf("invalid config: %w", err)
		}
		return fn(svc)
	})
}

// runSLA is the sla command group.
func runSLA(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", slaUsage)
	}
	switch args[0] {
	case "report":
		return slaReport(ctx, e, args[1:])
	case "maintenance":
		return slaWindows(ctx, e, "maintenance", args[1:])
	case "incident":
		return slaWindows(ctx, e, "incident", args[1:])
	case "settle":
		return slaSettle(ctx, e, args[1:])
	case "blacklist":
		return runSLABlacklist(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, slaUsage)
		fmt.Fprintln(e.stdout, "\nreport: each service's uptime, downtime intervals, unknown minutes and maintenance; delivery latency;")
		fmt.Fprintln(e.stdout, "rejects, blocks and bounces; blacklist listings; the credit of each plan's SLA. Times are RFC 3339.")
		fmt.Fprintln(e.stdout, "blacklist: the DNS blocklist listings of the outgoing IPs and their changes, recorded by the dnsbl probes.")
		return errHelp
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("%s", slaUsage)
	}
	return usagef("unknown sla action %q; want report, maintenance, incident, settle or blacklist\n%s", args[0], slaUsage)
}

func slaReport(ctx context.Context, e env, args []string) error {
	f := newFlags("sla report", "sla report [--period YYYY-MM] [--customer ID] [--json]", e)
	per := f.String("period", "", "month, YYYY-MM (default: this month), in the customer's time zone (else UTC)")
	cust := f.String("customer", "", "the customer's report: its zone, its mail, its plan's credit")
	asJSON := f.Bool("json", false, "print JSON (the API's GET /v1/sla/report)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	return withSLA(ctx, e, f, func(svc *sla.Service) error {
		rep, err := svc.Report(ctx, sla.ReportInput{Period: *per, Customer: *cust})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, rep)
		}
		return writeReport(e.stdout, rep)
	})
}

// slaWindows is `sla maintenance …` and `sla incident …`.
func slaWindows(ctx context.Context, e env, kind string, args []string) error {
	if len(args) == 0 {
		return usagef("%s", slaUsage)
	}
	switch args[0] {
	case "add":
		return slaAdd(ctx, e, kind, args[1:])
	case "list":
		return slaList(ctx, e, kind, args[1:])
	case "delete":
		return slaDelete(ctx, e, kind, args[1:])
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("%s", slaUsage)
	}
	return usagef("unknown sla %s action %q; want add, list or delete", kind, args[0])
}

func slaAdd(ctx context.Context, e env, kind string, args []string) error {
	use := "sla " + kind + " add --service S --start T --end T [--reason R] [--json]"
	if kind == "maintenance" {
		use = "sla maintenance add --service S --start T --end T [--announced T] [--reason R] [--json]"
	}
	f := newFlags("sla "+kind+" add", use, e)
	service := f.String("service", "", "the service (e.g. smtp)")
	start := f.String("start", "", "start, RFC 3339")
	end := f.String("end", "", "end, RFC 3339 (exclusive)")
	reason := f.String("reason", "", "why")
	asJSON := f.Bool("json", false, "print JSON")
	var announced *string
	if kind == "maintenance" {
		announced = f.String("announced", "", "when customers were told, RFC 3339 (default: now)")
	}
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	times, err := flagTimes(map[string]*string{"start": start, "end": end, "announced": announced})
	if err != nil {
		return err
	}
	return withSLA(ctx, e, f, func(svc *sla.Service) error {
		var v any
		var err error
		if kind == "maintenance" {
			v, err = svc.AddMaintenance(ctx, sla.MaintenanceInput{Service: *service, Start: times["start"], End: times["end"],
				Announced: times["announced"], Reason: *reason})
		} else {
			v, err = svc.AddIncident(ctx, sla.IncidentInput{Service: *service, Start: times["start"], End: times["end"], Reason: *reason})
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, v)
		}
		return writeWindows(e.stdout, kind, []any{v})
	})
}

// flagTimes parses the RFC 3339 times of flags (nil or empty: absent).
func flagTimes(flags map[string]*string) (map[string]time.Time, error) {
	times := map[string]time.Time{}
	for name, v := range flags {
		if v == nil || *v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			return nil, usagef("--%s %q: want RFC 3339, e.g. 2026-11-20T02:00:00Z", name, *v)
		}
		times[name] = t
	}
	return times, nil
}

func slaList(ctx context.Context, e env, kind string, args []string) error {
	f := newFlags("sla "+kind+" list", "sla "+kind+" list [--service S] [--json]", e)
	service := f.String("service", "", "only this service's")
	asJSON := f.Bool("json", false, "print JSON (the API's list)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	return withSLA(ctx, e, f, func(svc *sla.Service) error {
		q := sla.WindowQuery{Service: *service}
		var items []any
		if kind == "maintenance" {
			ms, err := svc.Maintenance(ctx, q)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, map[string]any{"items": nonNil(ms)})
			}
			for _, m := range ms {
				items = append(items, m)
			}
		} else {
			incs, err := svc.Incidents(ctx, q)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, map[string]any{"items": nonNil(incs)})
			}
			for _, in := range incs {
				items = append(items, in)
			}
		}
		return writeWindows(e.stdout, kind, items)
	})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func slaDelete(ctx context.Context, e env, kind string, args []string) error {
	f := newFlags("sla "+kind+" delete", "sla "+kind+" delete ID", e)
	pos, err := f.parse(e, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("%s id %q: want a positive integer (see sla %s list)", kind, pos[0], kind)
	}
	return withSLA(ctx, e, f, func(svc *sla.Service) error {
		if kind == "maintenance" {
			err = svc.DeleteMaintenance(ctx, id)
		} else {
			err = svc.DeleteIncident(ctx, id)
		}
		if err == nil {
			fmt.Fprintf(e.stdout, "%s %d deleted\n", kind, id)
		}
		return err
	})
}

func slaSettle(ctx context.Context, e env, args []string) error {
	f := newFlags("sla settle", "sla settle", e)
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	return withSLA(ctx, e, f, func(svc *sla.Service) error {
		res, err := svc.Settle(ctx)
		if err != nil {
			return err
		}
		for name, until := range res.Settled {
			fmt.Fprintf(e.stdout, "%s settled until %s\n", name, until.Format(time.RFC3339))
		}
		fmt.Fprintf(e.stdout, "%d raw checks pruned\n", res.Pruned)
		return nil
	})
}

// writeWindows prints incidents or maintenance windows as a table.
func writeWindows(w io.Writer, kind string, items []any) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if kind == "maintenance" {
		fmt.Fprintln(tw, "ID\tSERVICE\tSTART\tEND\tANNOUNCED\tREASON")
	} else {
		fmt.Fprintln(tw, "ID\tSERVICE\tSTART\tEND\tREASON")
	}
	for _, it := range items {
		switch v := it.(type) {
		case sla.Maintenance:
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Service, stamp(v.Start), stamp(v.End), stamp(v.Announced), v.Reason)
		case sla.Incident:
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.ID, v.Service, stamp(v.Start), stamp(v.End), v.Reason)
		}
	}
	return tw.Flush()
}

func stamp(t time.Time) string { return t.Format(time.RFC3339) }

// local formats a report time in its zone, to the minute.
func local(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

// writeReport prints the monthly report, a section at a time.
func writeReport(w io.Writer, r sla.Report) error {
	scope := "all customers"
	if r.Customer != "" {
		scope = "customer " + r.Customer
	}
	status := "complete"
	if !r.Complete {
		status = "so far, to " + local(r.To)
	}
	fmt.Fprintf(w, "Service report %s, %s (%s, %s)\n", r.Period, scope, r.Timezone, status)
	fmt.Fprintf(w, "Rules: outages under %d min do not count; unknown minutes count as %s; maintenance is excluded if announced %gh ahead, up to %gh a year\n",
		r.Policy.MinOutageMinutes, r.Policy.UnknownCountsAs, r.Policy.MaintenanceNoticeHours, r.Policy.MaintenanceCapHours)
	writeServices(w, r.Services)
	writeLatency(w, r.Latency)
	writeMail(w, r.Mail)
	writeBlacklists(w, r.Blacklists)
	writeCredits(w, r.Credits)
	return nil
}

func writeServices(w io.Writer, fs []sla.Figures) {
	fmt.Fprintln(w, "\nServices")
	if len(fs) == 0 {
		fmt.Fprintln(w, "  none configured (services:, probes:) and none named by an incident or maintenance window")
	}
	for _, f := range fs {
		fmt.Fprintf(w, "  %s: uptime %.4f%%, %d min down, %d min unknown, of %d min\n", f.Service, f.UptimePercent, f.DowntimeMinutes, f.UnknownMinutes, f.Minutes)
		for _, o := range f.Downtime {
			fmt.Fprintf(w, "    down     %s – %s  %5d min  %s\n", local(o.Start), local(o.End), o.Minutes, o.Cause)
		}
		for _, o := range f.ShortOutages {
			fmt.Fprintf(w, "    short    %s – %s  %5d min  %s (under the minimum: not counted)\n", local(o.Start), local(o.End), o.Minutes, o.Cause)
		}
		for _, u := range f.Unknown {
			fmt.Fprintf(w, "    unknown  %s – %s  %5d min\n", local(u.Start), local(u.End), u.Minutes)
		}
		for _, m := range f.Maintenance {
			fmt.Fprintf(w, "    maintenance %s – %s  %d min, %d min down; %s\n", local(m.Start), local(m.End), m.Minutes, m.DowntimeMinutes, m.Why)
		}
		for _, in := range f.Incidents {
			fmt.Fprintf(w, "    incident %d  %s – %s  %s\n", in.ID, local(in.Start), local(in.End), in.Reason)
		}
	}
}

func writeLatency(w io.Writer, l sla.LatencySection) {
	fmt.Fprintf(w, "\nDelivery latency (all customers), target %gs\n", l.TargetSeconds)
	for _, d := range []struct {
		name string
		f    sla.LatencyFigures
	}{{"inbound", l.Inbound}, {"outbound", l.Outbound}} {
		within := fmt.Sprintf("%.1f%%", 100*d.f.WithinTarget)
		if d.f.WithinTargetMax != d.f.WithinTarget {
			within = fmt.Sprintf("%.1f–%.1f%%", 100*d.f.WithinTarget, 100*d.f.WithinTargetMax)
		}
		fmt.Fprintf(w, "  %-9s %d deliveries, p50 %.3gs, p90 %.3gs, p99 %.3gs, %s within the target\n",
			d.name, d.f.Deliveries, d.f.P50Seconds, d.f.P90Seconds, d.f.P99Seconds, within)
	}
}

func writeMail(w io.Writer, m sla.MailSection) {
	in, out := m.Inbound, m.Outbound
	fmt.Fprintln(w, "\nMail (recipients)")
	fmt.Fprintf(w, "  inbound   %d delivered, %d rejected (%s), %d temporarily rejected (%s), %d spam (%s), %d virus (%s) blocked\n",
		in.Delivered, in.Rejected, pct(in.RejectRate), in.TempRejected, pct(in.TempRejectRate), in.SpamBlocked, pct(in.SpamRate),
		in.VirusBlocked, pct(in.VirusRate))
	fmt.Fprintf(w, "  outbound  %d sent, %d rejected (%s), %d temporarily rejected (%s), %d bounced (%s)\n",
		out.Recipients, out.Rejected, pct(out.RejectRate), out.TempRejected, pct(out.TempRejectRate), out.Bounced, pct(out.BounceRate))
	if !m.TempRejectsMeasured {
		fmt.Fprintln(w, "  (temporary rejects are not metered by this version: shown as 0)")
	}
}

func pct(r float64) string { return strconv.FormatFloat(100*r, 'f', 2, 64) + "%" }

func writeBlacklists(w io.Writer, b sla.BlacklistSection) {
	fmt.Fprintln(w, "\nBlacklist listings")
	switch {
	case !b.Checked:
		fmt.Fprintln(w, "  not checked (no blacklist checks are configured)")
	case len(b.Listings) == 0:
		fmt.Fprintln(w, "  none")
	}
	for _, l := range b.Listings {
		until := "still listed"
		if l.Delisted != nil {
			until = "delisted " + local(*l.Delisted)
		}
		fmt.Fprintf(w, "  %s on %s: listed %s, %s\n", l.Address, l.List, local(l.Listed), until)
	}
}

func writeCredits(w io.Writer, cs []sla.PlanCredit) {
	fmt.Fprintln(w, "\nSLA credits")
	if len(cs) == 0 {
		fmt.Fprintln(w, "  no plan with an SLA applies")
	}
	for _, pc := range cs {
		c := pc.Credit
		var parts []string
		for _, s := range c.Services {
			parts = append(parts, fmt.Sprintf("%s %.4f%% (%s%%)", s.Service, float64(s.UptimePPM)/1e4, bpText(s.CreditBP)))
		}
		fmt.Fprintf(w, "  plan %s: %s%% of the fees", pc.Plan, bpText(c.CreditBP))
		if c.Service != "" {
			fmt.Fprintf(w, " (for %s)", c.Service)
		}
		latency := "latency promise met or none"
		if !c.LatencyMet {
			latency = fmt.Sprintf("latency missed (%s%% within the target): %s%%", strconv.FormatFloat(float64(c.LatencySharePPM)/1e4, 'f', 3, 64), bpText(c.LatencyCreditBP))
		}
		fmt.Fprintf(w, "; services: %s; %s\n", orNone(strings.Join(parts, ", ")), latency)
	}
}

func bpText(bp int64) string { return strconv.FormatFloat(float64(bp)/100, 'f', 2, 64) }

func orNone(s string) string {
	if s == "" {
		return "none covered"
	}
	return s
}

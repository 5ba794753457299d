package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
)

// period reads --period YYYY-MM or --from/--to (RFC 3339 or YYYY-MM-DD) into
// a UTC range [from, to); the default is the current month.
func period(p, from, to string, now time.Time) (time.Time, time.Time, error) {
	parse := func(name, v string) (time.Time, error) {
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, usagef("--%s %q: want RFC 3339 or YYYY-MM-DD", name, v)
	}
	switch {
	case p != "" && (from != "" || to != ""):
		return time.Time{}, time.Time{}, usagef("give --period or --from/--to, not both")
	case from != "" || to != "":
		if from == "" || to == "" {
			return time.Time{}, time.Time{}, usagef("--from and --to go together")
		}
		f, err := parse("from", from)
		if err != nil {
			return f, f, err
		}
		t, err := parse("to", to)
		if err != nil {
			return f, t, err
		}
		if !t.After(f) {
			return f, t, usagef("--to must be after --from")
		}
		return f, t, nil
	case p != "":
		m, err := time.Parse("2006-01", p)
		if err != nil {
			return m, m, usagef("--period %q: want YYYY-MM", p)
		}
		return m, m.AddDate(0, 1, 0), nil
	}
	m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return m, m.AddDate(0, 1, 0), nil
}

func runUsage(ctx context.Context, e env, args []string) error {
	f := newFlags("usage", "usage [--period YYYY-MM | --from T --to T] [--mailbox ADDR | --unknown [--sort M] [--limit N]] [--bytes] [--json]", e)
	per := f.String("period", "", "month, YYYY-MM (default: this month, UTC)")
	from := f.String("from", "", "start (RFC 3339 or YYYY-MM-DD)")
	to := f.String("to", "", "end, exclusive")
	mailbox := f.String("mailbox", "", "only this mailbox")
	asJSON := f.Bool("json", false, "print JSON")
	rawBytes := f.Bool("bytes", false, "print sizes in bytes (default: human units, 1 MB = 10^6 bytes)")
	unknown := f.Bool("unknown", false, "summarize the addresses the directory never held (per domain, top addresses) instead")
	sortBy := f.String("sort", "", "with --unknown: counter metric to sort by (default rejected_in)")
	limit := f.Int("limit", quota.DefaultUnknownTop, "with --unknown: top addresses listed")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	start, end, err := period(*per, *from, *to, time.Now().UTC())
	if err != nil {
		return err
	}
	if *unknown {
		if *mailbox != "" {
			return usagef("--unknown and --mailbox do not go together")
		}
		return usageUnknown(ctx, e, f, quota.UnknownInput{From: start, To: end, Sort: *sortBy, Limit: *limit}, *asJSON)
	}
	addr := ""
	if *mailbox != "" {
		if addr, err = metering.NormalizeAddress(*mailbox); err != nil {
			return usagef("--mailbox: %v", err)
		}
	}
	return withReports(ctx, e, f, func(reports *quota.Reports) error {
		totals, err := reports.HostedTotals(ctx, start, end, addr)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, usageJSON(start, end, totals))
		}
		fmt.Fprintf(e.stdout, "usage %s\n", periodLabel(start, end, *per == "" && *from == ""))
		if len(totals) == 0 {
			fmt.Fprintln(e.stdout, "no usage recorded in this period; pass --period YYYY-MM (or --from/--to) for another one")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		head := []string{"MAILBOX"}
		for _, m := range metering.CounterMetrics {
			head = append(head, strings.ToUpper(string(m)))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, t := range totals {
			row := []string{t.Mailbox}
			for _, m := range metering.CounterMetrics {
				row = append(row, metricCell(m, t.Values[m], *rawBytes))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		return tw.Flush()
	})
}

// withReports loads the configuration, opens the store and hands fn the
// usage reports over it.
func withReports(ctx context.Context, e env, f *cmdFlags, fn func(*quota.Reports) error) error {
	return withStore(ctx, e, f, func(_ config.Config, s *store.Store) error {
		return fn(quota.NewReports(s, s, s, time.Now))
	})
}

// usageJSON is what usage --json prints: the period and a row per mailbox
// with every counter metric.
func usageJSON(start, end time.Time, totals []metering.MailboxTotals) map[string]any {
	rows := make([]map[string]any, 0, len(totals))
	for _, t := range totals {
		row := map[string]any{"mailbox": t.Mailbox}
		for _, m := range metering.CounterMetrics {
			row[string(m)] = t.Values[m]
		}
		rows = append(rows, row)
	}
	return map[string]any{"period": map[string]string{"from": start.Format(time.RFC3339), "to": end.Format(time.RFC3339)}, "rows": rows}
}

// periodLabel names a period for people: the month when it is one, and
// whether it is the default.
func periodLabel(start, end time.Time, byDefault bool) string {
	label := fmt.Sprintf("%s – %s (UTC)", start.Format(time.RFC3339), end.Format(time.RFC3339))
	if start.Day() == 1 && start.Hour() == 0 && start.Minute() == 0 && start.Second() == 0 && end.Equal(start.AddDate(0, 1, 0)) {
		label = start.Format("2006-01") + ": " + label
	}
	if byDefault {
		label += ", this month (the default; --period YYYY-MM for another)"
	}
	return label
}

func runLatency(ctx context.Context, e env, args []string) error {
	f := newFlags("latency", "latency [--period YYYY-MM | --from T --to T] [--domain D] [--target 60s] [--json]", e)
	per := f.String("period", "", "month, YYYY-MM (default: this month, UTC)")
	from := f.String("from", "", "start (RFC 3339 or YYYY-MM-DD)")
	to := f.String("to", "", "end, exclusive")
	domain := f.String("domain", "", "only this domain (default: service-wide)")
	target := f.Duration("target", 60*time.Second, "report the share of deliveries within this delay")
	asJSON := f.Bool("json", false, "print JSON")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	start, end, err := period(*per, *from, *to, time.Now().UTC())
	if err != nil {
		return err
	}
	if *target <= 0 {
		return usagef("--target must be positive")
	}
	return withReports(ctx, e, f, func(reports *quota.Reports) error {
		rep, err := reports.Latency(ctx, quota.LatencyInput{From: start, To: end, Domain: *domain, Target: *target})
		if err != nil {
			return err
		}
		dirs := make([]string, 0, len(rep.Directions))
		for d := range rep.Directions {
			dirs = append(dirs, string(d))
		}
		sort.Strings(dirs)
		type row struct {
			Direction string  `json:"direction"`
			Count     int64   `json:"count"`
			P50       float64 `json:"p50_seconds"`
			P90       float64 `json:"p90_seconds"`
			P99       float64 `json:"p99_seconds"`
			Within    float64 `json:"share_within_target"`     // at least
			WithinMax float64 `json:"share_within_target_max"` // at most
			Target    float64 `json:"target_seconds"`
		}
		var rows []row
		for _, d := range dirs {
			l := rep.Directions[metering.Direction(d)]
			rows = append(rows, row{d, l.Count, l.P50.Seconds(), l.P90.Seconds(), l.P99.Seconds(), l.WithinTarget, l.WithinTargetMax, rep.Target.Seconds()})
		}
		if *asJSON {
			if rows == nil {
				rows = []row{}
			}
			return writeJSON(e.stdout, rows)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "DIRECTION\tDELIVERIES\tP50\tP90\tP99\tWITHIN %s\t\n", humanDuration(target.Seconds()))
		for _, r := range rows {
			within := fmt.Sprintf("%.1f%%", 100*r.Within)
			if r.WithinMax != r.Within {
				within = fmt.Sprintf("%.1f–%.1f%%", 100*r.Within, 100*r.WithinMax)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", r.Direction, r.Count, humanDuration(r.P50), humanDuration(r.P90), humanDuration(r.P99), within)
		}
		return tw.Flush()
	})
}

func runAvailability(ctx context.Context, e env, args []string) error {
	f := newFlags("availability", "availability [--period YYYY-MM | --from T --to T] [--json]", e)
	per := f.String("period", "", "month, YYYY-MM (default: this month, UTC)")
	from := f.String("from", "", "start (RFC 3339 or YYYY-MM-DD)")
	to := f.String("to", "", "end, exclusive")
	asJSON := f.Bool("json", false, "print JSON")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	start, end, err := period(*per, *from, *to, time.Now().UTC())
	if err != nil {
		return err
	}
	return withReports(ctx, e, f, func(reports *quota.Reports) error {
		rep, err := reports.Availability(ctx, start, end)
		if err != nil {
			return err
		}
		av := rep.Probes
		type row struct {
			Probe        string  `json:"probe"`
			Checks       int64   `json:"checks"`
			Successes    int64   `json:"successes"`
			Availability float64 `json:"availability"`
		}
		rows := make([]row, len(av))
		for i, a := range av {
			rows[i] = row{a.Probe, a.Attempts, a.Successes, a.Share()}
		}
		if *asJSON {
			return writeJSON(e.stdout, rows)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "PROBE\tCHECKS\tSUCCESSES\tAVAILABILITY\t")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f%%\t\n", r.Probe, r.Checks, r.Successes, 100*r.Availability)
		}
		return tw.Flush()
	})
}

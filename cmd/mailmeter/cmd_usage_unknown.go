package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

// usageUnknown prints "usage --unknown": the usage of addresses the
// directory never held, kept apart from every mailbox's figures.
func usageUnknown(ctx context.Context, e env, f *cmdFlags, in quota.UnknownInput, asJSON bool) error {
	return withReports(ctx, e, f, func(reports *quota.Reports) error {
		rep, err := reports.Unknown(ctx, in)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(e.stdout, unknownJSON(rep))
		}
		fmt.Fprintf(e.stdout, "addresses outside the directory, %s – %s (UTC): %d, by %s\n",
			rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339), rep.All.Addresses, rep.SortBy)
		shown := []metering.Metric{metering.RejectedIn, metering.TempfailedIn, metering.InMessages, metering.OutMessages, metering.RejectedOut, metering.TempfailedOut}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "DOMAIN\tHOSTED\tADDRESSES\t")
		for _, m := range shown {
			fmt.Fprintf(tw, "%s\t", m)
		}
		fmt.Fprintln(tw)
		for _, d := range rep.Domains {
			name := d.Domain
			if name == "" {
				name = "(no domain)"
			}
			fmt.Fprintf(tw, "%s\t%v\t%d\t", name, d.Hosted, d.Addresses)
			for _, m := range shown {
				fmt.Fprintf(tw, "%d\t", d.Totals[m])
			}
			fmt.Fprintln(tw)
		}
		fmt.Fprint(tw, "\nADDRESS\t\t\t")
		for _, m := range shown {
			fmt.Fprintf(tw, "%s\t", m)
		}
		fmt.Fprintln(tw)
		for _, t := range rep.Top {
			fmt.Fprintf(tw, "%s\t\t\t", t.Mailbox)
			for _, m := range shown {
				fmt.Fprintf(tw, "%d\t", t.Values[m])
			}
			fmt.Fprintln(tw)
		}
		return tw.Flush()
	})
}

// unknownJSON is the --json form of the report, shaped like the API's
// GET /v1/usage/unknown.
func unknownJSON(rep quota.UnknownReport) map[string]any {
	usage := func(u quota.UnknownUsage) map[string]any {
		return map[string]any{"addresses": u.Addresses, "totals": u.Totals}
	}
	domains := make([]map[string]any, len(rep.Domains))
	for i, d := range rep.Domains {
		domains[i] = map[string]any{"domain": d.Domain, "hosted": d.Hosted, "addresses": d.Addresses, "totals": d.Totals}
	}
	top := make([]map[string]any, len(rep.Top))
	for i, t := range rep.Top {
		vals := map[metering.Metric]int64{}
		for _, m := range metering.CounterMetrics {
			vals[m] = t.Values[m]
		}
		top[i] = map[string]any{"address": t.Mailbox, "values": vals}
	}
	order := "asc"
	if rep.Desc {
		order = "desc"
	}
	return map[string]any{"from": rep.From.Format(time.RFC3339), "to": rep.To.Format(time.RFC3339), "sort": rep.SortBy,
		"order": order, "unknown": usage(rep.All), "domains": domains, "addresses": top}
}

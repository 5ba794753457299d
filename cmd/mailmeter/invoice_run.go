package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
)

// invoiceRun computes a month's drafts. Every customer that can be billed
// is; each one that cannot is printed (on stderr, or in --json's
// failures) and the command then exits non-zero.
func invoiceRun(ctx context.Context, e env, args []string) error {
	f := newFlags("invoice run", "invoice run --period YYYY-MM [--customer ID] [--json]", e)
	per := f.String("period", "", "the month to bill, YYYY-MM (required; at most one month ahead)")
	cust := f.String("customer", "", "only this customer (default: every customer with a plan)")
	asJSON := f.Bool("json", false, "print JSON: the invoices and the customers that failed")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	m, err := time.Parse("2006-01", *per)
	if err != nil {
		return usagef("--period %q: want YYYY-MM", *per)
	}
	return withBilling(ctx, e, f, func(c config.Config, _ *billing.Invoices, r *billing.Runner) error {
		var only []string
		if *cust != "" {
			only = []string{*cust}
		}
		bar := newProgress(e.stderr, "invoice run "+*per)
		rep, err := r.Run(ctx, m.Year(), m.Month(), only, func(done, total int) { bar.update(int64(done), int64(total)) })
		bar.done()
		if err != nil {
			return err
		}
		if *asJSON {
			err = writeJSON(e.stdout, runJSON(*per, rep))
		} else {
			err = runText(e, c, rep)
		}
		if err == nil && len(rep.Failures) > 0 {
			err = fmt.Errorf("%d of %d customers could not be billed (the others were)", len(rep.Failures), len(rep.Failures)+len(rep.Outcomes))
		}
		return err
	})
}

// runText prints the run's invoices as a table and each failure on
// stderr, with how to fix a plan the configuration does not define.
func runText(e env, c config.Config, rep billing.Report) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INVOICE\tCUSTOMER\tTOTAL\tNOTE")
	for _, o := range rep.Outcomes {
		total := o.Currency + " " + billing.FormatMoney(o.Total, o.Currency)
		if o.Skipped != "" {
			total = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Customer, total, o.Skipped)
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(e.stderr, "mailmeter invoice run: %s not computed: %v\n", f.ID, planHint(f.Err, "or give the customer another (customer update "+f.Customer+" --plan PLAN)"))
	}
	return tw.Flush()
}

// runJSON is the --json output of a run; a failure has the type, field
// and detail the API would give it.
func runJSON(period string, rep billing.Report) map[string]any {
	invoices := make([]map[string]any, len(rep.Outcomes))
	for i, o := range rep.Outcomes {
		invoices[i] = map[string]any{"id": o.ID, "customer": o.Customer, "total": o.Total, "currency": o.Currency, "skipped": o.Skipped}
	}
	failures := make([]map[string]any, len(rep.Failures))
	for i, f := range rep.Failures {
		failures[i] = map[string]any{"customer": f.Customer, "id": f.ID, "type": string(metering.KindOf(f.Err)),
			"field": metering.FieldOf(f.Err), "detail": f.Err.Error()}
	}
	return map[string]any{"period": period, "invoices": invoices, "failures": failures}
}

// planHint adds to an error about a plan how to see and define plans;
// other errors pass as they are.
func planHint(err error, alternative string) error {
	var de *metering.Error
	if !errors.As(err, &de) || de.Field != "plan" {
		return err
	}
	hint := "see mailmeter plan list, and add it with mailmeter plan add ID --currency CUR --mailbox-fee AMOUNT"
	if alternative != "" {
		hint += ", " + alternative
	}
	return fmt.Errorf("%w; %s", err, hint)
}

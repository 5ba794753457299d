package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
)

// seller converts the configured seller, naming the key at fault; none
// configured is the zero Seller.
func seller(c config.Config) (billing.Seller, error) {
	cs := c.Billing.Seller
	if cs == (config.Seller{}) {
		return billing.Seller{}, nil
	}
	terms := 14
	if cs.PaymentTermsDays != nil {
		terms = *cs.PaymentTermsDays
	}
	s, err := billing.Seller{Party: billing.Party{Name: cs.Name, Address: cs.Address, PostalCode: cs.PostalCode, City: cs.City,
		Country: cs.Country, VATID: cs.VATID, Registration: cs.Registration, Email: cs.Email},
		BankName: cs.BankName, IBAN: cs.IBAN, BIC: cs.BIC, PaymentTermsDays: terms, Footer: cs.Footer}.Validate()
	if err != nil {
		return s, fmt.Errorf("invalid config: billing.seller: %s", strings.ReplaceAll(err.Error(), "\n", "; billing.seller."))
	}
	return s, nil
}

// newRunner is the billing run over s (its plans, customers' plan
// history and usage) with the configured seller, measuring the services'
// minutes through the service-level service it returns too.
func newRunner(c config.Config, s *store.Store) (*billing.Runner, *sla.Service, error) {
	sel, err := seller(c)
	if err != nil {
		return nil, nil, err
	}
	levels, err := newSLA(c, s)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid config: %w", err)
	}
	src := billing.Sources{Directory: s, History: s, Plans: s, Usage: s, Series: s, Levels: levels}
	return billing.NewRunner(src, s, time.Now).WithSeller(sel), levels, nil
}

func runInvoice(ctx context.Context, e env, args []string) error {
	const use = "usage: mailmeter invoice run --period YYYY-MM [--customer ID] [--json] | invoice list [--customer ID] [--json] | invoice show ID [--json | --csv | --ubl | --pdf FILE] | invoice preview CUSTOMER [--pdf FILE] | invoice finalize ID | invoice credit ID --reason TEXT [--amount AMOUNT]"
	if len(args) == 0 {
		return usagef("%s", use)
	}
	switch args[0] {
	case "run":
		return invoiceRun(ctx, e, args[1:])
	case "list":
		f := newFlags("invoice list", "invoice list [--customer ID] [--json]", e)
		cust := f.String("customer", "", "only this customer's invoices")
		asJSON := f.Bool("json", false, "print JSON")
		if _, err := f.parse(e, args[1:], 0, 0); err != nil {
			return err
		}
		return withBilling(ctx, e, f, func(_ config.Config, invs *billing.Invoices, _ *billing.Runner) error {
			recs, err := collectPages(func(p directory.Page) ([]billing.Record, string, error) {
				rs, err := invs.List(ctx, *cust, p)
				if len(rs) == 0 {
					return rs, "", err
				}
				return rs, rs[len(rs)-1].ID, err
			})
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]map[string]any, len(recs))
				for i, r := range recs {
					out[i] = map[string]any{"id": r.ID, "customer": r.Customer, "status": r.Status, "number": r.Number,
						"currency": r.Invoice.Currency, "total": r.Invoice.Total, "period_from": r.Invoice.Period.From, "period_to": r.Invoice.Period.To}
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "INVOICE\tCUSTOMER\tSTATUS\tNUMBER\tTOTAL")
			for _, r := range recs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\n", r.ID, r.Customer, r.Status, r.Number, r.Invoice.Currency, billing.FormatMoney(r.Invoice.Total, r.Invoice.Currency))
			}
			return tw.Flush()
		})
	case "show":
		f := newFlags("invoice show", "invoice show ID [--json | --csv | --ubl | --pdf FILE]", e)
		asJSON := f.Bool("json", false, "print JSON")
		asCSV := f.Bool("csv", false, "print the lines as CSV")
		asUBL := f.Bool("ubl", false, "print a final invoice or credit note as a UBL 2.1 e-invoice (EN 16931, Peppol BIS Billing 3.0)")
		pdf := f.String("pdf", "", "write the invoice as PDF to FILE")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withBilling(ctx, e, f, func(_ config.Config, invs *billing.Invoices, _ *billing.Runner) error {
			r, err := invs.Get(ctx, pos[0])
			if err != nil {
				return err
			}
			switch {
			case *asJSON:
				return writeJSON(e.stdout, r)
			case *asCSV:
				return billing.WriteCSV(e.stdout, r)
			case *asUBL:
				return billing.WriteUBL(e.stdout, r)
			}
			return showInvoice(e, r, *pdf)
		})
	case "preview":
		f := newFlags("invoice preview", "invoice preview CUSTOMER [--pdf FILE]: the month so far, computed as a run would, stored nowhere", e)
		pdf := f.String("pdf", "", "write the estimate as PDF to FILE")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withBilling(ctx, e, f, func(_ config.Config, _ *billing.Invoices, run *billing.Runner) error {
			r, err := run.Preview(ctx, pos[0])
			if err != nil {
				return err
			}
			return showInvoice(e, r, *pdf)
		})
	case "credit":
		f := newFlags("invoice credit", "invoice credit ID --reason TEXT [--amount AMOUNT]", e)
		reason := f.String("reason", "", "why the invoice is corrected (required; printed on the note)")
		amount := f.String("amount", "", "net amount to give back, a decimal of the invoice's currency such as 12.50 (default: all that is left)")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		if *reason == "" || strings.HasPrefix(*amount, "-") {
			return usagef("invoice credit needs --reason and a non-negative --amount")
		}
		return withBilling(ctx, e, f, func(_ config.Config, invs *billing.Invoices, _ *billing.Runner) error {
			r, err := invs.CreditNoteOf(ctx, pos[0], *amount, *reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "credit note %s (%s) for %s: %s %s\n", r.Number, r.ID, r.Credits, r.Invoice.Currency, billing.FormatMoney(r.Invoice.Total, r.Invoice.Currency))
			return nil
		})
	case "finalize":
		f := newFlags("invoice finalize", "invoice finalize ID", e)
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withBilling(ctx, e, f, func(_ config.Config, invs *billing.Invoices, _ *billing.Runner) error {
			r, err := invs.Finalize(ctx, pos[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "invoice %s is final: number %s, total %s %s\n", r.ID, r.Number, r.Invoice.Currency, billing.FormatMoney(r.Invoice.Total, r.Invoice.Currency))
			return nil
		})
	}
	return usagef("unknown invoice action %q; want run, list, show, preview, finalize or credit", args[0])
}

// withBilling loads the configuration, opens the store and imports the
// configured plans it lacks.
func withBilling(ctx context.Context, e env, f *cmdFlags, fn func(config.Config, *billing.Invoices, *billing.Runner) error) error {
	return withCatalog(ctx, e, f, func(c config.Config, s *store.Store, _ *billing.Catalog) error {
		r, _, err := newRunner(c, s)
		if err != nil {
			return err
		}
		return fn(c, billing.NewInvoices(s, time.Now), r)
	})
}

// showInvoice prints r as text, or writes it as PDF to pdf.
func showInvoice(e env, r billing.Record, pdf string) error {
	if pdf != "" {
		if err := invoicePDF(pdf, r); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s written to %s\n", strings.ReplaceAll(r.Kind, "_", " "), r.ID, pdf)
		return nil
	}
	for _, l := range billing.Text(r) {
		fmt.Fprintln(e.stdout, l)
	}
	return nil
}

// invoicePDF writes the invoice as PDF to path, through a temporary file
// renamed into place.
func invoicePDF(path string, r billing.Record) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".invoice-*.pdf")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := billing.WritePDF(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

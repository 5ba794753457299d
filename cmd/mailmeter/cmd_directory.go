package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/store"
)

// withDirectory loads the configuration and opens a migrated store (its
// configured plans imported) for a directory command; customers get only
// plans the database defines, and plan changes are recorded with the day
// they take effect.
func withDirectory(ctx context.Context, e env, f *cmdFlags, fn func(svc *directory.Service) error) error {
	return withCatalog(ctx, e, f, func(c config.Config, s *store.Store, cat *billing.Catalog) error {
		return planHint(fn(directoryService(s, cat)), "")
	})
}

// directoryService is the directory over s, its plans those of cat.
func directoryService(s *store.Store, cat *billing.Catalog) *directory.Service {
	return directory.NewService(s, time.Now).WithPlans(cat).WithPlanHistory(s)
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, usagef("--%s %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", name, v)
	}
	return t, nil
}

func runCustomer(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: mailmeter customer add ID --name NAME [--currency EUR] [--timezone ZONE] [--plan PLAN] [BILLING] | customer update ID [--name N] [--currency C] [--timezone Z] [--plan P [--effective YYYY-MM-DD]] [BILLING] | customer remove ID | customer list [--json]; BILLING: [--legal-name N] [--address A] [--postal-code P] [--city C] [--country CC] [--vat-id V] [--billing-email E] [--tax-bp BP|plan]")
	}
	switch args[0] {
	case "add":
		f := newFlags("customer add", "customer add ID --name NAME [--currency EUR] [--timezone Europe/Berlin] [--plan PLAN] [--legal-name N] [--address A] [--postal-code P] [--city C] [--country CC] [--vat-id V] [--billing-email E] [--tax-bp BP]", e)
		name := f.String("name", "", "customer's name (required)")
		cur := f.String("currency", "EUR", "ISO 4217 currency of invoices")
		tz := f.String("timezone", "UTC", "IANA time zone of the customer's billing days")
		plan := f.String("plan", "", "plan name")
		var p directory.CustomerPatch
		billingFlags(f, &p)
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		if p.ClearTaxBP {
			return usagef("customer add: --tax-bp plan is the default; give basis points to override the plan's rate")
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			c, err := svc.AddCustomer(ctx, directory.CustomerInput{ID: pos[0], Name: *name, Currency: *cur, Timezone: *tz, Plan: *plan, Billing: p.Details()})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "customer %s added\n", c.ID)
			return nil
		})
	case "update":
		f := newFlags("customer update", "customer update ID [--name NAME] [--currency EUR] [--timezone ZONE] [--plan PLAN [--effective YYYY-MM-DD]] [--legal-name N] [--address A] [--postal-code P] [--city C] [--country CC] [--vat-id V] [--billing-email E] [--tax-bp BP|plan]", e)
		var p directory.CustomerPatch
		for name, dst := range map[string]**string{"name": &p.Name, "currency": &p.Currency, "timezone": &p.Timezone, "plan": &p.Plan} {
			f.Func(name, "new "+name, func(v string) error { *dst = &v; return nil })
		}
		billingFlags(f, &p)
		f.Func("effective", "the day the --plan change takes effect, in the customer's time zone (default today; a first plan: since ever)", func(v string) error {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return fmt.Errorf("want YYYY-MM-DD")
			}
			p.PlanEffective = d
			return nil
		})
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		if p.Plan == nil && !p.PlanEffective.IsZero() {
			return usagef("customer update: --effective goes with --plan")
		}
		if p == (directory.CustomerPatch{}) {
			return usagef("customer update %s: nothing to change; give --name, --currency, --timezone, --plan or a billing detail (--legal-name …)", pos[0])
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			c, err := svc.UpdateCustomer(ctx, pos[0], p)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "customer %s updated: %s, %s, %s, plan %q\n", c.ID, c.Name, c.Currency, c.Timezone, c.Plan)
			return nil
		})
	case "remove":
		f := newFlags("customer remove", "customer remove ID (once it owns no domain)", e)
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			if err := svc.RemoveCustomer(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "customer %s removed (history kept; the id is not reused)\n", pos[0])
			return nil
		})
	case "list":
		f := newFlags("customer list", "customer list [--json]", e)
		asJSON := f.Bool("json", false, "print JSON")
		if _, err := f.parse(e, args[1:], 0, 0); err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			all, err := collectPages(func(p directory.Page) ([]directory.Customer, string, error) {
				cs, err := svc.ListCustomers(ctx, p)
				if len(cs) == 0 {
					return cs, "", err
				}
				return cs, cs[len(cs)-1].ID, err
			})
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, customersJSON(all))
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCURRENCY\tTIMEZONE\tPLAN")
			for _, c := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Currency, c.Timezone, c.Plan)
			}
			return tw.Flush()
		})
	}
	return usagef("unknown customer action %q; want add, update, remove or list", args[0])
}

// billingFlags adds the billing-detail flags of customer add and update,
// filling p. --tax-bp takes basis points, or "plan" for the plan's rate.
func billingFlags(f *cmdFlags, p *directory.CustomerPatch) {
	for name, dst := range map[string]**string{"legal-name": &p.LegalName, "address": &p.Address, "postal-code": &p.PostalCode,
		"city": &p.City, "country": &p.Country, "vat-id": &p.VATID, "billing-email": &p.Email} {
		f.Func(name, "billing detail: "+name, func(v string) error { *dst = &v; return nil })
	}
	f.Func("tax-bp", `tax rate overriding the plan's, basis points (1900 = 19 %); "plan" = the plan's rate`, func(v string) error {
		if v == "plan" {
			p.ClearTaxBP, p.TaxBP = true, nil
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("want basis points (1900 = 19 %%) or plan")
		}
		p.TaxBP, p.ClearTaxBP = &n, false
		return nil
	})
}

func runDomain(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: mailmeter domain add DOMAIN --customer ID | domain move DOMAIN --customer ID | domain remove DOMAIN | domain list [--customer ID] [--json]")
	}
	switch args[0] {
	case "add":
		f := newFlags("domain add", "domain add DOMAIN --customer ID", e)
		cust := f.String("customer", "", "owning customer's id (required)")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			d, err := svc.AddDomain(ctx, directory.DomainInput{Name: pos[0], CustomerID: *cust})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "domain %s added to customer %s\n", d.Name, d.CustomerID)
			return nil
		})
	case "move":
		f := newFlags("domain move", "domain move DOMAIN --customer ID", e)
		cust := f.String("customer", "", "the customer the domain moves to (required)")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			d, err := svc.MoveDomain(ctx, pos[0], *cust)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "domain %s moved to customer %s\n", d.Name, d.CustomerID)
			return nil
		})
	case "remove":
		f := newFlags("domain remove", "domain remove DOMAIN (once it has no active mailbox)", e)
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			if err := svc.RemoveDomain(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "domain %s removed (history kept)\n", pos[0])
			return nil
		})
	case "list":
		f := newFlags("domain list", "domain list [--customer ID] [--json]", e)
		cust := f.String("customer", "", "only this customer's domains")
		asJSON := f.Bool("json", false, "print JSON")
		if _, err := f.parse(e, args[1:], 0, 0); err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			all, err := collectPages(func(p directory.Page) ([]directory.Domain, string, error) {
				ds, err := svc.ListDomains(ctx, *cust, p)
				if len(ds) == 0 {
					return ds, "", err
				}
				return ds, ds[len(ds)-1].Name, err
			})
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]map[string]any, len(all))
				for i, d := range all {
					out[i] = map[string]any{"domain": d.Name, "customer": d.CustomerID, "created_at": d.CreatedAt}
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tCUSTOMER\tCREATED")
			for _, d := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Name, d.CustomerID, d.CreatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		})
	}
	return usagef("unknown domain action %q; want add, move, remove or list", args[0])
}

func runMailbox(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: mailmeter mailbox add ADDRESS [--created T] | mailbox list [--domain D] [--all] [--json] | mailbox remove ADDRESS [--at T]")
	}
	switch args[0] {
	case "add":
		f := newFlags("mailbox add", "mailbox add ADDRESS [--created RFC3339]", e)
		created := f.String("created", "", "back-date the mailbox's creation (RFC 3339), for imports")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		t, err := parseTimeFlag("created", *created)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			m, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: pos[0], Created: t})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "mailbox %s added\n", m.Address)
			return nil
		})
	case "remove":
		f := newFlags("mailbox remove", "mailbox remove ADDRESS [--at RFC3339]", e)
		at := f.String("at", "", "removal time (RFC 3339; default now)")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		t, err := parseTimeFlag("at", *at)
		if err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			if err := svc.RemoveMailbox(ctx, pos[0], t); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "mailbox %s removed (history kept)\n", pos[0])
			return nil
		})
	case "list":
		f := newFlags("mailbox list", "mailbox list [--domain D] [--customer ID] [--all] [--json]", e)
		dom := f.String("domain", "", "only this domain")
		cust := f.String("customer", "", "only this customer's mailboxes")
		all := f.Bool("all", false, "include removed mailboxes")
		asJSON := f.Bool("json", false, "print JSON")
		if _, err := f.parse(e, args[1:], 0, 0); err != nil {
			return err
		}
		return withDirectory(ctx, e, f, func(svc *directory.Service) error {
			filter := directory.MailboxFilter{Domain: *dom, CustomerID: *cust, IncludeDeleted: *all}
			ms, err := listMailboxes(ctx, svc, filter)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, mailboxesJSON(ms))
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tDOMAIN\tCREATED\tREMOVED")
			for _, m := range ms {
				del := "-"
				if m.DeletedAt != nil {
					del = m.DeletedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Address, m.Domain, m.CreatedAt.Format(time.RFC3339), del)
			}
			return tw.Flush()
		})
	}
	return usagef("unknown mailbox action %q; want add, list or remove", args[0])
}

func listMailboxes(ctx context.Context, svc *directory.Service, filter directory.MailboxFilter) ([]directory.Mailbox, error) {
	var out []directory.Mailbox
	p := directory.Page{Limit: 1000}
	for {
		ms, err := svc.ListMailboxes(ctx, filter, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if len(ms) < p.Limit {
			return out, nil
		}
		// Removed lifetimes of one address share it: restart after the
		// address only when it changed.
		p.After = ms[len(ms)-1].Address
	}
}

func runDirectory(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usagef("usage: mailmeter directory import FILE.csv   (columns: address[,customer,customer_name,currency,timezone,plan,created_at,legal_name,customer_address,postal_code,city,country,vat_id,billing_email,tax_bp])")
	}
	f := newFlags("directory import", "directory import FILE.csv", e)
	pos, err := f.parse(e, args[1:], 1, 1)
	if err != nil {
		return err
	}
	file, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer file.Close()
	rows, bad, err := directory.ParseCSV(file, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	return withCatalog(ctx, e, f, func(_ config.Config, s *store.Store, cat *billing.Catalog) error {
		rep, err := directoryService(s, cat).Import(ctx, rows, bad)
		if err != nil {
			return err
		}
		for _, r := range rep.Rejected {
			fmt.Fprintf(e.stderr, "%s:%d: rejected: %v\n", pos[0], r.Line, planHint(r.Err, ""))
		}
		fmt.Fprintf(e.stdout, "%s: %d mailboxes created, %d already present, %d rows rejected\n",
			pos[0], rep.Created, rep.Unchanged, len(rep.Rejected))
		if len(rep.Rejected) > 0 {
			return fmt.Errorf("%d rows rejected (the other rows were imported)", len(rep.Rejected))
		}
		return nil
	})
}

func collectPages[T any](page func(directory.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := directory.Page{Limit: 1000}
	for {
		items, last, err := page(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if len(items) < p.Limit {
			return out, nil
		}
		p.After = last
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func customersJSON(cs []directory.Customer) []map[string]any {
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		b := c.Billing
		out[i] = map[string]any{"id": c.ID, "name": c.Name, "currency": c.Currency, "timezone": c.Timezone, "plan": c.Plan, "created_at": c.CreatedAt,
			"legal_name": b.LegalName, "address": b.Address, "postal_code": b.PostalCode, "city": b.City, "country": b.Country,
			"vat_id": b.VATID, "billing_email": b.Email, "tax_bp": b.TaxBP}
	}
	return out
}

func mailboxesJSON(ms []directory.Mailbox) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"address": m.Address, "domain": m.Domain, "created_at": m.CreatedAt, "deleted_at": m.DeletedAt}
	}
	return out
}

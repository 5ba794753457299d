package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

const planUsage = "usage: mailmeter plan add ID --currency CUR --mailbox-fee AMOUNT [PRICES] [--effective YYYY-MM-DD] | " +
	"plan update ID [PRICES] [--effective YYYY-MM-DD] | plan list [--json] | plan show ID [--json]; " +
	"PRICES: [--mailbox-fee A] [--domain-fee A] [--minimum-charge A] [--included-storage BYTES] [--storage-pooled] " +
	"[--storage-per-gb A | --storage-tiers GB:A,…,:A] [--included-transfer BYTES] [--transfer-per-gb A | --transfer-tiers GB:A,…,:A] [--tax-rate PERCENT]; " +
	"amounts are decimals of the currency (4.00; JPY 550; BHD 1.250)"

// runPlan is `mailmeter plan`: the price plans in the database, each
// change a new version effective from a day.
func runPlan(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", planUsage)
	}
	switch args[0] {
	case "add", "update":
		return planChange(ctx, e, args[0], args[1:])
	case "list":
		f := newFlags("plan list", "plan list [--json]", e)
		asJSON := f.Bool("json", false, "print JSON (as GET /v1/plans)")
		if _, err := f.parse(e, args[1:], 0, 0); err != nil {
			return err
		}
		return withCatalog(ctx, e, f, func(_ config.Config, _ *store.Store, cat *billing.Catalog) error {
			vs, err := collectPages(func(p directory.Page) ([]billing.PlanVersion, string, error) {
				vs, err := cat.List(ctx, p)
				if len(vs) == 0 {
					return vs, "", err
				}
				return vs, vs[len(vs)-1].Name, err
			})
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]api.PlanJSON, len(vs))
				for i, v := range vs {
					out[i] = api.PlanOut(v)
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PLAN\tCURRENCY\tMAILBOX FEE\tTAX\tIN FORCE SINCE")
			for _, v := range vs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, v.Currency, billing.FormatMoney(v.MonthlyFee, v.Currency),
					billing.TaxRate{BasisPoints: v.TaxBasisPoints}.Percent(), v.EffectiveFrom.Format("2006-01-02"))
			}
			return tw.Flush()
		})
	case "show":
		f := newFlags("plan show", "plan show ID [--json]", e)
		asJSON := f.Bool("json", false, "print JSON (as GET /v1/plans/{id})")
		pos, err := f.parse(e, args[1:], 1, 1)
		if err != nil {
			return err
		}
		return withCatalog(ctx, e, f, func(_ config.Config, _ *store.Store, cat *billing.Catalog) error {
			cur, vs, err := cat.Current(ctx, pos[0])
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, api.PlanOut(cur, vs...))
			}
			for _, v := range vs {
				printPlan(e, v, v.EffectiveFrom.Equal(cur.EffectiveFrom))
			}
			return nil
		})
	}
	return usagef("unknown plan action %q; want add, update, list or show", args[0])
}

// planChange is plan add and plan update: the flags given become a new
// plan or a new version.
func planChange(ctx context.Context, e env, action string, args []string) error {
	use := "plan add ID --currency CUR --mailbox-fee AMOUNT [PRICES] [--effective YYYY-MM-DD]"
	if action == "update" {
		use = "plan update ID [PRICES] [--effective YYYY-MM-DD (default today)]"
	}
	f := newFlags("plan "+action, use, e)
	var in billing.PlanInput
	strs := []struct {
		name, help string
		dst        *string
	}{{"currency", "ISO 4217 code (plan add; it never changes)", &in.Currency}, {"mailbox-fee", "per mailbox and month, prorated", &in.MailboxFee},
		{"domain-fee", "per domain in use and month, prorated", &in.DomainFee}, {"minimum-charge", "the least a month bills, prorated", &in.MinimumCharge},
		{"storage-per-gb", "per GB-month of storage over the included", &in.StoragePerGBMonth},
		{"transfer-per-gb", "per GB of transfer over the included", &in.TransferPerGB},
		{"tax-rate", "percent, e.g. 19 or 7.7", &in.TaxRate}, {"effective", "first day the prices apply (YYYY-MM-DD)", &in.Effective}}
	for _, s := range strs {
		f.StringVar(s.dst, s.name, "", s.help)
	}
	ints := map[string]**int64{"included-storage": &in.IncludedStorage, "included-transfer": &in.IncludedTransfer}
	for name, dst := range ints {
		f.Func(name, "bytes per mailbox and month", func(v string) error {
			var n int64
			if _, err := fmt.Sscan(v, &n); err != nil || n < 0 || fmt.Sprint(n) != v {
				return fmt.Errorf("want a number of bytes")
			}
			*dst = &n
			return nil
		})
	}
	f.BoolFunc("storage-pooled", "pool the included storage over the customer's mailboxes (=false: per mailbox)", func(v string) error {
		b := v == "true"
		if v != "true" && v != "false" {
			return fmt.Errorf("want true or false")
		}
		in.StoragePooled = &b
		return nil
	})
	for name, dst := range map[string]*[]billing.TierInput{"storage-tiers": &in.StorageTiers, "transfer-tiers": &in.TransferTiers} {
		f.Func(name, "graduated prices UP_TO_GB:AMOUNT,…,:AMOUNT (none: no tiers)", func(v string) error {
			ts, err := billing.ParseTiers(v)
			*dst = ts
			return err
		})
	}
	f.Func("sla", `the SLA as the API's JSON: {"services": [{"service": "smtp", "preset": "credits-25-50-100"}], "cap_bp": 5000}`, func(v string) error {
		var j api.SLAJSON
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return fmt.Errorf("want the API's sla object: %v", err)
		}
		if err := metering.CheckText("sla.preset", j.Preset); err != nil {
			return err
		}
		s, err := j.SLA()
		in.SLA = s
		return err
	})
	asJSON := f.Bool("json", false, "print the plan as JSON")
	pos, err := f.parse(e, args, 1, 1)
	if err != nil {
		return err
	}
	in.ID = pos[0]
	if action == "add" && (in.Currency == "" || in.MailboxFee == "") {
		return usagef("usage: mailmeter %s", use)
	}
	return withCatalog(ctx, e, f, func(_ config.Config, _ *store.Store, cat *billing.Catalog) error {
		var v billing.PlanVersion
		if action == "add" {
			v, err = cat.Add(ctx, in)
		} else {
			v, err = cat.Update(ctx, in.ID, in)
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, api.PlanOut(v))
		}
		fmt.Fprintf(e.stdout, "plan %s: version from %s stored\n", v.Name, v.EffectiveFrom.Format("2006-01-02"))
		return nil
	})
}

// printPlan prints a version as text; current marks the one in force.
func printPlan(e env, v billing.PlanVersion, current bool) {
	j := api.PlanOut(v)
	mark := ""
	if current {
		mark = " (in force)"
	}
	fmt.Fprintf(e.stdout, "plan %s, %s, from %s%s\n", j.ID, j.Currency, j.EffectiveFrom, mark)
	tiers := func(ts []api.TierJSON) string {
		var parts []string
		for _, t := range ts {
			bound := "beyond"
			if t.UpToGB > 0 {
				bound = fmt.Sprintf("up to %d GB", t.UpToGB)
			}
			parts = append(parts, bound+" at "+t.PerGB)
		}
		return strings.Join(parts, ", ")
	}
	storage := j.StoragePerGBMonth + " per GB-month"
	if len(j.StorageTiers) > 0 {
		storage = tiers(j.StorageTiers)
	}
	transfer := j.TransferPerGB + " per GB"
	if len(j.TransferTiers) > 0 {
		transfer = tiers(j.TransferTiers)
	}
	pooled := "per mailbox"
	if j.StoragePooled {
		pooled = "pooled"
	}
	fmt.Fprintf(e.stdout, "  mailbox fee %s, domain fee %s, minimum %s, tax %s%%\n", j.MailboxFee, j.DomainFee, j.MinimumCharge, j.TaxRate)
	fmt.Fprintf(e.stdout, "  storage: %d bytes included %s, over it %s\n", j.IncludedStorage, pooled, storage)
	fmt.Fprintf(e.stdout, "  transfer: %d bytes included per mailbox, over it %s\n", j.IncludedTransfer, transfer)
	credits := func(ts []api.CreditTierJSON) string {
		var parts []string
		for _, t := range ts {
			parts = append(parts, fmt.Sprintf("%s below %s", percentBP(t.CreditBP), percentPPM(t.BelowPPM)))
		}
		return strings.Join(parts, ", ")
	}
	if j.SLA.AvailabilityPPM > 0 || len(j.SLA.Tiers) > 0 {
		fmt.Fprintf(e.stdout, "  sla: every service %s, credits %s\n", percentPPM(j.SLA.AvailabilityPPM), credits(j.SLA.Tiers))
	}
	for _, sv := range j.SLA.Services {
		fmt.Fprintf(e.stdout, "  sla: %s %s, credits %s\n", sv.Service, percentPPM(sv.TargetPPM), credits(sv.Tiers))
	}
}

func percentBP(bp int64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", float64(bp)/100), "0"), ".") + " %"
}
func percentPPM(ppm int64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", float64(ppm)/1e4), "0"), ".") + " %"
}

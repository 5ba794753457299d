package main

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
)

// Configured amounts are decimals of the plan's currency; a bare integer
// is minor units, as the file took amounts before.
func TestConfigPlans(t *testing.T) {
	var c config.Config
	err := yaml.Unmarshal([]byte(`billing:
  plans:
    - {name: a, currency: EUR, mailbox_fee: "5.00", domain_fee: 0.5, minimum_charge: "20", storage_per_gb_month: 10, tax_bp: 1900}
    - {name: b, currency: JPY, monthly_fee: 550, storage_pooled: true, storage_tiers: [{up_to_gb: 10, per_gb: "12"}, {per_gb: 8}]}
    - {name: c, currency: BHD, mailbox_fee: "1.250", transfer_tiers: [{per_gb: "0.005"}]}
`), &c)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := configPlans(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []billing.Plan{
		{Name: "a", Currency: "EUR", MonthlyFee: 500, DomainFee: 50, MinimumCharge: 2000, StoragePerGBMonth: 10, TaxBasisPoints: 1900},
		{Name: "b", Currency: "JPY", MonthlyFee: 550, StoragePooled: true, StorageTiers: []billing.Tier{{UpToGB: 10, PerGB: 12}, {PerGB: 8}}},
		{Name: "c", Currency: "BHD", MonthlyFee: 1250, TransferTiers: []billing.Tier{{PerGB: 5}}},
	}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("plans (-want +got):\n%s", diff)
	}
	for text, why := range map[string]string{
		`{name: x, currency: JPY, mailbox_fee: "5.5"}`:                 "billing.plans[0] (x): mailbox_fee: amount \"5.5\": JPY has 0 decimals",
		`{name: x, currency: EUR, mailbox_fee: "5", monthly_fee: 500}`: "exclude each other",
		`{name: x, currency: EUR, storage_tiers: [{per_gb: "0.001"}]}`: "storage_tiers[0].per_gb",
		`{name: x, currency: EURO, mailbox_fee: "5"}`:                  "ISO 4217",
		`{name: x, currency: EUR, mailbox_fee: [5]}`:                   "a decimal",
	} {
		var c config.Config
		err := yaml.Unmarshal([]byte("billing:\n  plans:\n    - "+text+"\n"), &c)
		if err == nil {
			_, err = configPlans(c)
		}
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, want %q", text, err, why)
		}
	}
}

package billing

import (
	"math/big"

	"github.com/mailmeter/mailmeter/directory"
)

// EN 16931 VAT category codes (UNCL 5305) an invoice's tax is in.
const (
	TaxStandard      = "S"  // a rate above zero
	TaxZero          = "Z"  // zero rated
	TaxReverseCharge = "AE" // VAT reverse charge: the buyer accounts for it
)

// ReverseChargeNote is printed on reverse-charged invoices, as Article
// 226(11a) of the VAT Directive requires.
const ReverseChargeNote = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)."

// Where an invoice's tax rate comes from.
const (
	TaxFromPlan          = "plan"
	TaxFromCustomer      = "customer"
	TaxFromReverseCharge = "reverse_charge"
)

// TaxRate is the tax an invoice applies to its net amount, and why.
type TaxRate struct {
	BasisPoints int64  // 1900 = 19 %
	Category    string // TaxStandard, TaxZero or TaxReverseCharge
	Source      string // TaxFromPlan, TaxFromCustomer or TaxFromReverseCharge
	Note        string // printed with the tax (ReverseChargeNote)
}

// Percent formats the rate: "19.00%".
func (t TaxRate) Percent() string { return bp(t.BasisPoints) + "%" }

// TaxFor is the tax of an invoice from seller to buyer: 0 % reverse charge
// when both are in different EU member states and both have a VAT id (a
// business customer); otherwise the customer's override when it has one;
// otherwise the plan's rate.
func TaxFor(plan Plan, seller, buyer Party, override *int64) TaxRate {
	switch {
	case reverseCharged(seller, buyer):
		return TaxRate{Category: TaxReverseCharge, Source: TaxFromReverseCharge, Note: ReverseChargeNote}
	case override != nil:
		return rateOf(*override, TaxFromCustomer)
	}
	return rateOf(plan.TaxBasisPoints, TaxFromPlan)
}

func reverseCharged(seller, buyer Party) bool {
	return directory.InEU(seller.Country) && directory.InEU(buyer.Country) && seller.Country != buyer.Country &&
		seller.VATID != "" && buyer.VATID != ""
}

func rateOf(bp int64, source string) TaxRate {
	cat := TaxStandard
	if bp == 0 {
		cat = TaxZero
	}
	return TaxRate{BasisPoints: bp, Category: cat, Source: source}
}

// taxOn is the tax of a net amount at a rate, rounded once.
func taxOn(net Money, r TaxRate) Money { return round(big.NewRat(int64(net)*r.BasisPoints, 10000)) }

// Rate is the invoice's tax rate. Invoices stored before rates were
// recorded get the one their tax and net imply.
func (inv Invoice) Rate() TaxRate {
	if inv.TaxRate.Category != "" {
		return inv.TaxRate
	}
	if inv.Net == 0 {
		return rateOf(0, TaxFromPlan)
	}
	return rateOf(int64(round(big.NewRat(int64(inv.Tax)*10000, int64(inv.Net)))), TaxFromPlan)
}

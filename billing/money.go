package billing

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/bojanz/currency"

	"github.com/mailmeter/mailmeter/metering"
)

// Exponent is the number of decimals of a currency's minor unit, as ISO
// 4217 defines it (JPY 0, EUR 2, BHD and KWD 3). ok is false for a code
// that is not an ISO 4217 currency.
func Exponent(code string) (exp int, ok bool) {
	d, ok := currency.GetDigits(code)
	return int(d), ok
}

// CheckCurrency returns an Invalid error naming field unless code is an
// ISO 4217 currency code (upper case).
func CheckCurrency(field, code string) error {
	if _, ok := Exponent(code); !ok || strings.ToUpper(code) != code {
		return metering.FieldError(field, "currency %q: want an ISO 4217 code such as EUR, JPY or BHD", code)
	}
	return nil
}

// plainFormatter prints amounts as documents show them next to the
// currency's code: every decimal of the minor unit, no grouping, no
// symbol ("5.71", "550", "1.250").
var plainFormatter = func() *currency.Formatter {
	f := currency.NewFormatter(currency.NewLocale("en"))
	f.NoGrouping = true
	f.CurrencyDisplay = currency.DisplayNone
	return f
}()

// FormatMoney formats an amount of a currency for print: every document
// (text, PDF, CSV totals, UBL) formats money through it, with the
// currency's ISO 4217 exponent ("5.71" EUR, "550" JPY, "1.250" BHD). A
// code that is not ISO 4217 shows two decimals.
func FormatMoney(m Money, code string) string {
	a, err := currency.NewAmountFromInt64(int64(m), code)
	if err != nil {
		return m.String()
	}
	return plainFormatter.Format(a)
}

// DisplayMoney formats an amount for a reader of locale (a CLDR id such as
// "de-DE", "ja", "en-US"): its symbol, grouping and decimal sign
// ("1.234,50 €", "￥550", "BHD 1.250"). Documents use FormatMoney.
func DisplayMoney(m Money, code, locale string) string {
	a, err := currency.NewAmountFromInt64(int64(m), code)
	if err != nil {
		return code + " " + m.String()
	}
	return currency.NewFormatter(currency.NewLocale(locale)).Format(a)
}

// ParseMoney reads an amount written as a decimal in the currency's major
// unit ("4.00", "0.2", "550" for JPY, "1.250" for BHD) into minor units.
// It refuses more decimals than the currency has (ISO 4217), anything
// that is not a plain decimal (exponents, grouping, signs other than a
// leading "-"), and amounts beyond int64 minor units.
func ParseMoney(s, code string) (Money, error) {
	exp, ok := Exponent(code)
	if !ok {
		return 0, fmt.Errorf("currency %q is not an ISO 4217 code", code)
	}
	digits := strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	if whole == "" || dot && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("amount %q: want a decimal such as %s", s, FormatMoney(420, code))
	}
	if len(strings.TrimRight(frac, "0")) > exp {
		return 0, fmt.Errorf("amount %q: %s has %d decimals", s, code, exp)
	}
	frac = (frac + strings.Repeat("0", exp))[:exp]
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || !n.IsInt64() {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	if s[0] == '-' {
		n.Neg(n)
	}
	return Money(n.Int64()), nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

package directory

import (
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// iso3166 lists every officially assigned ISO 3166-1 alpha-2 country code.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// euMembers are the member states of the European Union (ISO codes).
const euMembers = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"

// NormalizeCountry returns an ISO 3166-1 alpha-2 code in upper case, or
// an Invalid error naming field.
func NormalizeCountry(field, code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) != 2 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || !strings.Contains(iso3166, c) {
		return "", metering.FieldError(field, "country %q: want an ISO 3166-1 alpha-2 code such as DE or FR", code)
	}
	return c, nil
}

// InEU reports whether a country (ISO code) is a member state of the
// European Union.
func InEU(country string) bool {
	return len(country) == 2 && strings.Contains(euMembers, country)
}

// vatPrefix is the prefix of a member state's VAT identification
// numbers: its ISO code, but EL for Greece.
func vatPrefix(country string) string {
	if country == "GR" {
		return "EL"
	}
	return country
}

// NormalizeVATID returns a VAT (or other tax) identification number in
// upper case without spaces, dots or dashes, or an Invalid error naming
// field. The number of a business in an EU member state must start with
// that state's prefix (EL for Greece) followed by 2 to 13 letters or
// digits; elsewhere 4 to 20 letters and digits are accepted. "" stays "".
func NormalizeVATID(field, id, country string) (string, error) {
	v := strings.ToUpper(strings.NewReplacer(" ", "", ".", "", "-", "", "\t", "").Replace(id))
	if v == "" {
		return "", nil
	}
	if len(v) < 4 || len(v) > 20 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return "", metering.FieldError(field, "VAT id %q: want 4 to 20 letters and digits, e.g. DE123456789", id)
	}
	if InEU(country) {
		p := vatPrefix(country)
		if !strings.HasPrefix(v, p) || len(v) > len(p)+13 {
			return "", metering.FieldError(field, "VAT id %q: a VAT id of %s starts with %s and has at most 13 more letters or digits", id, country, p)
		}
	}
	return v, nil
}

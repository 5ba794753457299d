package billing

import "encoding/xml"

// The UBL 2.1 elements an invoice uses, in the order the schema wants
// them. Names carry their prefix (cbc: basic, cac: aggregate), bound on
// the root element.

type ublDocument struct {
	XMLName              xml.Name
	NS                   string           `xml:"xmlns,attr"`
	CAC                  string           `xml:"xmlns:cac,attr"`
	CBC                  string           `xml:"xmlns:cbc,attr"`
	CustomizationID      string           `xml:"cbc:CustomizationID"`
	ProfileID            string           `xml:"cbc:ProfileID"`
	ID                   string           `xml:"cbc:ID"`
	IssueDate            string           `xml:"cbc:IssueDate"`
	DueDate              string           `xml:"cbc:DueDate,omitempty"`
	InvoiceTypeCode      string           `xml:"cbc:InvoiceTypeCode,omitempty"`
	CreditNoteTypeCode   string           `xml:"cbc:CreditNoteTypeCode,omitempty"`
	Notes                []string         `xml:"cbc:Note"`
	DocumentCurrencyCode string           `xml:"cbc:DocumentCurrencyCode"`
	BuyerReference       string           `xml:"cbc:BuyerReference"`
	InvoicePeriod        *ublPeriod       `xml:"cac:InvoicePeriod"`
	BillingReference     *ublBillingRef   `xml:"cac:BillingReference"`
	Supplier             ublPartyWrap     `xml:"cac:AccountingSupplierParty"`
	Customer             ublPartyWrap     `xml:"cac:AccountingCustomerParty"`
	PaymentMeans         *ublPaymentMeans `xml:"cac:PaymentMeans"`
	PaymentTerms         *ublTerms        `xml:"cac:PaymentTerms"`
	Allowances           []ublAllowance   `xml:"cac:AllowanceCharge"`
	TaxTotal             ublTaxTotal      `xml:"cac:TaxTotal"`
	Totals               ublTotals        `xml:"cac:LegalMonetaryTotal"`
	InvoiceLines         []ublLine        `xml:"cac:InvoiceLine"`
	CreditNoteLines      []ublLine        `xml:"cac:CreditNoteLine"`
}

type ublAmount struct {
	Currency string `xml:"currencyID,attr"`
	Value    string `xml:",chardata"`
}

type ublID struct {
	ID string `xml:"cbc:ID"`
}

type ublPeriod struct {
	Start string `xml:"cbc:StartDate"`
	End   string `xml:"cbc:EndDate"`
}

type ublBillingRef struct {
	Invoice ublDocRef `xml:"cac:InvoiceDocumentReference"`
}

type ublDocRef struct {
	ID        string `xml:"cbc:ID"`
	IssueDate string `xml:"cbc:IssueDate,omitempty"`
}

type ublPartyWrap struct {
	Party ublParty `xml:"cac:Party"`
}

type ublParty struct {
	Endpoint *ublEndpoint `xml:"cbc:EndpointID"`
	Address  ublAddress   `xml:"cac:PostalAddress"`
	Tax      *ublPartyTax `xml:"cac:PartyTaxScheme"`
	Legal    ublLegal     `xml:"cac:PartyLegalEntity"`
	Contact  *ublContact  `xml:"cac:Contact"`
}

type ublEndpoint struct {
	Scheme string `xml:"schemeID,attr"`
	ID     string `xml:",chardata"`
}

type ublAddress struct {
	Street     string        `xml:"cbc:StreetName,omitempty"`
	Additional string        `xml:"cbc:AdditionalStreetName,omitempty"`
	City       string        `xml:"cbc:CityName,omitempty"`
	PostalZone string        `xml:"cbc:PostalZone,omitempty"`
	Lines      []ublLineText `xml:"cac:AddressLine"`
	Country    ublCountry    `xml:"cac:Country"`
}

type ublLineText struct {
	Line string `xml:"cbc:Line"`
}

type ublCountry struct {
	Code string `xml:"cbc:IdentificationCode"`
}

type ublPartyTax struct {
	CompanyID string `xml:"cbc:CompanyID"`
	Scheme    ublID  `xml:"cac:TaxScheme"`
}

type ublLegal struct {
	Name      string `xml:"cbc:RegistrationName"`
	CompanyID string `xml:"cbc:CompanyID,omitempty"`
}

type ublContact struct {
	Email string `xml:"cbc:ElectronicMail"`
}

type ublPaymentMeans struct {
	Code      string     `xml:"cbc:PaymentMeansCode"`
	PaymentID string     `xml:"cbc:PaymentID"`
	Account   ublAccount `xml:"cac:PayeeFinancialAccount"`
}

type ublAccount struct {
	ID     string `xml:"cbc:ID"`
	Name   string `xml:"cbc:Name,omitempty"`
	Branch *ublID `xml:"cac:FinancialInstitutionBranch"`
}

type ublTerms struct {
	Note string `xml:"cbc:Note"`
}

type ublAllowance struct {
	Charge      bool        `xml:"cbc:ChargeIndicator"`
	Reason      string      `xml:"cbc:AllowanceChargeReason"`
	Amount      ublAmount   `xml:"cbc:Amount"`
	TaxCategory ublCategory `xml:"cac:TaxCategory"`
}

type ublCategory struct {
	ID            string `xml:"cbc:ID"`
	Percent       string `xml:"cbc:Percent"`
	ExemptionCode string `xml:"cbc:TaxExemptionReasonCode,omitempty"`
	Exemption     string `xml:"cbc:TaxExemptionReason,omitempty"`
	Scheme        ublID  `xml:"cac:TaxScheme"`
}

type ublTaxTotal struct {
	Amount   ublAmount      `xml:"cbc:TaxAmount"`
	Subtotal ublTaxSubtotal `xml:"cac:TaxSubtotal"`
}

type ublTaxSubtotal struct {
	Taxable  ublAmount   `xml:"cbc:TaxableAmount"`
	Amount   ublAmount   `xml:"cbc:TaxAmount"`
	Category ublCategory `xml:"cac:TaxCategory"`
}

type ublTotals struct {
	LineExtension  ublAmount  `xml:"cbc:LineExtensionAmount"`
	TaxExclusive   ublAmount  `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusive   ublAmount  `xml:"cbc:TaxInclusiveAmount"`
	AllowanceTotal *ublAmount `xml:"cbc:AllowanceTotalAmount"`
	Payable        ublAmount  `xml:"cbc:PayableAmount"`
}

type ublQuantity struct {
	Unit  string `xml:"unitCode,attr"`
	Value string `xml:",chardata"`
}

type ublLine struct {
	ID       string       `xml:"cbc:ID"`
	Invoiced *ublQuantity `xml:"cbc:InvoicedQuantity"`
	Credited *ublQuantity `xml:"cbc:CreditedQuantity"`
	Amount   ublAmount    `xml:"cbc:LineExtensionAmount"`
	Item     ublItem      `xml:"cac:Item"`
	Price    ublPrice     `xml:"cac:Price"`
}

type ublItem struct {
	Description string      `xml:"cbc:Description"`
	Name        string      `xml:"cbc:Name"`
	Tax         ublCategory `xml:"cac:ClassifiedTaxCategory"`
}

type ublPrice struct {
	Amount ublAmount `xml:"cbc:PriceAmount"`
}

package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// ImportRow is one mailbox of a bulk import with, optionally, the customer
// and domain it belongs to. Missing customers and domains are created; an
// existing one is used as it is (never modified).
type ImportRow struct {
	Line     int
	Customer *Customer // nil: the domain must exist already
	Domain   Domain    // Name always set; CustomerID set when Customer is
	Mailbox  Mailbox
}

// RowResult is the outcome of one import row.
type RowResult struct {
	Line    int
	Created bool  // the mailbox was created (false: it existed already)
	Err     error // why the row was rejected
}

// ImportReport sums up an import.
type ImportReport struct {
	Created   int
	Unchanged int
	Rejected  []RowResult
}

// ImportColumns are the columns a CSV import understands. The first line is
// a header naming the columns present, in any order; address is required.
// The billing columns (legal_name … tax_bp) set a new customer's billing
// details.
var ImportColumns = []string{"address", "customer", "customer_name", "currency", "timezone", "plan", "created_at",
	"legal_name", "customer_address", "postal_code", "city", "country", "vat_id", "billing_email", "tax_bp"}

// ParseCSV reads an import file. It returns the rows that parsed and one
// RowResult per rejected line; err is set only when the file as a whole is
// unusable (no header, no address column, unreadable).
func ParseCSV(r io.Reader, now time.Time) ([]ImportRow, []RowResult, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	col, err := headerIndex(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []ImportRow
	var bad []RowResult
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, RowResult{Line: pe.Line, Err: metering.Errorf(metering.Invalid, "%v", pe.Err)})
				continue
			}
			return nil, nil, fmt.Errorf("read line %d: %w", line, err)
		}
		row, err := parseRow(rec, col, now)
		if err != nil {
			bad = append(bad, RowResult{Line: line, Err: err})
			continue
		}
		row.Line = line
		rows = append(rows, row)
	}
	return rows, bad, nil
}

func headerIndex(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, k := range ImportColumns {
			known = known || k == h
		}
		if !known {
			return nil, metering.Errorf(metering.Invalid, "header: unknown column %q (known: %s)", h, strings.Join(ImportColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, metering.Errorf(metering.Invalid, "header: column %q given twice", h)
		}
		col[h] = i
	}
	if _, ok := col["address"]; !ok {
		return nil, metering.Errorf(metering.Invalid, "header: the address column is required")
	}
	return col, nil
}

func parseRow(rec []string, col map[string]int, now time.Time) (ImportRow, error) {
	get := func(k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var created time.Time
	if v := get("created_at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return ImportRow{}, metering.FieldError("created_at", "created_at %q: want RFC 3339, e.g. 2026-01-31T00:00:00Z", v)
		}
		created = t
	}
	mb, err := MailboxInput{Address: get("address"), Created: created}.Validate(now)
	if err != nil {
		return ImportRow{}, err
	}
	row := ImportRow{Mailbox: mb, Domain: Domain{Name: mb.Domain, CreatedAt: mb.CreatedAt}}
	if id := get("customer"); id != "" {
		name := get("customer_name")
		if name == "" {
			name = id
		}
		b, err := billingColumns(get)
		if err != nil {
			return ImportRow{}, err
		}
		c, err := CustomerInput{ID: id, Name: name, Currency: get("currency"), Timezone: get("timezone"), Plan: get("plan"), Billing: b}.Validate(now)
		if err != nil {
			return ImportRow{}, csvColumn(err)
		}
		c.CreatedAt = mb.CreatedAt
		row.Customer = &c
		row.Domain.CustomerID = c.ID
	}
	return row, nil
}

// csvColumn renames the field of a CustomerInput error to its column.
func csvColumn(err error) error {
	switch metering.FieldOf(err) {
	case "id":
		return withField(err, "customer")
	case "name":
		return withField(err, "customer_name")
	}
	return err
}

// billingColumns reads a row's billing details (validated with the
// customer). The address column is the mailbox's: the customer's postal
// address is customer_address.
func billingColumns(get func(string) string) (BillingDetails, error) {
	b := BillingDetails{LegalName: get("legal_name"), Address: get("customer_address"), PostalCode: get("postal_code"),
		City: get("city"), Country: get("country"), VATID: get("vat_id"), Email: get("billing_email")}
	if v := get("tax_bp"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return b, metering.FieldError("tax_bp", "tax_bp %q: want basis points, e.g. 1900 for 19 %%", v)
		}
		b.TaxBP = &n
	}
	return b, nil
}

func sortResults(rs []RowResult) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Line < rs[j].Line })
}

package store

import (
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

// On SQLite the two big tables of a batch, usage_hours and
// latency_buckets, are each written with one statement whose rows come
// from json_each() over a single text parameter holding them as a JSON
// array of arrays. A multi-row INSERT binds one parameter per value, and
// the driver finds each by a linear search over all of them: a 500-row
// statement of usage_hours binds 7,500 parameters in time quadratic in
// that. The merge rules (the guarded sums) are those of the portable
// upserts; the JSON encoding keeps every byte of a text as it is
// (jsonText).

// sqliteCountersSQL is the json_each() upsert of usage_hours, columns in
// CounterMetrics order after mailbox and hour.
var sqliteCountersSQL = func() string {
	cols := counterColumns()
	values := []string{textValue(0), "value->>1"}
	sets := make([]string, len(cols))
	for i, c := range cols {
		values = append(values, "value->>"+strconv.Itoa(i+2))
		sets[i] = c + " = " + sumExpr(SQLite, "usage_hours", c)
	}
	return jsonUpsert("usage_hours (mailbox, hour, "+strings.Join(cols, ", ")+")", values,
		"(mailbox, hour)", strings.Join(sets, ", "))
}()

// sqliteLatencySQL is the json_each() upsert of latency_buckets.
var sqliteLatencySQL = jsonUpsert("latency_buckets (hour, direction, domain, bucket, count)",
	[]string{"value->>0", textValue(1), textValue(2), "value->>3", "value->>4"},
	"(hour, direction, domain, bucket)", "count = "+sumExpr(SQLite, "latency_buckets", "count"))

// textValue reads the text at index i of a row (see jsonText).
func textValue(i int) string { return "CAST(unhex(value->>" + strconv.Itoa(i) + ") AS TEXT)" }

// jsonUpsert is an INSERT of the rows of the JSON array bound to its one
// parameter. (The WHERE true tells SQLite's parser that ON CONFLICT is the
// upsert's, not a join's.)
func jsonUpsert(into string, values []string, conflict, sets string) string {
	return "INSERT INTO " + into + "\nSELECT " + strings.Join(values, ", ") + " FROM json_each(?) WHERE true\n" +
		"ON CONFLICT " + conflict + " DO UPDATE SET " + sets
}

// jsonRows bounds the rows of one json_each() statement, and so the JSON
// SQLite parses at once.
const jsonRows = 10_000

// upsertCountersSQLite adds counter deltas to their rows, jsonRows rows a
// statement.
func upsertCountersSQLite(tx *gorm.DB, cs []metering.CounterDelta) error {
	rows, err := pivot(cs)
	if err != nil {
		return err
	}
	byKey(rows) // as on PostgreSQL; and neighbouring rows share B-tree pages
	return inChunks(len(rows), func(i int, b []byte) []byte {
		b = append(b, '[')
		b = jsonText(b, rows[i].Mailbox)
		b = append(b, ',')
		b = strconv.AppendInt(b, rows[i].Hour, 10)
		for _, f := range rows[i].columns() {
			b = append(b, ',')
			b = strconv.AppendInt(b, *f, 10)
		}
		return append(b, ']')
	}, func(json string) error { return sumRefused(tx.Exec(sqliteCountersSQL, json).Error) })
}

// upsertLatencySQLite adds latency deltas to their buckets, jsonRows
// rows a statement.
func upsertLatencySQLite(tx *gorm.DB, ls []metering.LatencyDelta) error {
	return inChunks(len(ls), func(i int, b []byte) []byte {
		l := ls[i]
		b = append(b, '[')
		b = strconv.AppendInt(b, l.Hour.Unix(), 10)
		b = append(b, ',')
		b = jsonText(b, string(l.Direction))
		b = append(b, ',')
		b = jsonText(b, l.Domain)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(l.Bucket), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, l.Count, 10)
		return append(b, ']')
	}, func(json string) error { return sumRefused(tx.Exec(sqliteLatencySQL, json).Error) })
}

// inChunks calls exec with the JSON array of rows, appended by row, for
// each run of up to jsonRows of the n rows.
func inChunks(n int, row func(i int, b []byte) []byte, exec func(json string) error) error {
	var b []byte
	for start := 0; start < n; start += jsonRows {
		b = append(b[:0], '[')
		for i := start; i < min(n, start+jsonRows); i++ {
			if i > start {
				b = append(b, ',')
			}
			b = row(i, b)
		}
		b = append(b, ']')
		if err := exec(string(b)); err != nil {
			return err
		}
	}
	return nil
}

// jsonText appends s as a JSON string of its bytes in hex, which
// textValue reads back byte for byte: SQLite's JSON functions would end a
// text at an escaped NUL.
func jsonText(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		b = append(b, digits[s[i]>>4], digits[s[i]&0xf])
	}
	return append(b, '"')
}

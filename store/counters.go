package store

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
)

// Counters are stored one row per mailbox and hour (usage_hours), with a
// column per counter metric named like the metric. The domain's batches
// carry one delta per (mailbox, metric, hour); the store pivots them on
// write and unpivots on read.

type hourRow struct {
	Mailbox       string `gorm:"column:mailbox;primaryKey"`
	Hour          int64  `gorm:"column:hour;primaryKey"`
	InMessages    int64  `gorm:"column:in_messages"`
	InBytes       int64  `gorm:"column:in_bytes"`
	OutMessages   int64  `gorm:"column:out_messages"`
	OutRecipients int64  `gorm:"column:out_recipients"`
	OutBytes      int64  `gorm:"column:out_bytes"`
	Bounced       int64  `gorm:"column:bounced"`
	Deferred      int64  `gorm:"column:deferred"`
	RejectedIn    int64  `gorm:"column:rejected_in"`
	RejectedOut   int64  `gorm:"column:rejected_out"`
	TempfailedIn  int64  `gorm:"column:tempfailed_in"`
	TempfailedOut int64  `gorm:"column:tempfailed_out"`
	SpamBlocked   int64  `gorm:"column:spam_blocked"`
	VirusBlocked  int64  `gorm:"column:virus_blocked"`
}

func (hourRow) TableName() string { return "usage_hours" }

// counterFields are the indexes of hourRow's fields holding the counters,
// in metering.CounterMetrics order: a metric's column is named like it, so
// the order is metering's alone (TestHourRowColumnsFollowCounterMetrics
// checks every metric has its column).
var counterFields = func() []int {
	out := make([]int, len(metering.CounterMetrics))
	t := reflect.TypeFor[hourRow]()
	for i, m := range metering.CounterMetrics {
		out[i] = -1
		for j := range t.NumField() {
			if columnOf(t.Field(j)) == string(m) {
				out[i] = j
			}
		}
	}
	return out
}()

// columnOf returns the column a gorm tag names.
func columnOf(f reflect.StructField) string {
	for _, part := range strings.Split(f.Tag.Get("gorm"), ";") {
		if c, ok := strings.CutPrefix(part, "column:"); ok {
			return c
		}
	}
	return ""
}

// columns returns the counter columns in metering.CounterMetrics order.
func (r *hourRow) columns() []*int64 {
	v := reflect.ValueOf(r).Elem()
	out := make([]*int64, len(counterFields))
	for i, f := range counterFields {
		out[i] = v.Field(f).Addr().Interface().(*int64)
	}
	return out
}

// field returns the column holding metric m, or nil if m is not a counter.
func (r *hourRow) field(m metering.Metric) *int64 {
	if i := metering.CounterIndex(m); i >= 0 {
		return reflect.ValueOf(r).Elem().Field(counterFields[i]).Addr().Interface().(*int64)
	}
	return nil
}

// values returns every counter of the row, keyed by metric.
func (r *hourRow) values() map[metering.Metric]int64 {
	out := make(map[metering.Metric]int64, len(metering.CounterMetrics))
	for i, f := range r.columns() {
		out[metering.CounterMetrics[i]] = *f
	}
	return out
}

// pivot folds counter deltas into rows, one per mailbox and hour, in order
// of first appearance. A metric that is not a counter is refused.
func pivot(cs []metering.CounterDelta) ([]hourRow, error) {
	type key struct {
		mailbox string
		hour    int64
	}
	index := make(map[key]int, len(cs)/2)
	rows := make([]hourRow, 0, len(cs)/2)
	for _, c := range cs {
		k := key{c.Mailbox, c.Hour.Unix()}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, hourRow{Mailbox: k.mailbox, Hour: k.hour})
		}
		f := rows[i].field(c.Metric)
		if f == nil {
			return nil, metering.FieldError("counters", "%q is not a counter metric", c.Metric)
		}
		sum, ok := metering.CheckedAdd(*f, c.Value)
		if !ok {
			return nil, metering.Errorf(metering.Refused, "%s of %s in the hour %d: the deltas' sum passes the int64 range", c.Metric, c.Mailbox, k.hour)
		}
		*f = sum
	}
	return rows, nil
}

// unpivot lists a row's non-zero counters as deltas.
func (r *hourRow) unpivot(out []metering.CounterDelta) []metering.CounterDelta {
	h := time.Unix(r.Hour, 0).UTC()
	for i, f := range r.columns() {
		if *f != 0 {
			out = append(out, metering.CounterDelta{Mailbox: r.Mailbox, Metric: metering.CounterMetrics[i], Hour: h, Value: *f})
		}
	}
	return out
}

// counterColumns names the counter columns, in CounterMetrics order.
func counterColumns() []string {
	cols := make([]string, len(metering.CounterMetrics))
	for i, m := range metering.CounterMetrics {
		cols[i] = string(m)
	}
	return cols
}

// sumColumns is "SUM(c) AS c" for every counter column.
func sumColumns() string {
	cols := counterColumns()
	for i, c := range cols {
		cols[i] = "SUM(" + c + ") AS " + c
	}
	return strings.Join(cols, ", ")
}

// upsertCountersPostgres writes the rows with one statement reading them
// from unnest() over one array parameter per column.
func upsertCountersPostgres(tx *gorm.DB, cs []metering.CounterDelta) error {
	if len(cs) == 0 {
		return nil
	}
	rows, err := pivot(cs)
	if err != nil {
		return err
	}
	byKey(rows)
	cols := counterColumns()
	mailbox, hour := make([]string, len(rows)), make([]int64, len(rows))
	values := make([][]int64, len(cols))
	for j := range values {
		values[j] = make([]int64, len(rows))
	}
	for i := range rows {
		mailbox[i], hour[i] = rows[i].Mailbox, rows[i].Hour
		for j, f := range rows[i].columns() {
			values[j][i] = *f
		}
	}
	args := []any{mailbox, hour}
	for _, v := range values {
		args = append(args, v)
	}
	return tx.Exec(pgCountersSQL, args...).Error
}

// pgCountersSQL is the unnest() upsert of usage_hours.
var pgCountersSQL = func() string {
	cols := counterColumns()
	params := []string{"$1::text[]", "$2::bigint[]"}
	sets := make([]string, len(cols))
	for i, c := range cols {
		params = append(params, "$"+strconv.Itoa(i+3)+"::bigint[]")
		sets[i] = c + " = " + sumExpr(Postgres, "usage_hours", c)
	}
	return "INSERT INTO usage_hours (mailbox, hour, " + strings.Join(cols, ", ") + ")\n" +
		"SELECT * FROM unnest(" + strings.Join(params, ", ") + ")\n" +
		"ON CONFLICT (mailbox, hour) DO UPDATE SET " + strings.Join(sets, ", ")
}()

// HourlyCounters implements metering.SeriesStore. Buckets are summed in Go
// (metering.BucketSeries), which keeps the SQL portable and time zones exact.
func (s *Store) HourlyCounters(ctx context.Context, mailbox string, from, to time.Time) ([]metering.CounterDelta, error) {
	var rows []hourRow
	err := s.db.WithContext(ctx).Where("mailbox = ? AND hour >= ? AND hour < ?", mailbox, from.Unix(), to.Unix()).
		Order("hour").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read usage of %s", mailbox)
	}
	var out []metering.CounterDelta
	for i := range rows {
		out = rows[i].unpivot(out)
	}
	return out, nil
}

// Totals implements metering.UsageStore: every counter summed per mailbox
// over the range, mailboxes in address order.
func (s *Store) Totals(ctx context.Context, q metering.UsageQuery) ([]metering.MailboxTotals, error) {
	var rows []hourRow
	err := s.usageScope(ctx, "usage_hours", q).
		Select("mailbox, " + sumColumns()).Group("mailbox").Order("mailbox").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "sum usage")
	}
	out := make([]metering.MailboxTotals, len(rows))
	for i := range rows {
		out[i] = metering.MailboxTotals{Mailbox: rows[i].Mailbox, Values: rows[i].values()}
	}
	return out, nil
}

// countersByMailbox sums every counter per mailbox over rows matching where.
func (s *Store) countersByMailbox(ctx context.Context, where string, args ...any) ([]hourRow, error) {
	var rows []hourRow
	err := s.db.WithContext(ctx).Raw("SELECT mailbox, "+sumColumns()+" FROM usage_hours WHERE "+where+
		" GROUP BY mailbox", args...).Scan(&rows).Error
	return rows, err
}

package store

import (
	"context"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

var _ metering.SeriesStore = (*Store)(nil)

// HourlyCounters implements metering.SeriesStore. Buckets are summed in Go
// (metering.BucketSeries), which keeps the SQL portable and time zones exact.
func (s *Store) HourlyCounters(ctx context.Context, mailbox string, from, to time.Time) ([]metering.CounterDelta, error) {
	var rows []counterRow
	err := s.db.WithContext(ctx).Where("mailbox = ? AND hour >= ? AND hour < ?", mailbox, from.Unix(), to.Unix()).
		Order("hour, metric").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read usage of %s", mailbox)
	}
	out := make([]metering.CounterDelta, len(rows))
	for i, r := range rows {
		out[i] = metering.CounterDelta{Mailbox: r.Mailbox, Metric: metering.Metric(r.Metric), Hour: time.Unix(r.Hour, 0).UTC(), Value: r.Value}
	}
	return out, nil
}

// Breakdown implements metering.SeriesStore.
func (s *Store) Breakdown(ctx context.Context, q metering.BreakdownQuery) ([]metering.MailboxTotals, error) {
	if len(q.Domains) == 0 {
		return nil, nil
	}
	likes := make([]string, len(q.Domains))
	args := make([]any, len(q.Domains))
	for i, d := range q.Domains {
		likes[i] = `mailbox LIKE ? ESCAPE '\'`
		args[i] = "%@" + escapeLike(d)
	}
	var rows []totalRow
	err := s.db.WithContext(ctx).Table("usage_counters").
		Where("hour >= ? AND hour < ?", q.From.Unix(), q.To.Unix()).
		Where("("+strings.Join(likes, " OR ")+")", args...).
		Select("mailbox, metric, SUM(value) AS total").Group("mailbox, metric").Order("mailbox").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "sum usage by mailbox")
	}
	var out []metering.MailboxTotals
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Mailbox != r.Mailbox {
			out = append(out, metering.MailboxTotals{Mailbox: r.Mailbox, Values: map[metering.Metric]int64{}})
		}
		out[len(out)-1].Values[metering.Metric(r.Metric)] = r.Total
	}
	return out, nil
}

// escapeLike keeps a domain's "_" from matching any character (the query
// names backslash as the escape, which SQLite needs spelled out).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CurrentUsage implements quota.Store: the newest mailbox-total storage
// gauges and the outbound counters of hours from day on.
func (s *Store) CurrentUsage(ctx context.Context, day time.Time) ([]quota.Usage, error) {
	gauges, err := s.latestStorage(ctx)
	if err != nil {
		return nil, err
	}
	counters, err := s.outboundSince(ctx, day)
	if err != nil {
		return nil, err
	}
	byMailbox := map[string]*quota.Usage{}
	get := func(m string) *quota.Usage {
		if byMailbox[m] == nil {
			byMailbox[m] = &quota.Usage{Mailbox: m, Day: day.UTC()}
		}
		return byMailbox[m]
	}
	for _, g := range gauges {
		u := get(g.Mailbox)
		if h := time.Unix(g.Hour, 0).UTC(); h.After(u.StorageHour) {
			u.StorageHour = h
		}
		if metering.Metric(g.Metric) == metering.StorageBytes {
			u.StorageBytes = g.Last
		} else {
			u.StorageMessages = g.Last
		}
	}
	for _, c := range counters {
		if u := get(c.Mailbox); metering.Metric(c.Metric) == metering.OutBytes {
			u.OutBytes = c.Total
		} else {
			u.OutRecipients = c.Total
		}
	}
	out := make([]quota.Usage, 0, len(byMailbox))
	for _, u := range byMailbox {
		out = append(out, *u)
	}
	return out, nil
}

type storageRow struct {
	Mailbox string
	Metric  string
	Hour    int64
	Last    int64
}

// latestStorage returns each mailbox's newest mailbox-total gauge rows.
func (s *Store) latestStorage(ctx context.Context) ([]storageRow, error) {
	var rows []storageRow
	err := s.db.WithContext(ctx).Raw(`SELECT g.mailbox, g.metric, g.hour, g.last FROM usage_gauges g
		JOIN (SELECT mailbox, metric, MAX(hour) AS hour FROM usage_gauges WHERE folder = '' GROUP BY mailbox, metric) m
		ON g.mailbox = m.mailbox AND g.metric = m.metric AND g.hour = m.hour
		WHERE g.folder = ''`).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "read current storage")
	}
	return rows, nil
}

type totalRow struct {
	Mailbox string
	Metric  string
	Total   int64
}

// outboundSince sums each mailbox's outbound counters of hours from day on.
func (s *Store) outboundSince(ctx context.Context, day time.Time) ([]totalRow, error) {
	var rows []totalRow
	err := s.db.WithContext(ctx).Table("usage_counters").
		Where("hour >= ? AND metric IN ?", day.Unix(), []string{string(metering.OutBytes), string(metering.OutRecipients)}).
		Select("mailbox, metric, SUM(value) AS total").Group("mailbox, metric").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "read today's outbound usage")
	}
	return rows, nil
}

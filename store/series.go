package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

var _ metering.SeriesStore = (*Store)(nil)

// Breakdown implements metering.SeriesStore: counters summed, and each
// mailbox's latest storage gauges (mailbox total) of the range, for the
// directory's mailboxes only (metering.Hosted).
func (s *Store) Breakdown(ctx context.Context, q metering.BreakdownQuery) ([]metering.MailboxTotals, error) {
	if len(q.Domains) == 0 {
		return nil, nil
	}
	where, dargs := domainsWhere(q.Domains)
	args := append([]any{q.From.Unix(), q.To.Unix()}, dargs...)
	scope := "hour >= ? AND hour < ? AND " + where
	counters, err := s.countersByMailbox(ctx, scope+" AND "+scopeWhere("usage_hours", metering.Hosted), args...)
	if err != nil {
		return nil, translate(err, "sum usage by mailbox")
	}
	var gauges []totalRow
	err = s.db.WithContext(ctx).Raw(`SELECT g.mailbox, g.metric, g.last AS total FROM usage_gauges g
		JOIN (SELECT mailbox, metric, MAX(hour) AS hour FROM usage_gauges WHERE folder = '' AND `+scope+
		` AND `+scopeWhere("usage_gauges", metering.Hosted)+` GROUP BY mailbox, metric) m
		ON g.mailbox = m.mailbox AND g.metric = m.metric AND g.hour = m.hour
		WHERE g.folder = ''`, args...).Scan(&gauges).Error
	if err != nil {
		return nil, translate(err, "read storage by mailbox")
	}
	var totals []totalRow
	for i := range counters {
		for m, v := range counters[i].values() {
			totals = append(totals, totalRow{Mailbox: counters[i].Mailbox, Metric: string(m), Total: v})
		}
	}
	return mergeTotals(append(totals, gauges...)), nil
}

// mergeTotals groups rows per mailbox, ordered by address.
func mergeTotals(rows []totalRow) []metering.MailboxTotals {
	byMailbox := map[string]map[metering.Metric]int64{}
	for _, r := range rows {
		if byMailbox[r.Mailbox] == nil {
			byMailbox[r.Mailbox] = map[metering.Metric]int64{}
		}
		byMailbox[r.Mailbox][metering.Metric(r.Metric)] = r.Total
	}
	out := make([]metering.MailboxTotals, 0, len(byMailbox))
	for m, v := range byMailbox {
		out = append(out, metering.MailboxTotals{Mailbox: m, Values: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mailbox < out[j].Mailbox })
	return out
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
		u := get(c.Mailbox)
		u.OutBytes, u.OutRecipients = c.DayBytes, c.DayRecipients
		u.MonthOutBytes, u.MonthOutRecipients = c.MonthBytes, c.MonthRecipients
		u.Month = metering.Month(day)
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
	err := s.db.WithContext(ctx).Raw(`SELECT mailbox, metric, hour, last FROM storage_current`).Scan(&rows).Error
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

type outboundRow struct {
	Mailbox                                              string
	DayBytes, DayRecipients, MonthBytes, MonthRecipients int64
}

// outboundSince sums the outbound counters of each mailbox that sent from
// the start of day's month on, and from day on.
func (s *Store) outboundSince(ctx context.Context, day time.Time) ([]outboundRow, error) {
	var rows []outboundRow
	err := s.db.WithContext(ctx).Raw(`SELECT mailbox,
		SUM(CASE WHEN hour >= ? THEN out_bytes ELSE 0 END) AS day_bytes,
		SUM(CASE WHEN hour >= ? THEN out_recipients ELSE 0 END) AS day_recipients,
		SUM(out_bytes) AS month_bytes, SUM(out_recipients) AS month_recipients
		FROM usage_hours WHERE hour >= ? AND (out_bytes <> 0 OR out_recipients <> 0) GROUP BY mailbox`,
		day.Unix(), day.Unix(), metering.Month(day).Unix()).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "read this month's outbound usage")
	}
	return rows, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/mailmeter/mailmeter/metering"
)

const upsertBatch = 500

// Commit implements metering.UsageStore.
func (s *Store) Commit(ctx context.Context, b metering.Batch) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.advanceCheckpoints(tx, b.Checkpoint, b.Stream); err != nil {
			return err
		}
		if err := s.upsert(tx, b); err != nil {
			return err
		}
		return s.notifyQuota(tx, changedUsage)
	})
	if err != nil {
		return translate(err, "commit usage batch")
	}
	return nil
}

// advanceCheckpoints advances each checkpoint that is not nil.
func (s *Store) advanceCheckpoints(tx *gorm.DB, cps ...*metering.Checkpoint) error {
	for _, cp := range cps {
		if cp == nil {
			continue
		}
		if err := s.advanceCheckpoint(tx, *cp); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) advanceCheckpoint(tx *gorm.DB, cp metering.Checkpoint) error {
	var row checkpointRow
	q := tx.Where("source = ?", cp.Source)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Take(&row).Error
	stored := int64(0)
	switch {
	case err == nil:
		stored = row.Seq
	case errors.Is(err, gorm.ErrRecordNotFound):
	default:
		return err
	}
	if cp.Seq != stored+1 {
		return &metering.Error{Kind: metering.Conflict, Field: "seq",
			Message: fmt.Sprintf("source %s is at batch %d; batch %d is not the next one", cp.Source, stored, cp.Seq)}
	}
	upd := checkpointRow{Source: cp.Source, Seq: cp.Seq, Offset: cp.Offset, Position: cp.Position, State: cp.State, UpdatedAt: time.Now().UTC()}
	if stored == 0 {
		return tx.Create(&upd).Error
	}
	return tx.Model(&checkpointRow{}).Where("source = ? AND seq = ?", cp.Source, stored).
		Updates(map[string]any{"seq": upd.Seq, "offset_bytes": upd.Offset, "position": upd.Position, "state": upd.State, "updated_at": upd.UpdatedAt}).Error
}

// upsert adds a batch's usage, and its dead letters, in tx.
func (s *Store) upsert(tx *gorm.DB, b metering.Batch) error {
	if err := insertDeadLetters(tx, b.DeadLetters); err != nil {
		return err
	}
	if err := upsertAvailability(tx, s.dialect, b.Availability); err != nil {
		return err
	}
	if err := insertChecks(tx, b.Checks); err != nil {
		return err
	}
	if err := upsertCurrentStorage(tx, b.Gauges); err != nil {
		return err
	}
	if s.dialect == Postgres {
		return upsertPostgres(tx, b)
	}
	if err := upsertCountersSQLite(tx, b.Counters); err != nil {
		return err
	}
	if err := upsertGauges(tx, b.Gauges); err != nil {
		return err
	}
	return upsertLatencySQLite(tx, b.Latency)
}

func upsertGauges(tx *gorm.DB, gs []metering.GaugeDelta) error {
	if len(gs) == 0 {
		return nil
	}
	rows := make([]gaugeRow, len(gs))
	for i, g := range gs {
		rows[i] = gaugeRow{g.Mailbox, g.Folder, string(g.Metric), g.Hour.Unix(), g.Last, g.Max, g.ObservedAt.UnixNano()}
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "mailbox"}, {Name: "folder"}, {Name: "metric"}, {Name: "hour"}},
		DoUpdates: clause.Assignments(assignments(usageGaugesMerge)),
	}).CreateInBatches(rows, upsertBatch).Error
}

type currentStorageRow struct {
	Mailbox    string `gorm:"column:mailbox;primaryKey"`
	Metric     string `gorm:"column:metric;primaryKey"`
	Hour       int64  `gorm:"column:hour"`
	Last       int64  `gorm:"column:last"`
	ObservedAt int64  `gorm:"column:observed_at"`
}

func (currentStorageRow) TableName() string { return "storage_current" }

// upsertCurrentStorage keeps each mailbox's newest mailbox-total reading.
func upsertCurrentStorage(tx *gorm.DB, gs []metering.GaugeDelta) error {
	newest := map[[2]string]metering.GaugeDelta{}
	for _, g := range gs {
		if g.Folder != "" || !g.Metric.IsGauge() {
			continue
		}
		k := [2]string{g.Mailbox, string(g.Metric)}
		if cur, ok := newest[k]; !ok || metering.Supersedes(g.ObservedAt, cur.ObservedAt) {
			newest[k] = g
		}
	}
	if len(newest) == 0 {
		return nil
	}
	rows := make([]currentStorageRow, 0, len(newest))
	for _, g := range newest {
		rows = append(rows, currentStorageRow{g.Mailbox, string(g.Metric), g.Hour.Unix(), g.Last, g.ObservedAt.UnixNano()})
	}
	sort.Slice(rows, func(i, j int) bool { // a stable order: no deadlocks between writers
		return rows[i].Mailbox < rows[j].Mailbox || rows[i].Mailbox == rows[j].Mailbox && rows[i].Metric < rows[j].Metric
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "mailbox"}, {Name: "metric"}},
		DoUpdates: clause.Assignments(assignments(storageCurrentMerge)),
	}).CreateInBatches(rows, upsertBatch).Error
}

// Checkpoint implements metering.UsageStore.
func (s *Store) Checkpoint(ctx context.Context, source string) (metering.Checkpoint, error) {
	return checkpointIn(s.db.WithContext(ctx), source)
}

// checkpointIn reads the checkpoint of source in db (a transaction or not).
func checkpointIn(db *gorm.DB, source string) (metering.Checkpoint, error) {
	var row checkpointRow
	if err := db.Where("source = ?", source).Take(&row).Error; err != nil {
		return metering.Checkpoint{}, translate(err, "checkpoint of %s", source)
	}
	return metering.Checkpoint{Source: row.Source, Seq: row.Seq, Offset: row.Offset, Position: row.Position, State: row.State, UpdatedAt: row.UpdatedAt.UTC()}, nil
}

// Checkpoints lists every source's checkpoint.
func (s *Store) Checkpoints(ctx context.Context) ([]metering.Checkpoint, error) {
	var rows []checkpointRow
	if err := s.db.WithContext(ctx).Order("source").Find(&rows).Error; err != nil {
		return nil, translate(err, "list checkpoints")
	}
	out := make([]metering.Checkpoint, len(rows))
	for i, r := range rows {
		out[i] = metering.Checkpoint{Source: r.Source, Seq: r.Seq, Offset: r.Offset, Position: r.Position, State: r.State, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

func (s *Store) usageScope(ctx context.Context, table string, q metering.UsageQuery) *gorm.DB {
	db := s.db.WithContext(ctx).Table(table).Where("hour >= ? AND hour < ?", q.From.Unix(), q.To.Unix())
	if len(q.Mailboxes) > 0 {
		db = db.Where("mailbox IN ?", q.Mailboxes)
	}
	domains := q.Domains
	if q.Domain != "" {
		domains = append([]string{q.Domain}, domains...)
	}
	if len(domains) > 0 {
		where, args := domainsWhere(domains)
		db = db.Where(where, args...)
	}
	if f := scopeWhere(table, q.Scope); f != "" {
		db = db.Where(f)
	}
	return db
}

// domainsWhere matches the mailboxes of any of domains.
func domainsWhere(domains []string) (string, []any) {
	likes := make([]string, len(domains))
	args := make([]any, len(domains))
	for i, d := range domains {
		likes[i] = `mailbox LIKE ? ESCAPE '\'`
		args[i] = "%@" + escapeLike(d)
	}
	return "(" + strings.Join(likes, " OR ") + ")", args
}

// scopeWhere restricts rows of table to an address scope: Hosted keeps the
// addresses of every mailbox the directory holds or held (removed ones
// included), Unknown the others; "" for AnyAddress.
func scopeWhere(table string, sc metering.AddressScope) string {
	exists := "EXISTS (SELECT 1 FROM mailboxes dm WHERE dm.address = " + table + ".mailbox)"
	switch sc {
	case metering.Hosted:
		return exists
	case metering.Unknown:
		return "NOT " + exists
	}
	return ""
}

// Gauges implements metering.UsageStore.
func (s *Store) Gauges(ctx context.Context, q metering.UsageQuery) ([]metering.GaugePoint, error) {
	var rows []gaugeRow
	if err := s.usageScope(ctx, "usage_gauges", q).Order("hour, mailbox, folder, metric").Find(&rows).Error; err != nil {
		return nil, translate(err, "read gauges")
	}
	out := make([]metering.GaugePoint, len(rows))
	for i, r := range rows {
		out[i] = metering.GaugePoint{Mailbox: r.Mailbox, Folder: r.Folder, Metric: metering.Metric(r.Metric),
			Hour: time.Unix(r.Hour, 0).UTC(), Last: r.Last, Max: r.Max}
	}
	return out, nil
}

// Latency implements metering.UsageStore.
func (s *Store) Latency(ctx context.Context, q metering.LatencyQuery) (map[metering.Direction]*metering.Histogram, error) {
	db := s.db.WithContext(ctx).Table("latency_buckets").
		Where("hour >= ? AND hour < ? AND domain = ?", q.From.Unix(), q.To.Unix(), q.Domain)
	if q.Direction != "" {
		db = db.Where("direction = ?", string(q.Direction))
	}
	var rows []struct {
		Direction string
		Bucket    int
		Total     int64
	}
	if err := db.Select("direction, bucket, SUM(count) AS total").Group("direction, bucket").Scan(&rows).Error; err != nil {
		return nil, translate(err, "read latency")
	}
	out := map[metering.Direction]*metering.Histogram{}
	for _, r := range rows {
		d := metering.Direction(r.Direction)
		if out[d] == nil {
			out[d] = metering.NewHistogram()
		}
		out[d].Add(r.Bucket, r.Total)
	}
	return out, nil
}

package store

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm/schema"

	"github.com/mailmeter/mailmeter/metering"
)

// Migration 4 moves counters from one row per metric to one row per
// mailbox and hour: every value must arrive, summed per hour, and nothing
// else.
func TestMigrationToUsageHoursKeepsUsage(t *testing.T) {
	check := func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.migrateUpTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		h0, h1 := int64(1_793_000_000)/3600*3600, int64(1_793_000_000)/3600*3600+3600
		old := []struct {
			mailbox, metric string
			hour, value     int64
		}{
			{"a@x.example", "in_messages", h0, 3}, {"a@x.example", "in_bytes", h0, 3000},
			{"a@x.example", "out_bytes", h1, 7}, {"a@x.example", "virus_blocked", h1, 1},
			{"b@x.example", "rejected_in", h0, 9}, {"b@x.example", "deferred", h1, 2},
		}
		for _, r := range old {
			if err := s.db.Exec("INSERT INTO usage_counters (mailbox, metric, hour, value) VALUES (?, ?, ?, ?)",
				r.mailbox, r.metric, r.hour, r.value).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n int64
		s.db.Table("usage_hours").Count(&n)
		if n != 4 {
			t.Errorf("usage_hours has %d rows, want 4 (one per mailbox and hour)", n)
		}
		got, err := s.HourlyCounters(ctx, "a@x.example", time.Unix(h0, 0), time.Unix(h1+3600, 0))
		if err != nil {
			t.Fatal(err)
		}
		at := func(h int64) time.Time { return time.Unix(h, 0).UTC() }
		want := []metering.CounterDelta{
			{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: at(h0), Value: 3000},
			{Mailbox: "a@x.example", Metric: metering.InMessages, Hour: at(h0), Value: 3},
			{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: at(h1), Value: 7},
			{Mailbox: "a@x.example", Metric: metering.VirusBlocked, Hour: at(h1), Value: 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("a's counters after migration (-want +got):\n%s", diff)
		}
		tot, err := s.Totals(ctx, metering.UsageQuery{From: at(h0), To: at(h1 + 3600), Mailboxes: []string{"b@x.example"}})
		if err != nil || len(tot) != 1 || tot[0].Values[metering.RejectedIn] != 9 || tot[0].Values[metering.Deferred] != 2 || tot[0].Values[metering.InBytes] != 0 {
			t.Errorf("b's totals after migration = %+v, %v", tot, err)
		}
		if s.db.Migrator().HasTable("usage_counters") {
			t.Error("usage_counters still exists")
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { check(t, postgresURL(t)) })
}

// A counter delta naming a metric that is not a counter is refused, and
// the batch with it writes nothing.
func TestUnknownCounterMetricRefused(t *testing.T) {
	ctx := context.Background()
	s := openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	h := metering.Hour(time.Now())
	err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{
		{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: h, Value: 5},
		{Mailbox: "a@x.example", Metric: "storage_bytes", Hour: h, Value: 5},
	}})
	if metering.KindOf(err) != metering.Invalid {
		t.Fatalf("Commit = %v, want an invalid-input error", err)
	}
	tot, _ := s.Totals(ctx, metering.UsageQuery{From: h, To: h.Add(time.Hour)})
	if len(tot) != 0 {
		t.Errorf("totals after refused batch = %+v", tot)
	}
}

// hourRow.columns must list the columns named like metering.CounterMetrics,
// in that order: pivot, unpivot and the PostgreSQL upsert rely on it.
func TestHourRowColumnsFollowCounterMetrics(t *testing.T) {
	sch, err := schema.Parse(&hourRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var r hourRow
	cols := r.columns()
	if len(cols) != len(metering.CounterMetrics) {
		t.Fatalf("%d columns for %d counter metrics", len(cols), len(metering.CounterMetrics))
	}
	for i, f := range cols {
		*f = int64(i + 1)
	}
	v := reflect.ValueOf(r)
	for i, m := range metering.CounterMetrics {
		fld := sch.LookUpField(string(m))
		if fld == nil {
			t.Fatalf("no column %s", m)
		}
		if got := v.FieldByName(fld.Name).Int(); got != int64(i+1) {
			t.Errorf("columns()[%d] is not column %s", i, m)
		}
	}
}

// storage_current starts from the gauges already stored (migration 12) and
// then keeps the newest reading, whatever order batches commit in.
func TestStorageCurrent(t *testing.T) {
	check := func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.migrateUpTo(ctx, 11); err != nil {
			t.Fatal(err)
		}
		h := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		for _, r := range []gaugeRow{
			{"a@x.example", "", "storage_bytes", h.Unix(), 100, 100, h.UnixNano()},
			{"a@x.example", "", "storage_bytes", h.Add(time.Hour).Unix(), 300, 350, h.Add(time.Hour).UnixNano()},
			{"a@x.example", "INBOX", "storage_bytes", h.Add(2 * time.Hour).Unix(), 999, 999, h.Add(2 * time.Hour).UnixNano()},
		} {
			if err := s.db.Create(&r).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		cur := func() int64 {
			rows, err := s.latestStorage(ctx)
			if err != nil || len(rows) != 1 {
				t.Fatalf("latest storage %+v, %v", rows, err)
			}
			return rows[0].Last
		}
		if got := cur(); got != 300 {
			t.Errorf("after the migration: %d, want 300 (the newest mailbox-total reading)", got)
		}
		g := func(at time.Time, v int64) metering.Batch {
			return metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: metering.Hour(at), Last: v, Max: v, ObservedAt: at}}}
		}
		s.Commit(ctx, g(h.Add(3*time.Hour), 700))
		s.Commit(ctx, g(h.Add(150*time.Minute), 500)) // older, committed later
		if got := cur(); got != 700 {
			t.Errorf("after an older reading committed late: %d, want 700", got)
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { check(t, postgresURL(t)) })
}

// Migration 16 adds the tempfailed counters: rows written before it keep
// their rejects as they were (nothing is read twice), the new columns start
// at zero and count from then on.
func TestMigrationAddsTempfailedCounters(t *testing.T) {
	check := func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.migrateUpTo(ctx, 12); err != nil {
			t.Fatal(err)
		}
		h := metering.Hour(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		if err := s.db.Exec("INSERT INTO usage_hours (mailbox, hour, rejected_in, rejected_out, in_bytes) VALUES (?, ?, 9, 4, 100)",
			"b@x.example", h.Unix()).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{
			{Mailbox: "b@x.example", Metric: metering.TempfailedIn, Hour: h, Value: 2},
			{Mailbox: "b@x.example", Metric: metering.RejectedIn, Hour: h, Value: 1},
		}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.HourlyCounters(ctx, "b@x.example", h, h.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []metering.CounterDelta{
			{Mailbox: "b@x.example", Metric: metering.InBytes, Hour: h, Value: 100},
			{Mailbox: "b@x.example", Metric: metering.RejectedIn, Hour: h, Value: 10},
			{Mailbox: "b@x.example", Metric: metering.RejectedOut, Hour: h, Value: 4},
			{Mailbox: "b@x.example", Metric: metering.TempfailedIn, Hour: h, Value: 2},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("counters after migration 16 (-want +got):\n%s", diff)
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db")) })
	t.Run("postgres", func(t *testing.T) { check(t, postgresURL(t)) })
}

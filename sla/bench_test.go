package sla_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/sla/slatest"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// BenchmarkMonthFigures measures a month's figures of two HA services (two
// probes each, a check a minute: 178,560 checks) from raw checks, on each
// store; ns/op is one month's report of the services.
func BenchmarkMonthFigures(b *testing.B) {
	from := utc(2026, 11, 1, 0, 0)
	services := []sla.MailService{
		{Name: "smtp", Targets: []string{"mx1", "mx2"}, DownWhen: sla.AllDown, Failures: 2},
		{Name: "imap", Targets: []string{"imap1", "imap2"}, DownWhen: sla.AllDown},
	}
	var checks []metering.ProbeCheck
	for at := from.Add(20 * time.Second); at.Before(from.AddDate(0, 1, 0)); at = at.Add(time.Minute) {
		for _, p := range []string{"mx1", "mx2", "imap1", "imap2"} {
			checks = append(checks, metering.ProbeCheck{Probe: p, At: at, Up: at.Minute()%97 != 0})
		}
	}
	run := func(b *testing.B, st sla.Store) {
		svc, err := sla.NewService(sla.Deps{Store: st, Services: services, Policy: sla.DefaultPolicy(time.Minute),
			Now: func() time.Time { return from.AddDate(0, 1, 2) }})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if figs, err := svc.Figures(context.Background(), from, from.AddDate(0, 1, 0)); err != nil || len(figs) != 2 {
				b.Fatal(figs, err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) {
		m := slatest.NewMemory()
		for _, c := range checks {
			m.AddChecks(sla.Check{Target: c.Probe, At: c.At, Up: c.Up})
		}
		run(b, m)
	})
	commit := func(b *testing.B, s interface {
		Commit(context.Context, metering.Batch) error
	}) {
		if err := s.Commit(context.Background(), metering.Batch{Checks: checks}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		s := storetest.SQLite(b)
		commit(b, s)
		run(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storetest.EnvPostgres) == "" {
			testenv.Postgres(b)
		}
		s := storetest.Postgres(b)
		commit(b, s)
		run(b, s)
	})
}

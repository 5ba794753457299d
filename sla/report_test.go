package sla_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// listings is a Blacklists of fixed listings, filtered by range.
type listings []sla.Listing

func (l listings) Listings(_ context.Context, from, to time.Time) ([]sla.Listing, error) {
	var out []sla.Listing
	for _, x := range l {
		if x.Listed.Before(to) && (x.Delisted == nil || x.Delisted.After(from)) {
			out = append(out, x)
		}
	}
	return out, nil
}

// The report over real stores: a customer's month in its zone, with its
// mail, the blacklist listings of the month shown in that zone, and its
// plan's credit; a month not begun and an unknown customer are refused.
func TestReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := utc(2026, 12, 3, 8, 0)
		clock := func() time.Time { return now }
		dir := directory.NewService(s, clock)
		if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme", Timezone: "America/New_York", Plan: "gold"}); err != nil {
			t.Fatal(err)
		}
		dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
		dir.AddMailbox(ctx, directory.MailboxInput{Address: "a@acme.example", Created: utc(2026, 1, 1, 0, 0)})
		hour := utc(2026, 11, 10, 15, 0)
		counters := map[metering.Metric]int64{metering.InMessages: 80, metering.RejectedIn: 10, metering.SpamBlocked: 6, metering.VirusBlocked: 4,
			metering.TempfailedIn: 100, metering.OutRecipients: 50, metering.RejectedOut: 5, metering.TempfailedOut: 45, metering.Bounced: 5}
		var b metering.Batch
		for m, v := range counters {
			b.Counters = append(b.Counters, metering.CounterDelta{Mailbox: "a@acme.example", Metric: m, Hour: hour, Value: v})
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		delisted := utc(2026, 11, 12, 6, 0)
		bl := listings{
			{List: "zen.spamhaus.org", Address: "192.0.2.25", Listed: utc(2026, 11, 11, 6, 0), Delisted: &delisted},
			{List: "b.barracudacentral.org", Address: "192.0.2.26", Listed: utc(2026, 11, 30, 6, 0)},
			{List: "zen.spamhaus.org", Address: "192.0.2.27", Listed: utc(2026, 10, 1, 0, 0), Delisted: ptrTime(utc(2026, 10, 2, 0, 0))},
		}
		gold := sla.Terms{Services: []sla.ServiceTerms{{TargetPPM: 999000, Tiers: []sla.Tier{{BelowPPM: 999000, CreditBP: 1000}}}}}
		svc, err := sla.NewService(sla.Deps{Store: s, Directory: s, Usage: s, Policy: sla.DefaultPolicy(time.Minute), Now: clock,
			Services: []sla.MailService{smtp}, Plans: sla.TermsByPlan{"gold": gold, "basic": {}}, Blacklists: bl})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Report(ctx, sla.ReportInput{Period: "2026-11", Customer: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		ny, _ := time.LoadLocation("America/New_York")
		if rep.Timezone != "America/New_York" || !rep.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, ny)) || !rep.Complete ||
			rep.Services[0].Minutes != 30*1440+60 { // DST ends on November 1st in New York
			t.Errorf("report %s %s–%s complete %v, %d minutes", rep.Timezone, rep.From, rep.To, rep.Complete, rep.Services[0].Minutes)
		}
		in, out := rep.Mail.Inbound, rep.Mail.Outbound
		// Temporary (4xx) rejects are metered: stored apart from the 5xx
		// ones and counted among the attempts.
		if in.Attempts != 200 || in.RejectRate != 0.05 || in.TempRejected != 100 || in.TempRejectRate != 0.5 || in.SpamRate != 0.03 || in.VirusRate != 0.02 ||
			out.Attempts != 100 || out.TempRejected != 45 || out.TempRejectRate != 0.45 || out.BounceRate != 0.1 || !rep.Mail.TempRejectsMeasured {
			t.Errorf("mail %+v", rep.Mail)
		}
		if !rep.Blacklists.Checked || len(rep.Blacklists.Listings) != 2 || rep.Blacklists.Listings[0].Listed.Location().String() != "America/New_York" ||
			rep.Blacklists.Listings[1].Delisted != nil {
			t.Errorf("blacklists %+v", rep.Blacklists)
		}
		// No probe check at all: every minute unknown, counted as up.
		if len(rep.Credits) != 1 || rep.Credits[0].Plan != "gold" || rep.Credits[0].Credit.CreditBP != 0 || rep.Services[0].UnknownMinutes != rep.Services[0].Minutes {
			t.Errorf("credits %+v", rep.Credits)
		}
		if _, err := svc.Report(ctx, sla.ReportInput{Period: "2027-01"}); metering.FieldOf(err) != "period" {
			t.Errorf("a month not begun: %v", err)
		}
		if _, err := svc.Report(ctx, sla.ReportInput{Customer: "nobody"}); metering.KindOf(err) != metering.NotFound || metering.FieldOf(err) != "customer" {
			t.Errorf("unknown customer: %v", err)
		}
		// Service-wide: UTC, every plan.
		all, err := svc.Report(ctx, sla.ReportInput{Period: "2026-11"})
		if err != nil || all.Timezone != "UTC" || len(all.Credits) != 2 || all.Credits[0].Plan != "basic" {
			t.Errorf("service-wide: %+v, %v", all, err)
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// Temporary rejects are read through metering's metric names, and
// flagged as measured.
func TestMailFiguresTempRejects(t *testing.T) {
	m := sla.MailFigures(map[metering.Metric]int64{metering.InMessages: 90, metering.TempfailedIn: 10, metering.OutRecipients: 8, metering.TempfailedOut: 2})
	if m.Inbound.TempRejected != 10 || m.Inbound.TempRejectRate != 0.1 || m.Outbound.TempRejected != 2 || m.Outbound.TempRejectRate != 0.2 {
		t.Errorf("temporary rejects %+v", m)
	}
	if !m.TempRejectsMeasured {
		t.Errorf("temporary rejects not flagged as measured: %+v", m)
	}
	if z := sla.MailFigures(nil); z.Inbound.RejectRate != 0 || z.Outbound.BounceRate != 0 {
		t.Errorf("no mail: %+v", z)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
)

// demoWorld is what `mailmeter demo` lays out under its data folder.
type demoWorld struct {
	dir, config, log, vmail string
	dsn                     string // sqlite:DIR/mailmeter.db unless --db names another database
	mailboxes               []string
	domains                 []string
}

func newDemoWorld(dir, dsn string) demoWorld {
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(dir, "mailmeter.db")
	}
	return demoWorld{dir: dir, config: filepath.Join(dir, "mailmeter.yaml"), log: filepath.Join(dir, "mail.log"),
		vmail: filepath.Join(dir, "vmail"), dsn: dsn}
}

// runDemo is `make run`: it builds a small demo world (a generated Postfix
// log, a Maildir tree, a directory) on first use, keeps appending new mail
// to the log, and serves the API with collectors tailing and watching it.
func runDemo(ctx context.Context, e env, args []string) error {
	f := newFlags("demo", "demo [--data DIR] [--listen HOST:PORT] [--rate N] [--db URL]", e)
	data := f.String("data", "./data", "folder of the demo world")
	listen := f.String("listen", "127.0.0.1:8080", "API address")
	rate := f.Float64("rate", 2, "new SMTP sessions per second appended to the demo log")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	w := newDemoWorld(*data, f.g.db)
	cfg := demoConfig(time.Now().UTC())
	if err := w.build(ctx, e, cfg, *listen); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	e, tokens, err := w.tokens(e)
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	var stop atomic.Bool
	followed := make(chan error, 1)
	go func() { followed <- w.follow(ctx, cfg, *rate, &stop, wallClock) }()
	defer func() {
		stop.Store(true)
		<-followed
	}()
	w.printTour(e, *listen, tokens)
	return runServe(ctx, e, []string{"--config", w.config, "--db", w.dsn, "--listen", *listen, "--quota-refresh", "2s"})
}

func demoConfig(now time.Time) loggen.Config {
	cfg := loggen.DefaultConfig()
	cfg.Seed = 2026
	cfg.Mailboxes, cfg.Domains = 24, 3
	cfg.Start = now.Add(-6 * time.Hour).Truncate(time.Second)
	cfg.Duration = 6 * time.Hour
	cfg.Messages = 0
	cfg.Rate = 0.2
	cfg.Timestamps = loggen.BSDSyslog
	return cfg
}

// build lays the world out unless it exists already.
func (w *demoWorld) build(ctx context.Context, e env, cfg loggen.Config, listen string) error {
	if err := os.MkdirAll(w.dir, 0o700); err != nil { // holds the database
		return err
	}
	w.domains = cfg.LocalDomains()
	if _, err := os.Stat(w.config); err == nil {
		if err := w.load(); err != nil {
			return err
		}
		return w.probeAt(listen)
	}
	f, err := os.Create(w.log)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	truth, err := loggen.Postfix(bw, cfg)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	local := map[string]bool{}
	for _, d := range w.domains {
		local[d] = true
	}
	for mb, u := range truth.Usage {
		// Addresses that only had mail rejected are not mailboxes.
		if local[metering.DomainOf(mb)] && (u[metering.InMessages] > 0 || u[metering.OutMessages] > 0) {
			w.mailboxes = append(w.mailboxes, mb)
		}
	}
	sort.Strings(w.mailboxes)
	if len(w.mailboxes) == 0 {
		return errors.New("the generated log has no local mailboxes")
	}
	if err := w.maildirs(); err != nil {
		return err
	}
	if err := w.directory(ctx); err != nil {
		return err
	}
	conf := fmt.Sprintf(`# mailmeter demo configuration, written by "mailmeter demo" (make run).
db: %q
# The demo's own token secret: the tour's tokens and console links stay
# valid across restarts of the demo (for 24 hours).
auth:
  hs256_secret: %s
logs:
  - {path: %s, format: postfix, host: demo, timezone: UTC}
maildirs:
  - {root: %s, layout: "%%d/%%n", reconcile: 10m}
collect:
  flush_interval: 1s
# The API itself stands in for a mail service the probes check.
probe_interval: 3s
probes:
  - {name: api, kind: tcp, address: "%s"}
# The services the SLA speaks of (an HA pair would list two probes and say
# down_when: all); "smtp" is known only from incidents recorded by hand.
# mailmeter sla report --config %[6]s
services:
  - {name: webapi, probes: [api], down_when: any, failures: 2}
sla:
  minimum_outage: 1m
  unknown_counts_as: up
  maintenance_notice: 120h
  maintenance_cap: 12h
  check_retention: 2160h
# Who bills the demo customer: mailmeter invoice run --period YYYY-MM --config %[6]s
billing:
  seller:
    name: Mailmeter Demo Hosting GmbH
    address: Friedrichstraße 123
    postal_code: "10117"
    city: Berlin
    country: DE
    vat_id: DE123456789
    registration: HRB 999999 B, Amtsgericht Charlottenburg
    email: billing@mailmeter.example
    bank_name: Demo Bank Berlin
    iban: DE89 3704 0044 0532 0130 00
    bic: COBADEFFXXX
    payment_terms_days: 14
    footer: "Mailmeter Demo Hosting GmbH · Geschäftsführerin: Erika Mustermann · Sitz Berlin · This is a demo invoice."
# Plans live in the database ("mailmeter plan list"); the demo's was added by "mailmeter plan add".
# demo mailboxes: %[7]s
`, w.dsn, api.NewSecret(), w.log, w.vmail, listen, w.config, strings.Join(w.mailboxes, " "))
	fmt.Fprintf(e.stderr, "demo world created in %s: %d log lines, %d mailboxes\n", w.dir, truth.Lines, len(w.mailboxes))
	return os.WriteFile(w.config, []byte(conf), 0o640)
}

// load reads the mailbox list back from the demo configuration.
func (w *demoWorld) load() error {
	b, err := os.ReadFile(w.config)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "# demo mailboxes: "); ok {
			w.mailboxes = strings.Fields(rest)
		}
	}
	if len(w.mailboxes) == 0 {
		return fmt.Errorf("%s has no demo mailboxes; remove %s and run again", w.config, w.dir)
	}
	return nil
}

// probeAt points the demo's probe at the API's address of this run (make
// run PORT=… may differ from the first run's).
func (w *demoWorld) probeAt(listen string) error {
	b, err := os.ReadFile(w.config)
	if err != nil {
		return err
	}
	re := regexp.MustCompile(`(?m)^(  - \{name: api, kind: tcp, address: )"[^"]*"\}$`)
	out := re.ReplaceAll(b, []byte(`${1}"`+listen+`"}`))
	if bytes.Equal(out, b) {
		return nil
	}
	return os.WriteFile(w.config, out, 0o640)
}

// maildirs gives every demo mailbox an INBOX and a Sent folder with a few
// messages.
func (w *demoWorld) maildirs() error {
	for i, mb := range w.mailboxes {
		user, dom, _ := strings.Cut(mb, "@")
		root := filepath.Join(w.vmail, dom, user)
		for _, sub := range []string{"cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"} {
			if err := os.MkdirAll(filepath.Join(root, sub), 0o750); err != nil {
				return err
			}
		}
		for j := 0; j < 3+i%5; j++ {
			size := 2000 + 1500*j + 700*i
			dir := "cur"
			if j%3 == 2 {
				dir = ".Sent/cur"
			}
			name := fmt.Sprintf("%d.M%dP%d.demo,S=%d:2,S", 1764000000+i*100+j, j, i, size)
			if err := os.WriteFile(filepath.Join(root, dir, name), []byte(strings.Repeat("x", size)), 0o640); err != nil {
				return err
			}
		}
	}
	return nil
}

// directory registers a demo customer owning the demo domains and mailboxes.
func (w *demoWorld) directory(ctx context.Context) error {
	rows := []directory.ImportRow{}
	for i, mb := range w.mailboxes {
		created := time.Now().UTC().AddDate(0, -2, 0)
		cust := directory.Customer{ID: "demo", Name: "Demo Hosting Ltd", Currency: "EUR", Timezone: "Europe/Berlin", Plan: "standard", CreatedAt: created,
			Billing: demoBilling}
		rows = append(rows, directory.ImportRow{Line: i + 1, Customer: &cust,
			Domain:  directory.Domain{Name: metering.DomainOf(mb), CustomerID: "demo", CreatedAt: created},
			Mailbox: directory.Mailbox{Address: mb, Domain: metering.DomainOf(mb), CreatedAt: created}})
	}
	s, err := store.Open(ctx, w.dsn, nil)
	if err != nil {
		return err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return err
	}
	defer s.Close()
	plans := billing.NewCatalog(s, time.Now)
	if _, err := plans.Add(ctx, demoPlan()); err != nil {
		return err
	}
	if _, err = directory.NewService(s, time.Now).WithPlans(plans).WithPlanHistory(s).Import(ctx, rows, nil); err != nil {
		return err
	}
	// The plan's limits, so quota bars have something to fill.
	q := quota.NewService(s, quota.NewView(s, s, time.Now), s, time.Now)
	if _, err = q.SetPlanLimits(ctx, "standard", quota.LimitsInput{StorageSoft: 80 << 10, StorageHard: 100 << 10,
		OutBytesPerDay: 20 << 20, OutRecipientsPerDay: 2000, OutBytesPerMonth: 400 << 20, OutRecipientsPerMonth: 40000}); err != nil {
		return err
	}
	return demoSLAHistory(ctx, s, time.Now())
}

// demoSLAHistory records what the service report shows besides the probe:
// an smtp incident from a monitor and a maintenance window of the API
// announced a week ahead, both in the last hours of this month (none if
// the month, in the demo customer's zone, is younger than an hour).
func demoSLAHistory(ctx context.Context, s *store.Store, now time.Time) error {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return err
	}
	local := now.In(berlin)
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, berlin)
	if t := now.Add(-3 * time.Hour).Truncate(time.Minute); t.After(start) {
		start = t
	}
	if now.Sub(start) < time.Hour {
		return nil
	}
	svc, err := sla.NewService(sla.Deps{Store: s, Policy: sla.DefaultPolicy(time.Minute), Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	if _, err := svc.AddIncident(ctx, sla.IncidentInput{Service: "smtp", Start: start, End: start.Add(20 * time.Minute),
		Reason: "demo: the monitor saw smtp refuse connections"}); err != nil {
		return err
	}
	_, err = svc.AddMaintenance(ctx, sla.MaintenanceInput{Service: "webapi", Start: start.Add(30 * time.Minute), End: start.Add(50 * time.Minute),
		Announced: start.Add(30*time.Minute - 7*24*time.Hour), Reason: "demo: database upgrade"})
	return err
}

// demoPlan is the demo customer's plan: 5.00 a mailbox, 1 MB of storage
// included per mailbox pooled over the customer, storage over it 0.10 per
// GB-month for the first 10 GB and 0.05 beyond, 50 MB of transfer
// included, 0.05 per GB over, 0.50 per domain, at least 20.00 a month,
// 19 % tax, with an SLA per service (the published presets: webapi
// credits 25, 50 and 100 %, smtp 10, 25 and 100 %).
func demoPlan() billing.PlanInput {
	webapi, smtp := sla.Presets["credits-25-50-100"], sla.Presets["credits-10-25-100"]
	webapi.Service, smtp.Service = "webapi", "smtp"
	return billing.PlanInput{ID: "standard", Currency: "EUR", MailboxFee: "5.00", DomainFee: "0.50", MinimumCharge: "20.00",
		IncludedStorage: ptrTo[int64](1_000_000), StoragePooled: ptrTo(true),
		StorageTiers:     []billing.TierInput{{UpToGB: 10, PerGB: "0.10"}, {PerGB: "0.05"}},
		IncludedTransfer: ptrTo[int64](50_000_000), TransferPerGB: "0.05", TaxRate: "19",
		SLA: &billing.SLA{Services: []sla.ServiceTerms{webapi, smtp},
			LatencyTarget: time.Minute, LatencySharePPM: 900000, LatencyCreditBP: 500, CapBP: 5000}}
}

func ptrTo[T any](v T) *T { return &v }

// demoBilling are the demo customer's billing details: a name with
// umlauts and CJK, as a customer's may have.
var demoBilling = directory.BillingDetails{LegalName: "Grünwald & Søn Mail Services GmbH (綠林郵件)", Address: "Kastanienallee 12, Hinterhaus, 3. OG",
	PostalCode: "10435", City: "Berlin", Country: "DE", VATID: "DE811907980", Email: "rechnungen@gruenwald.example"}

// demoClock is the clock the demo's live log keeps: the wall clock in
// production, a fake one in tests.
type demoClock struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

var wallClock = demoClock{now: time.Now, sleep: loggen.SleepContext}

// follow appends live traffic to the demo log until stop is set, each line
// when the clock reaches its stamp: the log runs at real time.
func (w *demoWorld) follow(ctx context.Context, base loggen.Config, rate float64, stop *atomic.Bool, clock demoClock) error {
	f, err := os.OpenFile(w.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	cfg := base
	cfg.Seed = uint64(clock.now().UnixNano())
	cfg.Start = clock.now().UTC().Truncate(time.Second)
	cfg.Duration = 365 * 24 * time.Hour
	cfg.Rate = rate
	cfg.Stop = func() bool { return stop.Load() || ctx.Err() != nil }
	cfg.Pace = func(at time.Time) {
		if wait := at.Sub(clock.now()); wait > 0 && !cfg.Stop() {
			_ = clock.sleep(ctx, wait) // interrupted: the run stops at its next step
		}
	}
	_, err = loggen.Postfix(f, cfg)
	return err
}

// demoTokens are the tour's tokens: the operator, the demo customer and
// its first mailbox.
type demoTokens struct{ admin, customer, mailbox string }

// tokens mints the tour's tokens with the demo's secret: the one in its
// configuration (worlds made before it had one get a secret for this run,
// passed on to serve as MAILMETER_JWT_SECRET).
func (w *demoWorld) tokens(e env) (env, demoTokens, error) {
	c, err := config.Load(w.config, e.getenv)
	if err != nil {
		return e, demoTokens{}, err
	}
	if c.Auth.Secret == "" && len(c.Auth.Keys) == 0 {
		secret, getenv := string(api.NewSecret()), e.getenv
		c.Auth.Secret = secret
		e.getenv = func(k string) string {
			if k == "MAILMETER_JWT_SECRET" {
				return secret
			}
			return getenv(k)
		}
	}
	ac, err := authConfig(c)
	if err != nil {
		return e, demoTokens{}, err
	}
	var t demoTokens
	now := time.Now()
	for _, m := range []struct {
		dst     *string
		role    api.Role
		subject string
	}{{&t.admin, api.RoleAdmin, "demo-admin"}, {&t.customer, api.RoleCustomer, "demo"}, {&t.mailbox, api.RoleMailbox, w.mailboxes[0]}} {
		if *m.dst, err = api.MintToken(ac, api.TokenInput{Role: m.role, Subject: m.subject, TTL: 24 * time.Hour}, now); err != nil {
			return e, t, err
		}
	}
	return e, t, nil
}

func (w *demoWorld) printTour(e env, listen string, t demoTokens) {
	base := "http://" + listen
	berlin, _ := time.LoadLocation("Europe/Berlin") // the demo customer's zone
	month := time.Now().In(berlin).Format("2006-01")
	mb := w.mailboxes[0]
	fmt.Fprintf(e.stdout, `
mailmeter demo — data in %s (delete it to start over)
  log %s gets new mail as you watch; Maildirs in %s; database %s

Open the web console (the token rides in the link's #fragment, which the browser never sends to the server):
  operator:            %s
  customer "demo":     %s
  mailbox %s: %s

The three lines after this text are an admin, a customer and a mailbox token: paste them, prefixed by
"export ", into another shell, then try:
  curl -s -H "Authorization: Bearer $MAILMETER_MAILBOX_TOKEN" "%s/v1/mailboxes/%s/usage?granularity=hour&from=%s"
  curl -s -H "Authorization: Bearer $MAILMETER_MAILBOX_TOKEN" %s/v1/mailboxes/%s/quota
  curl -s -H "Authorization: Bearer $MAILMETER_CUSTOMER_TOKEN" "%s/v1/customers/demo/usage?sort=-out_bytes"
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" %s/v1/availability
  curl -s %s/openapi.yaml | head
  curl -s %s/metrics | grep -E 'mailmeter_(log|probe)'
the demo's price plan (a new version: bin/mailmeter plan update standard --mailbox-fee 5.50 --effective YYYY-MM-DD):
  bin/mailmeter plan show standard --config %[19]s
the month's service report (uptime by the minute, downtime, maintenance, latency, rejects, credits):
  bin/mailmeter sla report --customer demo --config %[19]s
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" "%[9]s/v1/sla/report?customer=demo"
and the month's invoice so far, with the measured SLA as evidence, as text, PDF and UBL e-invoice:
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" %[9]s/v1/customers/demo/invoice-preview
  bin/mailmeter invoice run --period %[18]s --config %[19]s && bin/mailmeter invoice show demo-%[18]s --config %[19]s
  bin/mailmeter invoice show demo-%[18]s --pdf demo-%[18]s.pdf --config %[19]s
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" -o demo-%[18]s.pdf %[9]s/v1/invoices/demo-%[18]s.pdf
  bin/mailmeter invoice finalize demo-%[18]s --config %[19]s && bin/mailmeter invoice show demo-%[18]s --ubl --config %[19]s

MAILMETER_ADMIN_TOKEN=%[20]s
MAILMETER_CUSTOMER_TOKEN=%[21]s
MAILMETER_MAILBOX_TOKEN=%[22]s

`, w.dir, w.log, w.vmail, w.dsn, consoleLink(base, t.admin), consoleLink(base, t.customer), mb, consoleLink(base, t.mailbox),
		base, mb, time.Now().UTC().Add(-6*time.Hour).Truncate(time.Hour).Format(time.RFC3339), base, mb, base, base, base, base,
		month, w.config, t.admin, t.customer, t.mailbox)
}

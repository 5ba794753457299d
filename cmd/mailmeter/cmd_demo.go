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

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/loggen"
	"github.com/mailmeter/mailmeter/store"
)

// demoWorld is what `mailmeter demo` lays out under its data folder.
type demoWorld struct {
	dir, config, log, vmail, db string
	secret                      string // the development secret: printed tokens survive a restart
	mailboxes                   []string
	domains                     []string
}

func newDemoWorld(dir string) demoWorld {
	return demoWorld{dir: dir, config: filepath.Join(dir, "mailmeter.yaml"), log: filepath.Join(dir, "mail.log"),
		vmail: filepath.Join(dir, "vmail"), db: filepath.Join(dir, "mailmeter.db"), secret: filepath.Join(dir, "dev-secret")}
}

// runDemo is `make run`: it builds a small demo world (a generated Postfix
// log, a Maildir tree, a directory) on first use, keeps appending new mail
// to the log, and serves the API with collectors tailing and watching it.
func runDemo(ctx context.Context, e env, args []string) error {
	f := newFlags("demo", "demo [--data DIR] [--listen HOST:PORT] [--rate N]", e)
	data := f.String("data", "./data", "folder of the demo world")
	listen := f.String("listen", "127.0.0.1:8080", "API address")
	rate := f.Float64("rate", 2, "new SMTP sessions per second appended to the demo log")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	w := newDemoWorld(*data)
	cfg := demoConfig(time.Now().UTC())
	if err := w.build(ctx, e, cfg, *listen); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	var stop atomic.Bool
	followed := make(chan error, 1)
	go func() { followed <- w.follow(ctx, cfg, *rate, &stop, wallClock) }()
	defer func() {
		stop.Store(true)
		<-followed
	}()
	w.printTour(e, *listen)
	return runServe(ctx, e, []string{"--dev", "--config", w.config, "--listen", *listen,
		"--dev-mailbox", w.mailboxes[0], "--dev-secret-file", w.secret, "--quota-refresh", "2s"})
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
db: sqlite:%s
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
# The demo customer's plan: mailmeter invoice run --period YYYY-MM --config %s
billing:
  plans:
    - name: standard
      currency: EUR
      monthly_fee: 500
      included_storage: 1000000
      storage_per_gb_month: 10
      included_transfer: 50000000
      transfer_per_gb: 5
      tax_bp: 1900
      sla:
        availability_ppm: 999000
        tiers: [{below_ppm: 999000, credit_bp: 1000}, {below_ppm: 990000, credit_bp: 2500}]
        latency_target: 60s
        latency_share_ppm: 900000
        latency_credit_bp: 500
        cap_bp: 5000
# demo mailboxes: %s
`, w.db, w.log, w.vmail, listen, w.config, strings.Join(w.mailboxes, " "))
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
		cust := directory.Customer{ID: "demo", Name: "Demo Hosting Ltd", Currency: "EUR", Timezone: "Europe/Berlin", Plan: "standard", CreatedAt: created}
		rows = append(rows, directory.ImportRow{Line: i + 1, Customer: &cust,
			Domain:  directory.Domain{Name: metering.DomainOf(mb), CustomerID: "demo", CreatedAt: created},
			Mailbox: directory.Mailbox{Address: mb, Domain: metering.DomainOf(mb), CreatedAt: created}})
	}
	s, err := store.Open(ctx, "sqlite:"+w.db, nil)
	if err != nil {
		return err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return err
	}
	defer s.Close()
	_, err = directory.NewService(s, time.Now).Import(ctx, rows, nil)
	return err
}

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

func (w *demoWorld) printTour(e env, listen string) {
	base := "http://" + listen
	berlin, _ := time.LoadLocation("Europe/Berlin") // the demo customer's zone
	month := time.Now().In(berlin).Format("2006-01")
	mb := w.mailboxes[0]
	fmt.Fprintf(e.stdout, `
mailmeter demo — data in %s (delete it to start over)
  log %s gets new mail as you watch; Maildirs in %s; database %s

The two lines after this text are an admin and a mailbox token: paste them, prefixed by
"export ", into another shell, then try:
  curl -s -H "Authorization: Bearer $MAILMETER_MAILBOX_TOKEN" "%s/v1/mailboxes/%s/usage?granularity=hour&from=%s"
  curl -s -H "Authorization: Bearer $MAILMETER_MAILBOX_TOKEN" %s/v1/mailboxes/%s/quota
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" "%s/v1/customers/demo/usage?sort=-out_bytes"
  curl -s -H "Authorization: Bearer $MAILMETER_ADMIN_TOKEN" %s/v1/availability
  curl -s %s/openapi.yaml | head
  curl -s %s/metrics | grep -E 'mailmeter_(log|probe)'
and the month's invoice so far, with the measured SLA as evidence:
  bin/mailmeter invoice run --period %s --config %s && bin/mailmeter invoice show demo-%s --config %s

`, w.dir, w.log, w.vmail, w.db, base, mb, time.Now().UTC().Add(-6*time.Hour).Truncate(time.Hour).Format(time.RFC3339), base, mb, base, base, base, base,
		month, w.config, month, w.config)
}

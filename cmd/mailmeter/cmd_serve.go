package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/telemetry"
	"github.com/mailmeter/mailmeter/ui"
	"github.com/mailmeter/mailmeter/webhook"
)

func runServe(ctx context.Context, e env, args []string) (err error) {
	f := newFlags("serve", "serve [--listen HOST:PORT] [--policy-listen HOST:PORT|unix:PATH] [--dev]", e)
	listen := f.String("listen", "", "address to serve on (env MAILMETER_LISTEN; default 127.0.0.1:8080)")
	policyListen := f.String("policy-listen", "", "also answer Postfix's check_policy_service (quota at SMTP time) on HOST:PORT or unix:PATH (env MAILMETER_POLICY_LISTEN; default off)")
	dev := f.Bool("dev", false, "without a configured key, generate a development HS256 secret and print an admin and a mailbox token")
	devMailbox := f.String("dev-mailbox", "postmaster@example.com", "subject of the mailbox token --dev prints")
	devSecret := f.String("dev-secret-file", "", "with --dev: keep the development secret in this file (created 0600), so printed tokens survive a restart")
	refresh := f.Duration("quota-refresh", 10*time.Second, "how often the in-memory quota view reloads usage from the database (on PostgreSQL it also reloads within a second of any commit)")
	alertEvery := f.Duration("quota-check", 5*time.Second, "how often quota usage is compared with the warning thresholds (quota.warn_at)")
	tokenRefresh := f.Duration("token-refresh", 10*time.Second, "how often revoked token ids are reloaded from the database (on PostgreSQL also within a second of any revocation)")
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	if *listen != "" || *policyListen != "" {
		if *listen != "" {
			c.Listen = *listen
		}
		if *policyListen != "" {
			c.Policy.Listen = *policyListen
		}
		if err := c.Validate(); err != nil {
			return err
		}
	}
	if *refresh <= 0 || *alertEvery <= 0 || *tokenRefresh <= 0 {
		return usagef("--quota-refresh, --quota-check and --token-refresh must be positive")
	}
	if *dev {
		if err := checkDevListen(c.Listen); err != nil {
			return usagef("--dev: %v", err)
		}
		if c.Metrics.Listen != "" {
			if err := checkDevListen(c.Metrics.Listen); err != nil {
				return usagef("--dev: metrics.listen: %v", err)
			}
		}
	}
	verifier, err := serveAuth(e, c, log, devOptions{*dev, *devMailbox, *devSecret})
	if err != nil {
		return err
	}
	if _, err := configPlans(c); err != nil {
		return err
	}
	s, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer s.Close()
	plans := billing.NewCatalog(s, time.Now)
	if err := seedPlans(ctx, c, plans, log); err != nil {
		return err
	}
	// Everything below runs in bg and stops when ctx ends or serving fails;
	// this deferred stop is the one way out, and waits for all of it.
	ctx, cancel := context.WithCancel(ctx)
	bg := &background{cancel: cancel}
	defer func() {
		if berr := bg.stop(); err == nil {
			err = berr
		}
	}()
	// Collectors configured here (logs:, maildirs:) run in this process and
	// feed the quota view as they commit.
	view, err := newQuotaView(ctx, bg, s, log, *refresh)
	if err != nil {
		return err
	}
	revs, err := startRevocations(ctx, bg, s, time.Duration(c.Auth.MaxTTL), log, *tokenRefresh)
	if err != nil {
		return err
	}
	cs, err := startCollectors(ctx, c, s, view.Apply, log)
	if cs != nil {
		bg.wait(cs.Wait)
	}
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(telemetry.NewQuotaViewAge(view.RefreshedAt, time.Now)); err != nil {
		return err
	}
	if err := startAlerts(ctx, bg, c, s, view, log, *alertEvery, reg); err != nil {
		return err
	}
	router, err := newRouter(c, log, s, plans, verifier, revs, view, cs, reg)
	if err != nil {
		return err
	}
	waitPolicy, err := startPolicy(ctx, c, log, view, reg)
	if err != nil {
		return err
	}
	bg.wait(waitPolicy)
	bg.wait(startMetrics(ctx, c, log, reg, cancel))
	return serveHTTP(ctx, log, c.Listen, router, httpTimeouts(c))
}

// webhookInterval is how often queued webhook events are sent.
const webhookInterval = 2 * time.Second

// startAlerts runs the quota threshold warnings until ctx ends: crossings
// are logged and, with quota.webhook_url, queued and posted.
func startAlerts(ctx context.Context, bg *background, c config.Config, s *store.Store, view *quota.View, log *slog.Logger, every time.Duration, reg prometheus.Registerer) error {
	hook := c.Quota.WebhookURL != ""
	a := quota.NewAlerter(view, s, c.Quota.WarnAt, hook, log.With("component", "quota"), time.Now)
	bg.every(every, func(tick <-chan time.Time) { a.Run(ctx, tick, warn(log, "quota threshold check failed")) })
	// Grace starts are shared through the store, so every process (and a
	// restarted one) ends a grace at the same moment.
	bg.every(every, func(tick <-chan time.Time) {
		periodic.Run(ctx, tick, view.SyncGrace, warn(log, "quota grace sync failed"))
	})
	if hook {
		var key []byte
		if c.Quota.WebhookSecret != "" {
			k, err := webhook.ParseSecret(c.Quota.WebhookSecret)
			if err != nil {
				return fmt.Errorf("quota.webhook_secret: %w", err) // Validate has checked it
			}
			key = k
		}
		snd := webhook.NewSender(c.Quota.WebhookURL, key, s, log.With("component", "webhook"), time.Now)
		if err := snd.Register(reg); err != nil {
			return err
		}
		bg.every(webhookInterval, func(tick <-chan time.Time) { snd.Run(ctx, tick, warn(log, "webhook delivery failed")) })
	}
	return nil
}

// warn returns an onErr that logs what failed as a warning.
func warn(log *slog.Logger, what string) func(error) {
	return func(err error) { log.Warn(what, "err", err) }
}

// startPolicy starts the policy server when policy.listen is set; the
// returned wait blocks until it has stopped (after ctx ends).
func startPolicy(ctx context.Context, c config.Config, log *slog.Logger, view *quota.View, reg prometheus.Registerer) (wait func() error, err error) {
	if c.Policy.Listen == "" {
		return func() error { return nil }, nil
	}
	srv, err := policy.NewServer(newDecider(c, view), log.With("component", "policy"), reg)
	if err != nil {
		return nil, err
	}
	if c.Policy.MaxConnections > 0 {
		srv.MaxConns = c.Policy.MaxConnections
	}
	ln, err := listenPolicy(c.Policy.Listen)
	if err != nil {
		return nil, err
	}
	log.Info("policy server listening", "addr", c.Policy.Listen, "max_connections", srv.MaxConns)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return func() error { return <-done }, nil
}

// newDecider answers quota questions at SMTP time (policy server and
// GET /v1/quota/check) from the view.
func newDecider(c config.Config, view *quota.View) *policy.Decider {
	return policy.NewDecider(view, policy.Options{Delimiter: c.RecipientDelimiter(), Defer: c.Policy.OverQuota == "defer",
		InFlight: time.Duration(c.Policy.InFlight), FullText: c.Policy.OverQuotaText,
		RejectUnknown: c.Policy.UnknownRecipient == "reject"}, time.Now)
}

// listenPolicy listens on HOST:PORT or unix:PATH. A stale socket file at
// PATH is replaced; the socket is writable by all (Postfix's smtpd runs as
// its own user): put it in a directory that limits who reaches it, such as
// /var/spool/postfix/private.
func listenPolicy(addr string) (net.Listener, error) {
	path, isUnix := strings.CutPrefix(addr, "unix:")
	if !isUnix {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("policy listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("policy listen on %s: %w", addr, err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, fmt.Errorf("policy socket %s: %w", path, err)
	}
	return ln, nil
}

// newQuotaView loads the in-memory quota view and keeps it current (see
// follow): usage committed by other processes (collectors, API replicas)
// shows up.
func newQuotaView(ctx context.Context, bg *background, s *store.Store, log *slog.Logger, refresh time.Duration) (*quota.View, error) {
	view := quota.NewView(s, s, time.Now)
	if err := follow(ctx, bg, view, refresh, s.ListenQuota, log, "quota view refresh failed"); err != nil {
		return nil, err
	}
	return view, nil
}

// follower is state held in memory and reloaded from the database: the
// quota view, the revoked token ids.
type follower interface {
	Refresh(ctx context.Context) error
	Follow(ctx context.Context, tick <-chan time.Time, changes <-chan struct{}, onErr func(error))
}

// follow loads f and keeps it current in bg until ctx ends: reloaded every
// refresh and, on PostgreSQL, after every change listen announces
// (LISTEN/NOTIFY; on SQLite listen returns at once), at most once a second.
func follow(ctx context.Context, bg *background, f follower, refresh time.Duration,
	listen func(context.Context, *slog.Logger, func()) error, log *slog.Logger, failed string) error {
	if err := f.Refresh(ctx); err != nil {
		return err
	}
	changes := periodic.NewSignal()
	bg.Go(func() { listen(ctx, log, changes.Notify) })
	bg.every(refresh, func(tick <-chan time.Time) { f.Follow(ctx, tick, changes, warn(log, failed)) })
	return nil
}

// newRouter builds the API over the store and the quota view, with the
// services and a metrics registry that also shows the in-process collectors.
func newRouter(c config.Config, log *slog.Logger, s *store.Store, plans *billing.Catalog, verifier *api.Verifier, revs *api.Revocations, view *quota.View, cs *sourceSet, reg *prometheus.Registry) (http.Handler, error) {
	runner, levels, err := newRunner(c, s)
	if err != nil {
		return nil, err
	}
	if err := cs.Register(reg); err != nil {
		return nil, err
	}
	if err := reg.Register(telemetry.NewDeadLetterCollector(s.PendingDeadLetters)); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	return api.NewRouter(api.Deps{
		Log: log, Health: s, Now: time.Now, Auth: verifier, Revocations: revs,
		Directory:      directoryService(s, plans),
		Plans:          plans,
		Quota:          quota.NewService(s, view, s, time.Now),
		Reports:        quota.NewReports(s, s, s, time.Now),
		Ingest:         metering.NewIngester(s, view.Apply),
		Policy:         newDecider(c, view),
		Billing:        runner,
		Invoices:       billing.NewInvoices(s, time.Now),
		SLA:            levels,
		Blacklists:     probe.NewBlacklists(s, time.Now),
		MaxBodyBytes:   c.API.MaxBodyBytes,
		MaxIngestBytes: c.API.MaxIngestBytes,
		Registry:       reg,

		MaxLargeBodies:  c.API.MaxLargeBodies,
		Timeouts:        httpTimeouts(c),
		MetricsToken:    c.Metrics.Token,
		SeparateMetrics: c.Metrics.Listen != "",
		Trends:          quota.NewTrends(s, s, time.Now),
		Overview:        quota.NewOverview(s, s, view, time.Now),
		Collectors:      collect.NewHealth(s, cs.Stats, time.Now),
		Console:         ui.New(ui.Options{FrameOrigins: c.API.CORSOrigins}),
		CORSOrigins:     c.API.CORSOrigins,
	}), nil
}

// devOptions are serve's --dev flags.
type devOptions struct {
	on         bool
	mailbox    string // subject of the printed mailbox token
	secretFile string // keeps the secret across restarts; "" = a new one per process
}

// serveAuth builds the token verifier from the configured keys; with none
// configured it refuses to start, unless dev asks for a generated secret.
func serveAuth(e env, c config.Config, log *slog.Logger, dev devOptions) (*api.Verifier, error) {
	ac, err := authConfig(c)
	if err != nil {
		return nil, err
	}
	if !ac.Configured() {
		if !dev.on {
			return nil, fmt.Errorf("no JWT key configured: set auth.hs256_secret (or MAILMETER_JWT_SECRET) or auth.keys, or run serve --dev for a development secret")
		}
		if ac.Secret, err = devSecret(dev.secretFile); err != nil {
			return nil, err
		}
		if err := devAuth(e, ac, dev.mailbox); err != nil {
			return nil, err
		}
		if dev.secretFile != "" {
			log.Warn("development mode: HS256 secret kept in "+dev.secretFile+" (not shown) and printed two tokens; do not use in production", "secret_file", dev.secretFile)
		} else {
			log.Warn("development mode: generated an HS256 secret (not shown; it ends with this process) and printed two tokens; do not use in production")
		}
	}
	return api.NewVerifier(ac, time.Now)
}

// devSecret returns a development secret: the one kept in file (made, mode
// 0600, on first use), or a new one without a file.
func devSecret(file string) ([]byte, error) {
	if file == "" {
		return api.NewSecret(), nil
	}
	b, err := os.ReadFile(file)
	if err == nil && len(bytes.TrimSpace(b)) >= 32 {
		return bytes.TrimSpace(b), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--dev-secret-file: %w", err)
	}
	secret := api.NewSecret()
	if err := os.WriteFile(file, append(secret, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("--dev-secret-file: %w", err)
	}
	return secret, nil
}

// checkDevListen refuses a --dev server other hosts could reach: its
// generated secret and tokens are for one developer's machine.
func checkDevListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("listens on the loopback interface only (127.0.0.1, [::1] or localhost), not %q", addr)
}

// devAuth prints an admin and a mailbox token signed with the development
// secret on stdout, as shell assignments.
func devAuth(e env, ac api.AuthConfig, mailbox string) error {
	now := time.Now()
	admin, err := api.MintToken(ac, api.TokenInput{Role: api.RoleAdmin, Subject: "dev-admin", TTL: 24 * time.Hour}, now)
	if err != nil {
		return err
	}
	mb, err := api.MintToken(ac, api.TokenInput{Role: api.RoleMailbox, Subject: mailbox, TTL: 24 * time.Hour}, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "MAILMETER_ADMIN_TOKEN=%s\nMAILMETER_MAILBOX_TOKEN=%s\n", admin, mb)
	return nil
}

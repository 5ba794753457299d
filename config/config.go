// Package config reads mailmeter's configuration: defaults, then a YAML
// file, then MAILMETER_* environment variables, then command-line flags, each
// overriding the one before. Validate rejects bad values at start, naming the
// key, so nothing is discovered later.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store/dsn"
	"github.com/mailmeter/mailmeter/webhook"
)

// Config is the whole configuration.
type Config struct {
	DB        string    `yaml:"db"`
	Listen    string    `yaml:"listen"`
	Log       Log       `yaml:"log"`
	Delimiter *string   `yaml:"recipient_delimiter"` // nil = "+"; "" disables
	Logs      []LogFile `yaml:"logs"`
	Maildirs  []Maildir `yaml:"maildirs"`
	Collect   Collect   `yaml:"collect"`
	Metering  Metering  `yaml:"metering"`
	Auth      Auth      `yaml:"auth"`
	API       API       `yaml:"api"`
	Policy    Policy    `yaml:"policy"`
	Quota     Quota     `yaml:"quota"`
	// Probes are the services whose availability serve and collect
	// measure, every ProbeInterval.
	Probes        []Probe  `yaml:"probes"`
	ProbeInterval Duration `yaml:"probe_interval"`
	// Services group probes into the services SLAs speak of (an HA pair
	// or a cluster is one service); without any, each probe is its own.
	Services []Service `yaml:"services"`
	SLA      SLA       `yaml:"sla"`
	Billing  Billing   `yaml:"billing"`
	Metrics  Metrics   `yaml:"metrics"`

	// ProbeMailboxes are probe accounts metered nothing (besides the
	// round-trip probes' recipients and logins, see ProbeAccounts).
	ProbeMailboxes []string `yaml:"probe_mailboxes"`
}

// Service is one service and the probes that check it.
type Service struct {
	Name     string   `yaml:"name"`
	Probes   []string `yaml:"probes"`
	DownWhen string   `yaml:"down_when"` // any (default): one probe down is the service down; all: every probe
	Failures int      `yaml:"failures"`  // consecutive failed checks that make a probe down; default 1
}

// SLA is how service minutes count.
type SLA struct {
	MinimumOutage     Duration `yaml:"minimum_outage"`     // shorter downtime does not count; default 1m
	UnknownCountsAs   string   `yaml:"unknown_counts_as"`  // minutes without a check: up (default) or down
	MaintenanceNotice Duration `yaml:"maintenance_notice"` // announced at least this early to be excluded; default 120h
	MaintenanceCap    Duration `yaml:"maintenance_cap"`    // excluded maintenance per calendar year; default 12h
	CheckRetention    Duration `yaml:"check_retention"`    // raw checks kept; 0s = forever; default 2160h
}

// Metrics says where serve's Prometheus /metrics is served and who may
// read it.
type Metrics struct {
	// Listen is HOST:PORT of a listener of its own; "" = on the API's.
	Listen string `yaml:"listen"`
	// Token, if set, is the bearer token /metrics requires.
	Token string `yaml:"token"`
}

// Billing holds the price plans invoices are computed with (a customer's
// plan names one) and the seller they come from.
type Billing struct {
	Plans  []Plan `yaml:"plans"`
	Seller Seller `yaml:"seller"`
}

// Seller is the operator invoices come from, printed on them; empty = no
// seller block (and no e-invoices). Validated by billing.Seller.
type Seller struct {
	Name             string `yaml:"name"` // legal name
	Address          string `yaml:"address"`
	PostalCode       string `yaml:"postal_code"`
	City             string `yaml:"city"`
	Country          string `yaml:"country"` // ISO 3166-1 alpha-2
	VATID            string `yaml:"vat_id"`
	Registration     string `yaml:"registration"` // e.g. "HRB 12345, Amtsgericht Berlin"
	Email            string `yaml:"email"`
	BankName         string `yaml:"bank_name"`
	IBAN             string `yaml:"iban"`
	BIC              string `yaml:"bic"`
	PaymentTermsDays *int   `yaml:"payment_terms_days"` // default 14
	Footer           string `yaml:"footer"`
}

// Plan is one price plan, a seed: plans live in the database, and a
// configured plan the database lacks is imported at start as a version
// effective from the epoch (see README "Plans"). Amounts are decimals of
// Currency's major unit ("5.00"; see Amount); rates in basis points (bp,
// 1/100 %) or parts per million (ppm); sizes in bytes.
type Plan struct {
	Name              string  `yaml:"name"`
	Currency          string  `yaml:"currency"`
	MailboxFee        Amount  `yaml:"mailbox_fee"`          // per mailbox, prorated
	MonthlyFee        Amount  `yaml:"monthly_fee"`          // the mailbox fee's former name
	DomainFee         Amount  `yaml:"domain_fee"`           // per domain in use, prorated
	MinimumCharge     Amount  `yaml:"minimum_charge"`       // least a month bills
	IncludedStorage   int64   `yaml:"included_storage"`     // bytes per mailbox
	StoragePooled     bool    `yaml:"storage_pooled"`       // the inclusion pooled over the customer
	StoragePerGBMonth Amount  `yaml:"storage_per_gb_month"` // over the included, mean of daily peaks
	StorageTiers      []Tier  `yaml:"storage_tiers"`        // graduated instead of storage_per_gb_month
	IncludedTransfer  int64   `yaml:"included_transfer"`    // bytes in + out per mailbox and month
	TransferPerGB     Amount  `yaml:"transfer_per_gb"`
	TransferTiers     []Tier  `yaml:"transfer_tiers"`
	TaxBP             int64   `yaml:"tax_bp"`
	SLA               PlanSLA `yaml:"sla"`
}

// Tier is a step of graduated overage pricing: up to up_to_gb GB over
// the included (none: the last tier) at per_gb each.
type Tier struct {
	UpToGB int64  `yaml:"up_to_gb"`
	PerGB  Amount `yaml:"per_gb"`
}

// Amount is an amount of money as written in the file: a decimal of the
// major unit ("4.00", 0.20), read against the plan's currency. A bare
// integer (500) is minor units, as the file took amounts before decimals
// (Minor is then set).
type Amount struct {
	Decimal string
	Minor   *int64
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *Amount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("an amount is a decimal such as \"4.00\"")
	}
	if n.Tag == "!!int" {
		var v int64
		if err := n.Decode(&v); err != nil {
			return err
		}
		a.Minor = &v
		return nil
	}
	a.Decimal = n.Value
	return nil
}

// IsZero reports whether no amount was written.
func (a Amount) IsZero() bool { return a.Decimal == "" && a.Minor == nil }

// ServiceSLA is a plan's promise for one service: a preset, edited by
// availability_ppm or tiers if given.
type ServiceSLA struct {
	Service         string       `yaml:"service"`
	Preset          string       `yaml:"preset"`
	AvailabilityPPM int64        `yaml:"availability_ppm"`
	Tiers           []CreditTier `yaml:"tiers"`
}

// PlanSLA is a plan's service level and its credits: plan-wide (preset,
// availability_ppm, tiers: every service) or per service (services).
type PlanSLA struct {
	Preset          string       `yaml:"preset"`           // a published tier table (sla presets) for every service
	AvailabilityPPM int64        `yaml:"availability_ppm"` // promised uptime of every service (overrides the preset's)
	Tiers           []CreditTier `yaml:"tiers"`            // override the preset's
	Services        []ServiceSLA `yaml:"services"`         // the services covered, each with its terms
	LatencyTarget   Duration     `yaml:"latency_target"`
	LatencySharePPM int64        `yaml:"latency_share_ppm"` // share of deliveries within latency_target
	LatencyCreditBP int64        `yaml:"latency_credit_bp"`
	CapBP           int64        `yaml:"cap_bp"`
}

// CreditTier credits credit_bp of the fees below below_ppm availability.
type CreditTier struct {
	BelowPPM int64 `yaml:"below_ppm"`
	CreditBP int64 `yaml:"credit_bp"`
}

// Quota configures threshold warnings.
type Quota struct {
	// WarnAt are the percentages of a limit whose crossing warns (log and
	// webhook); default 80, 90, 100.
	WarnAt []int `yaml:"warn_at"`
	// WebhookURL receives each crossing as a signed JSON POST; "" = log only.
	WebhookURL string `yaml:"webhook_url"`
	// WebhookSecret signs the posts (HMAC-SHA256); "" = unsigned.
	WebhookSecret string `yaml:"webhook_secret"`
}

// Policy configures the Postfix policy server (quota at SMTP time) that
// serve runs when Listen is set.
type Policy struct {
	// Listen is HOST:PORT, or unix:PATH for a Unix socket. "" = off.
	Listen string `yaml:"listen"`
	// OverQuota is how a full mailbox is refused: reject (552 5.2.2,
	// the default) or defer (452 4.2.2).
	OverQuota string `yaml:"over_quota"`
	// InFlight is how long recipients the policy let through count
	// against their sender's outbound limits before metering has them.
	InFlight Duration `yaml:"in_flight"`
	// OverQuotaText is the text of a full-mailbox refusal ("{mailbox}"
	// stands for the mailbox); "" = "Mailbox is full".
	OverQuotaText string `yaml:"over_quota_text"`
	// UnknownRecipient is what a recipient in a hosted domain that the
	// directory lacks gets: dunno (the default) or reject (550 5.1.1).
	UnknownRecipient string `yaml:"unknown_recipient"`
	// MaxConnections bounds open policy connections; 0 = from the
	// file-descriptor limit (policy.DefaultMaxConns).
	MaxConnections int `yaml:"max_connections"`
}

// Log configures the process's own logs.
type Log struct {
	Format string `yaml:"format"` // text | json
	Level  string `yaml:"level"`  // debug | info | warn | error
}

// LogFile is one MTA log source of `collect`.
type LogFile struct {
	Path     string `yaml:"path"`
	Format   string `yaml:"format"`   // auto | postfix | exim
	Host     string `yaml:"host"`     // name of the mail host; default: this host's name
	Timezone string `yaml:"timezone"` // zone of timestamps without one; default Local
}

// Maildir is one Maildir tree watched by `collect`.
type Maildir struct {
	Root      string   `yaml:"root"`
	Layout    string   `yaml:"layout"` // e.g. "%d/%n", relative to Root, or an absolute template
	Domain    string   `yaml:"domain"` // for layouts without %d
	Reconcile Duration `yaml:"reconcile"`
}

// Collect tunes the collectors.
type Collect struct {
	FlushInterval Duration `yaml:"flush_interval"` // how often usage is committed
	BatchLines    int      `yaml:"batch_lines"`    // lines per committed batch at most
	MaxOpenAge    Duration `yaml:"max_open_age"`   // evict messages idle longer
	Push          string   `yaml:"push"`           // ingest URL instead of a database
}

// Auth configures JWT validation and minting.
type Auth struct {
	Issuer   string   `yaml:"issuer"`
	Audience string   `yaml:"audience"`
	Secret   string   `yaml:"hs256_secret"`
	Keys     []JWTKey `yaml:"keys"`
	SignKID  string   `yaml:"sign_kid"` // key used by `token create`; default the HS256 secret
	// MaxTTL caps the lifetime of tokens minted and accepted.
	MaxTTL Duration `yaml:"max_ttl"`
}

// JWTKey is a public (or, for minting, private) key selected by kid.
type JWTKey struct {
	KID        string `yaml:"kid"`
	Alg        string `yaml:"alg"`         // EdDSA | RS256
	PublicKey  string `yaml:"public_key"`  // PEM file path
	PrivateKey string `yaml:"private_key"` // PEM file path, only where tokens are minted
}

// API tunes the HTTP API.
type API struct {
	MaxBodyBytes   int64 `yaml:"max_body_bytes"`
	MaxIngestBytes int64 `yaml:"max_ingest_bytes"` // POST /v1/ingest
	// MaxLargeBodies bounds the ingest bodies over max_body_bytes read at
	// once; more get 503 with Retry-After.
	MaxLargeBodies int `yaml:"max_large_bodies"`
	// ReadTimeout bounds a whole request, body included; WriteTimeout a
	// response; IdleTimeout a keep-alive connection between requests.
	ReadTimeout  Duration `yaml:"read_timeout"`
	WriteTimeout Duration `yaml:"write_timeout"`
	IdleTimeout  Duration `yaml:"idle_timeout"`
	// CORSOrigins are the exact origins ("https://webmail.example.com")
	// browsers may call the API from and frame the quota widget on.
	CORSOrigins []string `yaml:"cors_origins"`
}

// Duration is a time.Duration written as "90s", "1h" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 90s or 1h", n.Value)
	}
	*d = Duration(v)
	return nil
}

// Default returns the configuration used when nothing is configured.
func Default() Config {
	plus := "+"
	return Config{
		Delimiter: &plus,
		DB:        "sqlite:./mailmeter.db",
		Listen:    "127.0.0.1:8080",
		Log:       Log{Format: "text", Level: "info"},
		Collect:   Collect{FlushInterval: Duration(2 * time.Second), BatchLines: 50000, MaxOpenAge: Duration(7 * 24 * time.Hour)},
		Metering:  Metering{MaxMessageBytes: metering.DefaultMaxMessageBytes, MaxRecipients: metering.DefaultMaxRecipients},
		Auth:      Auth{Issuer: "mailmeter", Audience: "mailmeter", MaxTTL: Duration(365 * 24 * time.Hour)},
		API: API{MaxBodyBytes: 1 << 20, MaxIngestBytes: 32 << 20, MaxLargeBodies: 4,
			ReadTimeout: Duration(time.Minute), WriteTimeout: Duration(time.Minute), IdleTimeout: Duration(2 * time.Minute)},

		ProbeInterval: Duration(time.Minute),
		SLA: SLA{MinimumOutage: Duration(time.Minute), UnknownCountsAs: "up", MaintenanceNotice: Duration(120 * time.Hour),
			MaintenanceCap: Duration(12 * time.Hour), CheckRetention: Duration(90 * 24 * time.Hour)},
		Policy: Policy{OverQuota: "reject", InFlight: Duration(30 * time.Second), OverQuotaText: policy.DefaultFullText,
			UnknownRecipient: "dunno"},
		Quota: Quota{WarnAt: slices.Clone(quota.DefaultThresholds)},
	}
}

// RecipientDelimiter returns the configured delimiter ("+" by default).
func (c Config) RecipientDelimiter() string {
	if c.Delimiter == nil {
		return "+"
	}
	return *c.Delimiter
}

// Load reads the YAML file at path over the defaults (path "" = none), then
// applies the environment (getenv). Unknown keys are errors.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		if err := checkKeys(&doc, reflect.TypeOf(c), ""); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	set := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set("MAILMETER_DB", &c.DB)
	set("MAILMETER_LISTEN", &c.Listen)
	set("MAILMETER_LOG_FORMAT", &c.Log.Format)
	set("MAILMETER_LOG_LEVEL", &c.Log.Level)
	set("MAILMETER_JWT_SECRET", &c.Auth.Secret)
	set("MAILMETER_JWT_ISSUER", &c.Auth.Issuer)
	set("MAILMETER_JWT_AUDIENCE", &c.Auth.Audience)
	set("MAILMETER_PUSH", &c.Collect.Push)
	set("MAILMETER_POLICY_LISTEN", &c.Policy.Listen)
	set("MAILMETER_WEBHOOK_URL", &c.Quota.WebhookURL)
	set("MAILMETER_WEBHOOK_SECRET", &c.Quota.WebhookSecret)
	set("MAILMETER_METRICS_LISTEN", &c.Metrics.Listen)
	set("MAILMETER_METRICS_TOKEN", &c.Metrics.Token)
	if v, ok := lookup(getenv, "MAILMETER_RECIPIENT_DELIMITER"); ok {
		c.Delimiter = &v
	}
	if v := getenv("MAILMETER_CORS_ORIGINS"); v != "" {
		c.API.CORSOrigins = strings.Split(v, ",")
	}
	if v := getenv("MAILMETER_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid config: MAILMETER_MAX_BODY_BYTES=%q: not an integer", v)
		}
		c.API.MaxBodyBytes = n
	}
	if v := getenv("MAILMETER_MAX_INGEST_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid config: MAILMETER_MAX_INGEST_BYTES=%q: not an integer", v)
		}
		c.API.MaxIngestBytes = n
	}
	return nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// Validate checks every value and returns an error naming the first bad key.
func (c Config) Validate() error {
	if _, err := dsn.Parse(c.DB); err != nil {
		return fmt.Errorf("invalid config: db: %v", err)
	}
	if err := checkHostPort(c.Listen); err != nil {
		return fmt.Errorf("invalid config: listen: %q: %v", c.Listen, err)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("invalid config: log.format: %q: want text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("invalid config: log.level: %q: want debug, info, warn or error", c.Log.Level)
	}
	for i, l := range c.Logs {
		if l.Path == "" {
			return fmt.Errorf("invalid config: logs[%d].path: required", i)
		}
		switch l.Format {
		case "", "auto", "postfix", "exim":
		default:
			return fmt.Errorf("invalid config: logs[%d].format: %q: want auto, postfix or exim", i, l.Format)
		}
		if l.Timezone != "" {
			if _, err := time.LoadLocation(l.Timezone); err != nil {
				return fmt.Errorf("invalid config: logs[%d].timezone: %q: not an IANA zone", i, l.Timezone)
			}
		}
	}
	for i, m := range c.Maildirs {
		if m.Root == "" {
			return fmt.Errorf("invalid config: maildirs[%d].root: required", i)
		}
		if m.Layout == "" {
			return fmt.Errorf("invalid config: maildirs[%d].layout: required, e.g. %%d/%%n", i)
		}
		if !strings.Contains(m.Layout, "%d") && !strings.Contains(m.Layout, "%u") && m.Domain == "" {
			return fmt.Errorf("invalid config: maildirs[%d].domain: required when the layout has no %%d or %%u", i)
		}
	}
	if err := c.Metering.TrustedSenders.validate(); err != nil {
		return err
	}
	if c.Collect.FlushInterval <= 0 {
		return fmt.Errorf("invalid config: collect.flush_interval: must be positive")
	}
	if c.Collect.BatchLines <= 0 {
		return fmt.Errorf("invalid config: collect.batch_lines: must be positive")
	}
	if c.Metering.MaxMessageBytes <= 0 {
		return fmt.Errorf("invalid config: metering.max_message_bytes: must be positive")
	}
	if c.Metering.MaxRecipients <= 0 {
		return fmt.Errorf("invalid config: metering.max_recipients: must be positive")
	}
	if l := c.Policy.Listen; l != "" {
		if path, ok := strings.CutPrefix(l, "unix:"); ok {
			if path == "" {
				return fmt.Errorf("invalid config: policy.listen: %q: want unix:PATH", l)
			}
		} else if err := checkHostPort(l); err != nil {
			return fmt.Errorf("invalid config: policy.listen: %q: %v (or unix:PATH)", l, err)
		}
	}
	if c.Policy.InFlight < 0 {
		return fmt.Errorf("invalid config: policy.in_flight: must not be negative")
	}
	switch c.Policy.OverQuota {
	case "", "reject", "defer":
	default:
		return fmt.Errorf("invalid config: policy.over_quota: %q: want reject or defer", c.Policy.OverQuota)
	}
	if err := policy.CheckText(c.Policy.OverQuotaText); err != nil {
		return fmt.Errorf("invalid config: policy.over_quota_text: %v", err)
	}
	switch c.Policy.UnknownRecipient {
	case "", "dunno", "reject":
	default:
		return fmt.Errorf("invalid config: policy.unknown_recipient: %q: want dunno or reject", c.Policy.UnknownRecipient)
	}
	if c.Policy.MaxConnections < 0 {
		return fmt.Errorf("invalid config: policy.max_connections: must not be negative (0: from the file-descriptor limit)")
	}
	if err := validateProbes(c.Probes, c.ProbeMailboxes); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	if c.ProbeInterval <= 0 {
		return fmt.Errorf("invalid config: probe_interval: must be positive")
	}
	if err := c.validateServices(); err != nil {
		return err
	}
	for _, p := range c.Quota.WarnAt {
		if p < 1 || p > 1000 {
			return fmt.Errorf("invalid config: quota.warn_at: %d: want percentages from 1 to 1000", p)
		}
	}
	if u := c.Quota.WebhookURL; u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("invalid config: quota.webhook_url: %q: want an http(s) URL", u)
		}
	}
	if sec := c.Quota.WebhookSecret; sec != "" {
		if _, err := webhook.ParseSecret(sec); err != nil {
			return fmt.Errorf("invalid config: quota.webhook_secret: %v", err)
		}
	}
	if c.API.MaxIngestBytes <= 0 {
		return fmt.Errorf("invalid config: api.max_ingest_bytes: must be positive")
	}
	if c.API.MaxBodyBytes <= 0 {
		return fmt.Errorf("invalid config: api.max_body_bytes: must be positive")
	}
	if c.API.MaxLargeBodies <= 0 {
		return fmt.Errorf("invalid config: api.max_large_bodies: must be positive")
	}
	for _, t := range []struct {
		key string
		d   Duration
	}{{"api.read_timeout", c.API.ReadTimeout}, {"api.write_timeout", c.API.WriteTimeout}, {"api.idle_timeout", c.API.IdleTimeout}} {
		if t.d <= 0 {
			return fmt.Errorf("invalid config: %s: must be positive", t.key)
		}
	}
	for i, o := range c.API.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			return fmt.Errorf("invalid config: api.cors_origins[%d]: %q: %v", i, o, err)
		}
	}
	for i, k := range c.Auth.Keys {
		if k.KID == "" {
			return fmt.Errorf("invalid config: auth.keys[%d].kid: required", i)
		}
		if k.Alg != "EdDSA" && k.Alg != "RS256" {
			return fmt.Errorf("invalid config: auth.keys[%d].alg: %q: want EdDSA or RS256", i, k.Alg)
		}
		if k.PublicKey == "" && k.PrivateKey == "" {
			return fmt.Errorf("invalid config: auth.keys[%d].public_key: required", i)
		}
	}
	if l := c.Metrics.Listen; l != "" {
		if err := checkHostPort(l); err != nil {
			return fmt.Errorf("invalid config: metrics.listen: %q: %v", l, err)
		}
	}
	if tok := c.Metrics.Token; tok != "" && len(tok) < 16 {
		return fmt.Errorf("invalid config: metrics.token: at least 16 characters")
	}
	if c.Auth.MaxTTL <= 0 {
		return fmt.Errorf("invalid config: auth.max_ttl: must be positive")
	}
	if c.Auth.Secret != "" && len(c.Auth.Secret) < 32 {
		return fmt.Errorf("invalid config: auth.hs256_secret: must be at least 32 characters")
	}
	return nil
}

// checkOrigin accepts an exact web origin: scheme://host[:port], lower
// case, http or https, nothing after the host.
func checkOrigin(o string) error {
	if strings.Contains(o, "*") {
		return errors.New("no wildcards: list each origin, like https://webmail.example.com")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return errors.New("want an origin like https://webmail.example.com")
	}
	if canonical := u.Scheme + "://" + strings.ToLower(u.Host); o != canonical {
		return fmt.Errorf("want the origin alone, in lower case: %q", canonical)
	}
	return nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want HOST:PORT")
	}
	_ = host
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

// validateServices checks services: against the probes defined, and the
// sla: keys.
func (c Config) validateServices() error {
	kinds := map[string]string{}
	for _, p := range c.Probes {
		kinds[p.Name] = p.Kind
	}
	seen := map[string]bool{}
	for i, sv := range c.Services {
		if seen[sv.Name] {
			return fmt.Errorf("invalid config: services[%d].name: %q is used twice", i, sv.Name)
		}
		seen[sv.Name] = true
		for _, p := range sv.Probes {
			switch kind, ok := kinds[p]; {
			case !ok:
				return fmt.Errorf("invalid config: services[%d].probes: %q is not one of the probes (probes: names them)", i, p)
			case kind == probe.DNSBL:
				return fmt.Errorf("invalid config: services[%d].probes: %q is a dnsbl probe: blocklist listings are not availability (see sla blacklist)", i, p)
			}
		}
		if err := (sla.MailService{Name: sv.Name, Targets: sv.Probes, DownWhen: sv.DownWhen, Failures: sv.Failures}).Validate(); err != nil {
			return fmt.Errorf("invalid config: services[%d]: %v", i, err)
		}
	}
	switch {
	case c.SLA.UnknownCountsAs != "up" && c.SLA.UnknownCountsAs != "down":
		return fmt.Errorf("invalid config: sla.unknown_counts_as: %q: want up or down", c.SLA.UnknownCountsAs)
	case c.SLA.MinimumOutage < 0:
		return fmt.Errorf("invalid config: sla.minimum_outage: must not be negative")
	case c.SLA.MaintenanceNotice < 0:
		return fmt.Errorf("invalid config: sla.maintenance_notice: must not be negative")
	case c.SLA.MaintenanceCap < 0:
		return fmt.Errorf("invalid config: sla.maintenance_cap: must not be negative")
	case c.SLA.CheckRetention < 0:
		return fmt.Errorf("invalid config: sla.check_retention: must not be negative")
	}
	return nil
}

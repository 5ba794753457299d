package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/openapi"
	"github.com/mailmeter/mailmeter/policy"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/sla"
)

// Health is what readiness needs to know about the database.
type Health interface {
	Ping(ctx context.Context) error
	// Pending returns the number of migrations not yet applied.
	Pending(ctx context.Context) (int, error)
	// PendingDeadLetters counts the usage records the database refused
	// that wait for a replay (see metering.DeadLetterStore): /readyz is
	// degraded while some wait.
	PendingDeadLetters(ctx context.Context) (int64, error)
}

// DefaultMaxBodyBytes bounds request bodies when Deps.MaxBodyBytes is 0;
// DefaultMaxIngestBytes those of POST /v1/ingest (a collector catching up
// pushes batches of tens of thousands of lines' usage).
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxIngestBytes = 32 << 20
)

// Deps are the parts the API serves from: the domain services, the
// database's health and the server's settings (handlers reach no store).
// Log, Health and Auth are required for the /v1 routes, as are the
// services they use.
type Deps struct {
	Log          *slog.Logger
	Health       Health
	Now          func() time.Time // default time.Now
	Auth         *Verifier
	Directory    *directory.Service
	Quota        *quota.Service
	Reports      *quota.Reports
	Ingest       *metering.Ingester
	Policy       *policy.Decider // GET /v1/quota/check
	Billing      *billing.Runner // POST /v1/invoices/run
	Invoices     *billing.Invoices
	Plans        *billing.Catalog  // /v1/plans
	SLA          *sla.Service      // /v1/sla/…
	Blacklists   *probe.Blacklists // GET /v1/sla/blacklists
	MaxBodyBytes int64             // default DefaultMaxBodyBytes
	// MaxIngestBytes bounds POST /v1/ingest bodies; default
	// DefaultMaxIngestBytes.
	MaxIngestBytes int64
	Registry       *prometheus.Registry // /metrics; nil = a new registry

	// Revocations are the revoked token ids authentication denies, and
	// what DELETE /v1/tokens/{jti} adds to; nil = none.
	Revocations *Revocations
	// MaxLargeBodies bounds the large bodies (over MaxBodyBytes) read at
	// once; default DefaultMaxLargeBodies.
	MaxLargeBodies int
	// Timeouts are the server's (NewServer); routes that need more than
	// Write extend it. Zero values take DefaultTimeouts.
	Timeouts Timeouts
	// MetricsToken, if set, is the bearer token /metrics requires.
	MetricsToken string
	// SeparateMetrics leaves /metrics to a listener of its own
	// (MetricsHandler): the router answers it 404.
	SeparateMetrics bool
	// The console's data (GET /v1/traffic, /v1/quotas, /v1/collectors …).
	Trends     *quota.Trends
	Overview   *quota.Overview
	Collectors *collect.Health
	// Console serves the web console (/ui/) and the quota widget
	// (/embed/); nil = not mounted.
	Console http.Handler
	// CORSOrigins are the exact origins browsers may call the API from.
	CORSOrigins []string
}

// app holds the dependencies the handlers use.
type app struct {
	Deps
	auth    *Verifier
	log     *slog.Logger
	metrics *httpMetrics
	large   chan struct{} // one slot per large body being read
}

// NewRouter builds the HTTP handler: /healthz, /readyz, /metrics,
// /openapi.yaml and, behind bearer-token authentication, the /v1 API.
func NewRouter(d Deps) *gin.Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.MaxIngestBytes <= 0 {
		d.MaxIngestBytes = DefaultMaxIngestBytes
	}
	if d.MaxLargeBodies <= 0 {
		d.MaxLargeBodies = DefaultMaxLargeBodies
	}
	d.Timeouts = d.Timeouts.orDefaults()
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	a := &app{Deps: d, auth: d.Auth, log: d.Log, metrics: newHTTPMetrics(d.Registry), large: make(chan struct{}, d.MaxLargeBodies)}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(a.recover, a.observe, a.cors(d.CORSOrigins), a.limitBody)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.readyz)
	if !d.SeparateMetrics {
		r.GET("/metrics", gin.WrapH(MetricsHandler(d.Registry, d.MetricsToken)))
	}
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openapi.Spec) })
	if d.Console != nil {
		mountConsole(r, d.Console)
	}
	if d.Auth != nil {
		a.routes(r.Group("/v1", a.authenticate, a.checkText))
	}
	r.NoRoute(func(c *gin.Context) {
		a.fail(c, metering.Errorf(metering.NotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	return r
}

func (a *app) routes(v1 *gin.RouterGroup) {
	admin, tenant := roles(RoleAdmin), roles(RoleAdmin, RoleCustomer)
	own, quotaReaders := roles(RoleAdmin, RoleCustomer, RoleMailbox), roles(RoleAdmin, RoleCustomer, RoleMailbox, RoleService)
	ingest := roles(RoleAdmin, RoleService)

	v1.POST("/customers", a.allow(admin), a.createCustomer)
	v1.GET("/customers", a.allow(tenant), a.listCustomers)
	v1.GET("/customers/:id", a.allow(tenant), a.getCustomer)
	v1.PATCH("/customers/:id", a.allow(admin), a.updateCustomer)
	v1.DELETE("/customers/:id", a.allow(admin), a.removeCustomer)
	v1.GET("/customers/:id/usage", a.allow(tenant), a.customerUsage)
	v1.GET("/customers/:id/invoice-preview", a.allow(tenant), a.invoicePreview)

	v1.POST("/domains", a.allow(admin), a.createDomain)
	v1.GET("/domains", a.allow(tenant), a.listDomains)
	v1.GET("/domains/:domain", a.allow(tenant), a.getDomain)
	v1.PATCH("/domains/:domain", a.allow(admin), a.updateDomain)
	v1.DELETE("/domains/:domain", a.allow(admin), a.removeDomain)
	v1.GET("/domains/:domain/usage", a.allow(tenant), a.domainUsage)

	v1.POST("/mailboxes", a.allow(admin), a.createMailbox)
	v1.GET("/mailboxes", a.allow(tenant), a.listMailboxes)
	v1.GET("/mailboxes/:address", a.allow(own), a.getMailbox)
	v1.DELETE("/mailboxes/:address", a.allow(admin), a.removeMailbox)
	v1.GET("/mailboxes/:address/usage", a.allow(own), a.mailboxUsage)
	v1.GET("/mailboxes/:address/quota", a.allow(quotaReaders), a.mailboxQuota)
	v1.GET("/mailboxes/:address/limits", a.allow(admin), a.getLimits)
	v1.PUT("/mailboxes/:address/limits", a.allow(admin), a.putLimits)
	v1.DELETE("/mailboxes/:address/limits", a.allow(admin), a.deleteLimits)
	v1.GET("/plans", a.allow(admin), a.listPlans)
	v1.POST("/plans", a.allow(admin), a.createPlan)
	v1.GET("/plans/:plan", a.allow(tenant), a.getPlan)
	v1.PUT("/plans/:plan", a.allow(admin), a.putPlan)
	v1.GET("/plans/:plan/limits", a.allow(admin), a.getPlanLimits)
	v1.PUT("/plans/:plan/limits", a.allow(admin), a.putPlanLimits)

	v1.GET("/invoices", a.allow(tenant), a.listInvoices)
	v1.GET("/invoices/:id", a.allow(tenant), a.getInvoice)
	v1.POST("/invoices/run", a.allow(admin), a.runInvoices)
	v1.POST("/invoices/:id/finalize", a.allow(admin), a.finalizeInvoice)
	v1.POST("/invoices/:id/credit-notes", a.allow(admin), a.creditInvoice)

	v1.GET("/usage/unknown", a.allow(admin), a.unknownUsage)
	v1.GET("/latency", a.allow(tenant), a.latency)
	v1.GET("/availability", a.allow(tenant), a.availability)
	v1.GET("/sla/blacklists", a.allow(admin), a.blacklists)
	v1.GET("/quota/check", a.allow(ingest), a.quotaCheck)

	v1.POST("/ingest", a.allow(ingest), a.admitLargeBody, a.ingest)
	v1.DELETE("/tokens/:jti", a.allow(admin), a.revokeToken)
	v1.GET("/ingest/sources/*source", a.allow(ingest), a.sourceCheckpoint)
	a.slaRoutes(v1)
	a.consoleRoutes(v1, admin, tenant)
}

func (a *app) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := a.Health.Ping(ctx); err != nil {
		a.fail(c, err)
		return
	}
	n, err := a.Health.Pending(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	if n > 0 {
		k := kinds[metering.Unavailable]
		renderProblem(c, Problem{Type: ProblemBase + string(metering.Unavailable), Title: k.title, Status: k.status,
			Detail: fmt.Sprintf("%d database migrations pending; run mailmeter migrate up", n), Instance: c.Request.URL.Path})
		return
	}
	a.readyOrDegraded(ctx, c)
}

// readyOrDegraded answers a reachable, migrated database: ready, or
// degraded (still 200: the service works and keeps metering) while dead
// letters wait for an operator.
func (a *app) readyOrDegraded(ctx context.Context, c *gin.Context) {
	dead, err := a.Health.PendingDeadLetters(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	if dead == 0 {
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "degraded", "dead_letters": dead,
		"detail": fmt.Sprintf("%d usage records the database refused wait as dead letters: mailmeter deadletter list", dead)})
}

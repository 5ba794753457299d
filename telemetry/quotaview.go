package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NewQuotaViewAge returns mailmeter_quota_view_age_seconds: seconds since
// the quota view the API and the policy server answer from was last
// reloaded from the database (refreshedAt; zero before the first reload
// reads as the age of the process's clock since 1970, i.e. stale).
func NewQuotaViewAge(refreshedAt, now func() time.Time) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mailmeter_quota_view_age_seconds",
		Help: "Seconds since the quota view was last reloaded from the database."},
		func() float64 { return now().Sub(refreshedAt()).Seconds() })
}

package api

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves reg (nil: the default gatherer) in the Prometheus
// text format. With a token, only requests bearing it
// (Authorization: Bearer TOKEN, compared in constant time) are answered;
// others get a 401 problem.
func MetricsHandler(reg prometheus.Gatherer, token string) http.Handler {
	if reg == nil {
		reg = prometheus.DefaultGatherer
	}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mailmeter metrics"`)
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(Problem{Type: ProblemBase + "unauthorized", Title: "Unauthorized", Status: http.StatusUnauthorized,
				Detail: "/metrics takes the metrics token (metrics.token)", Instance: r.URL.Path})
			return
		}
		h.ServeHTTP(w, r)
	})
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/internal/nagios"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/webhook"
)

// checkLag reads mailmeter_log_lag_seconds (and …_bytes) from a collector's
// /metrics and judges the worst source.
func checkLag(ctx context.Context, e env, o checkOptions) (nagios.Result, error) {
	body, err := get2xx(ctx, o.metrics, e.getenv("MAILMETER_METRICS_TOKEN"))
	if err != nil {
		return nagios.Result{}, err
	}
	secs := metricValues(body, "mailmeter_log_lag_seconds")
	lagBytes := metricValues(body, "mailmeter_log_lag_bytes")
	if len(secs) == 0 {
		return nagios.Result{}, fmt.Errorf("%s shows no mailmeter_log_lag_seconds: no log source has read a line yet (logs: configured?)", redactQuery(o.metrics))
	}
	worst, worstSrc := math.Inf(-1), ""
	for src, v := range secs {
		if v > worst {
			worst, worstSrc = v, src
		}
	}
	var totalBytes float64
	for _, v := range lagBytes {
		totalBytes += v
	}
	st := o.t.Status(worst)
	text := fmt.Sprintf("newest line read %s behind the newest written (%s; %d sources), %s unread", humanDuration(worst), worstSrc, len(secs), humanBytes(int64(totalBytes)))
	return nagios.Result{Status: st, Text: text, Perf: []nagios.Perf{
		{Label: "lag", Value: round3(worst), UOM: "s", T: o.t, Min: "0"},
		{Label: "lag_bytes", Value: totalBytes, UOM: "B", Min: "0"}}}, nil
}

// metricValues returns the values of one metric in Prometheus text format,
// keyed by the series' labels.
func metricValues(body []byte, name string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		labels := ""
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndex(rest, "}")
			if end < 0 {
				continue
			}
			labels, rest = rest[1:end], rest[end+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			out[labels] = v
		}
	}
	return out
}

// checkProbes judges the worst probe's availability over the window.
func checkProbes(ctx context.Context, e env, o checkOptions) (nagios.Result, error) {
	from, to := o.now.Add(-o.window), o.now
	var probes []metering.ProbeAvailability
	if o.api != "" {
		var out struct {
			Probes []struct {
				Probe             string
				Checks, Successes int64
			}
		}
		q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		if err := getJSON(ctx, apiURL(o.api, "/v1/availability", q), e.getenv("MAILMETER_TOKEN"), &out); err != nil {
			return nagios.Result{}, err
		}
		for _, p := range out.Probes {
			probes = append(probes, metering.ProbeAvailability{Probe: p.Probe, Attempts: p.Checks, Successes: p.Successes})
		}
	} else {
		err := readStore(ctx, e, o.f, func(s *store.Store) error {
			rep, err := quota.NewReports(s, s, s, func() time.Time { return o.now }).Availability(ctx, from, to)
			probes = rep.Probes
			return err
		})
		if err != nil {
			return nagios.Result{}, err
		}
	}
	return judgeProbes(probes, o)
}

func judgeProbes(probes []metering.ProbeAvailability, o checkOptions) (nagios.Result, error) {
	sort.Slice(probes, func(i, j int) bool { return probes[i].Probe < probes[j].Probe })
	r := nagios.Result{Status: nagios.OK}
	var bad []string
	checked := 0
	for _, p := range probes {
		if p.Attempts == 0 {
			continue
		}
		checked++
		pct := round3(100 * p.Share())
		st := o.t.Status(pct)
		r.Status = nagios.Worse(r.Status, st)
		if st != nagios.OK {
			bad = append(bad, fmt.Sprintf("%s %g%% (%d of %d checks)", p.Probe, pct, p.Successes, p.Attempts))
		}
		r.Perf = append(r.Perf, nagios.Perf{Label: p.Probe, Value: pct, UOM: "%", T: o.t, Min: "0", Max: "100"})
	}
	if checked == 0 {
		return r, fmt.Errorf("no probe checked in the last %s (probes: configured, serve or collect running?)", o.window)
	}
	r.Text = fmt.Sprintf("%d probes available over the last %s", checked, o.window)
	if len(bad) > 0 {
		r.Text = strings.Join(bad, ", ") + fmt.Sprintf(" over the last %s", o.window)
	}
	return r, nil
}

// checkQuota judges a mailbox's fullest meter, through the API.
func checkQuota(ctx context.Context, e env, o checkOptions) (nagios.Result, error) {
	if o.mailbox == "" {
		return nagios.Result{}, fmt.Errorf("--mailbox ADDRESS is required")
	}
	if o.api == "" {
		return nagios.Result{}, fmt.Errorf("--api URL is required: the quota view lives in serve (token in MAILMETER_TOKEN, a service token will do)")
	}
	type meter struct {
		Percent float64
		Status  string
	}
	var q struct {
		Mailbox                                    string
		Storage, Messages, Outbound, OutboundMonth meter
		UpdatedAt                                  string `json:"updated_at"`
	}
	if err := getJSON(ctx, apiURL(o.api, "/v1/mailboxes/"+url.PathEscape(o.mailbox)+"/quota", nil), e.getenv("MAILMETER_TOKEN"), &q); err != nil {
		return nagios.Result{}, err
	}
	meters := []struct {
		name string
		m    meter
	}{{"storage", q.Storage}, {"messages", q.Messages}, {"outbound", q.Outbound}, {"outbound_month", q.OutboundMonth}}
	r := nagios.Result{Status: nagios.OK}
	worst, worstName := -1.0, ""
	for _, m := range meters {
		r.Status = nagios.Worse(r.Status, o.t.Status(m.m.Percent))
		if m.m.Percent > worst {
			worst, worstName = m.m.Percent, m.name
		}
		r.Perf = append(r.Perf, nagios.Perf{Label: m.name, Value: m.m.Percent, UOM: "%", T: o.t, Min: "0"})
	}
	r.Text = fmt.Sprintf("%s: %s at %g%% of its limit", q.Mailbox, worstName, worst)
	if updated, err := time.Parse(time.RFC3339, q.UpdatedAt); err == nil {
		age := o.now.Sub(updated)
		r.Perf = append(r.Perf, nagios.Perf{Label: "view_age", Value: round3(max(age.Seconds(), 0)), UOM: "s", Min: "0"})
		if age > o.maxAge {
			r.Status = nagios.Worse(r.Status, nagios.Warning)
			r.Text += fmt.Sprintf("; the quota view is stale: updated %s ago (--max-age %s)", humanDuration(age.Seconds()), o.maxAge)
		}
	}
	return r, nil
}

// checkWebhooks judges the webhook outbox: the oldest undelivered event's
// age, and events given up within the window.
func checkWebhooks(ctx context.Context, e env, o checkOptions) (nagios.Result, error) {
	if o.api != "" {
		return nagios.Result{}, fmt.Errorf("webhooks reads the database (--db, --config): the API does not show the outbox")
	}
	var st webhook.Stats
	err := readStore(ctx, e, o.f, func(s *store.Store) error {
		var err error
		st, err = webhook.StatsReader(s).OutboxStats(ctx, o.now, o.now.Add(-o.window))
		return err
	})
	if err != nil {
		return nagios.Result{}, err
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = round3(max(o.now.Sub(st.OldestPending).Seconds(), 0))
	}
	r := nagios.Result{Status: o.t.Status(age), Perf: []nagios.Perf{
		{Label: "oldest_pending", Value: age, UOM: "s", T: o.t, Min: "0"},
		{Label: "pending", Value: float64(st.Pending), Min: "0"},
		{Label: "given_up", Value: float64(st.GivenUp), Min: "0"}}}
	r.Text = fmt.Sprintf("%d events pending", st.Pending)
	if st.Pending > 0 {
		r.Text += fmt.Sprintf(", the oldest for %s", humanDuration(age))
	}
	if st.GivenUp > 0 {
		r.Status = nagios.Critical
		r.Text = fmt.Sprintf("%d events given up in the last %s (their receiver never answered 2xx); ", st.GivenUp, o.window) + r.Text
	}
	return r, nil
}

// checkDeadLetters judges the number of dead letters waiting for a replay.
func checkDeadLetters(ctx context.Context, e env, o checkOptions) (nagios.Result, error) {
	var n int
	if o.api != "" {
		var ready struct {
			Status      string
			DeadLetters int `json:"dead_letters"`
		}
		if err := getJSON(ctx, apiURL(o.api, "/readyz", nil), "", &ready); err != nil {
			return nagios.Result{}, err
		}
		n = ready.DeadLetters
	} else {
		err := readStore(ctx, e, o.f, func(s *store.Store) error {
			ds, err := s.DeadLetters(ctx, true)
			n = len(ds)
			return err
		})
		if err != nil {
			return nagios.Result{}, err
		}
	}
	text := "no dead letters"
	if n > 0 {
		text = fmt.Sprintf("%d dead letters wait: usage not counted until mailmeter deadletter replay", n)
	}
	return nagios.Result{Status: o.t.Status(float64(n)), Text: text,
		Perf: []nagios.Perf{{Label: "deadletters", Value: float64(n), T: o.t, Min: "0"}}}, nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// readStore opens the database for a check: never migrated (a monitoring
// check changes nothing; an outdated schema is an error, so UNKNOWN).
func readStore(ctx context.Context, e env, f *cmdFlags, fn func(*store.Store) error) error {
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log, false)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/internal/nagios"
)

const checkUsage = "usage: mailmeter check lag|probes|quota|webhooks|deadletters [-w RANGE] [-c RANGE] [flags]"

// exitStatus ends the process with a status of its own: check's plugin
// statuses (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// checkSpec is one check: its service name, default thresholds and how it
// measures.
type checkSpec struct {
	service    string
	warn, crit string
	about      string
	measure    func(ctx context.Context, e env, o checkOptions) (nagios.Result, error)
}

func checkSpecs() map[string]checkSpec {
	return map[string]checkSpec{
		"lag": {"MAILMETER LAG", "120", "600",
			"seconds since the newest log line read, the worst source (collector /metrics: --metrics URL)", checkLag},
		"probes": {"MAILMETER PROBES", "99.9:", "99:",
			"availability in percent of each probe over --window, the worst one (--api URL, or the database)", checkProbes},
		"quota": {"MAILMETER QUOTA", "80", "95",
			"percent of --mailbox's tightest limit used; WARNING when the quota view is older than --max-age (--api URL)", checkQuota},
		"webhooks": {"MAILMETER WEBHOOKS", "600", "3600",
			"age in seconds of the oldest undelivered webhook event; CRITICAL if any was given up within --window (the database)", checkWebhooks},
		"deadletters": {"MAILMETER DEADLETTERS", "0", "100",
			"dead letters waiting for a replay (--api URL: its /readyz, or the database)", checkDeadLetters},
	}
}

// checkOptions are the flags every check takes.
type checkOptions struct {
	f              *cmdFlags
	t              nagios.Thresholds
	api, metrics   string
	mailbox        string
	window, maxAge time.Duration
	timeout        time.Duration
	now            time.Time
}

// runCheck is a Nagios/Icinga plugin: one status line with performance
// data, and the plugin exit status.
func runCheck(ctx context.Context, e env, args []string) error {
	specs := checkSpecs()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printCheckHelp(e.stdout, specs)
		if len(args) == 0 {
			fmt.Fprintf(e.stdout, "MAILMETER CHECK UNKNOWN - no check named\n")
			return exitStatus(nagios.Unknown)
		}
		return errHelp
	}
	spec, ok := specs[args[0]]
	if !ok {
		fmt.Fprintf(e.stdout, "MAILMETER CHECK UNKNOWN - unknown check %q; want lag, probes, quota, webhooks or deadletters\n", args[0])
		return exitStatus(nagios.Unknown)
	}
	o, err := parseCheckFlags(e, args[0], args[1:], spec)
	if err != nil {
		if err == errHelp {
			return err
		}
		return report(e, nagios.Result{Service: spec.service, Status: nagios.Unknown, Text: err.Error()})
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	r, err := spec.measure(ctx, e, o)
	r.Service = spec.service
	if err != nil {
		r.Status, r.Text = nagios.Unknown, err.Error()
	}
	return report(e, r)
}

func report(e env, r nagios.Result) error {
	fmt.Fprintln(e.stdout, r.Line())
	if r.Status == nagios.OK {
		return nil
	}
	return exitStatus(r.Status)
}

func parseCheckFlags(e env, name string, args []string, spec checkSpec) (checkOptions, error) {
	o := checkOptions{f: newFlags("check "+name, "check "+name+" [-w RANGE] [-c RANGE] [flags]", e), now: time.Now().UTC()}
	warn := o.f.String("w", spec.warn, "warning threshold (Nagios range: 10, 10:, ~:10, 10:20, @10:20)")
	crit := o.f.String("c", spec.crit, "critical threshold")
	o.f.StringVar(&o.api, "api", e.getenv("MAILMETER_API_URL"), "base URL of a mailmeter API (token in MAILMETER_TOKEN); default: the database")
	o.f.StringVar(&o.metrics, "metrics", "http://127.0.0.1:9154/metrics", "lag: the collector's /metrics (token in MAILMETER_METRICS_TOKEN)")
	o.f.StringVar(&o.mailbox, "mailbox", "", "quota: the mailbox to check")
	o.f.DurationVar(&o.window, "window", time.Hour, "probes: the availability window; webhooks: given-up events this recent (default 1h; 24h for webhooks)")
	o.f.DurationVar(&o.maxAge, "max-age", 5*time.Minute, "quota: the oldest quota view that is not stale")
	o.f.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up (UNKNOWN) after this long")
	if name == "webhooks" {
		o.window = 24 * time.Hour
	}
	if _, err := o.f.parse(e, args, 0, 0); err != nil {
		if err == errHelp {
			fmt.Fprintf(e.stdout, "\n%s: %s\n", name, spec.about)
		}
		return o, err
	}
	var err error
	if o.t.Warn, err = nagios.ParseRange(*warn); err != nil {
		return o, fmt.Errorf("-w: %v", err)
	}
	if o.t.Crit, err = nagios.ParseRange(*crit); err != nil {
		return o, fmt.Errorf("-c: %v", err)
	}
	return o, nil
}

func printCheckHelp(w io.Writer, specs map[string]checkSpec) {
	fmt.Fprintln(w, checkUsage)
	fmt.Fprintln(w, "\nA Nagios/Icinga plugin: one status line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
	for _, n := range []string{"lag", "probes", "quota", "webhooks", "deadletters"} {
		s := specs[n]
		fmt.Fprintf(w, "  %-12s %s (default -w %s -c %s)\n", n, s.about, s.warn, s.crit)
	}
	fmt.Fprintln(w, "\nRun mailmeter check NAME --help for the flags.")
}

// getJSON GETs u with a bearer token (if any) into v.
func getJSON(ctx context.Context, u, token string, v any) error {
	body, err := get2xx(ctx, u, token)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: not the JSON expected: %v", redactQuery(u), err)
	}
	return nil
}

func get2xx(ctx context.Context, u, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %v", redactQuery(u), err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", redactQuery(u), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", redactQuery(u), err)
	}
	if resp.StatusCode/100 != 2 {
		return body, fmt.Errorf("GET %s: %s", redactQuery(u), resp.Status)
	}
	return body, nil
}

// apiURL joins the API's base URL, a path and a query.
func apiURL(base, path string, q url.Values) string {
	u := strings.TrimRight(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func redactQuery(u string) string {
	before, _, _ := strings.Cut(u, "?")
	return before
}

package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

type trafficResp struct {
	Granularity string `json:"granularity"`
	Timezone    string `json:"timezone"`
	Scope       string `json:"scope"`
	Points      []struct {
		Start    time.Time        `json:"start"`
		Counters map[string]int64 `json:"counters"`
	} `json:"points"`
}

// The service's traffic sums every address per bucket, in the viewer's zone.
func TestTrafficAPI(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin := token(t, api.RoleAdmin, "ops")
	rec := e.do("GET", "/v1/traffic?granularity=day&from=2026-11-09T00:00:00Z&to=2026-11-11T00:00:00Z", admin, nil)
	tr := decode[trafficResp](t, rec)
	if len(tr.Points) != 2 || tr.Scope != "all" || tr.Timezone != "UTC" {
		t.Fatalf("traffic: %s", rec.Body.String())
	}
	// alice 24×100 in, bob 24×1000 out per day; on the 10th alice 700 out and carol 99999 out.
	if p := tr.Points[0].Counters; p["in_bytes"] != 2400 || p["out_bytes"] != 24000 {
		t.Errorf("9 Nov: %v", p)
	}
	if p := tr.Points[1].Counters; p["in_bytes"] != 2400 || p["out_bytes"] != 24000+700+99999 || p["out_recipients"] != 9 || len(p) != len(metering.CounterMetrics) {
		t.Errorf("10 Nov: %v", p)
	}
	rec = e.do("GET", "/v1/traffic?granularity=hour&from=2026-11-10T00:00:00Z&to=2026-11-10T03:00:00Z&tz=Asia/Kolkata", admin, nil)
	if tr := decode[trafficResp](t, rec); len(tr.Points) != 3 || tr.Timezone != "Asia/Kolkata" || tr.Points[2].Counters["in_bytes"] != 100 {
		t.Errorf("hourly: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/traffic?granularity=day&from=2026-11-09T00:00:00Z&to=2026-11-11T00:00:00Z&tz=Asia/Kolkata", admin, nil)
	if tr := decode[trafficResp](t, rec); len(tr.Points) != 3 || !tr.Points[0].Start.Equal(time.Date(2026, 11, 8, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("days begin at midnight in Kolkata: %s", rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/traffic?granularity=week", admin, nil), 400, "invalid", "granularity")
	problem(t, e.do("GET", "/v1/traffic?scope=everyone", admin, nil), 400, "invalid", "scope")
	problem(t, e.do("GET", "/v1/traffic?tz=Nowhere/City", admin, nil), 400, "invalid", "tz")
	problem(t, e.do("GET", "/v1/traffic?from=yesterday", admin, nil), 400, "invalid", "from")
}

func TestLatencySeriesAPI(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	cust := token(t, api.RoleCustomer, "acme")
	rec := e.do("GET", "/v1/latency/series?domain=acme.example&from=2026-11-10T11:00:00Z&to=2026-11-10T14:00:00Z", cust, nil)
	s := decode[latencySeriesResp](t, rec)
	if len(s.Points) != 3 || len(s.Points[0].Directions) != 0 || s.TargetMs != 60000 {
		t.Fatalf("latency series: %s", rec.Body.String())
	}
	in := s.Points[1].Directions["inbound"]
	if in.Count != 2 || in.WithinTarget != 0.5 || in.P50Ms < 2000 || in.P50Ms > 2400 || in.P99Ms < 90000 {
		t.Errorf("12:00 inbound: %+v (2 s and 90 s: half within 60 s)", in)
	}
	problem(t, e.do("GET", "/v1/latency/series", cust, nil), 403, "forbidden", "")
	problem(t, e.do("GET", "/v1/latency/series?domain=globex.example", cust, nil), 404, "not_found", "")
}

func TestTopMailboxesAPI(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin := token(t, api.RoleAdmin, "ops")
	top := decode[topResp](t, e.do("GET", "/v1/usage/top?from=2026-11-01T00:00:00Z", admin, nil))
	if top.Metric != "out_bytes" || len(top.Mailboxes) != 3 || top.Mailboxes[0].Mailbox != "carol@globex.example" || top.Mailboxes[1].Mailbox != "bob@acme.example" {
		t.Errorf("top senders: %+v", top)
	}
	rec := e.do("GET", "/v1/usage/top?metric=in_bytes&limit=5", admin, nil)
	if !strings.Contains(rec.Body.String(), `"mailboxes":[{"mailbox":"alice@acme.example"`) || strings.Contains(rec.Body.String(), "bob@") {
		t.Errorf("top receivers (only alice received): %s", rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/usage/top?metric=storage_bytes", admin, nil), 400, "invalid", "metric")
	problem(t, e.do("GET", "/v1/usage/top?limit=101", admin, nil), 400, "invalid", "limit")
}

type quotaTableResp struct {
	Customer string `json:"customer"`
	Sort     string `json:"sort"`
	Order    string `json:"order"`
	Total    int    `json:"total"`
	Fill     struct {
		Mailboxes int   `json:"mailboxes"`
		Limited   int   `json:"limited"`
		Over80    int   `json:"over_80"`
		Over90    int   `json:"over_90"`
		Over100   int   `json:"over_100"`
		Deciles   []int `json:"deciles"`
	} `json:"fill"`
	Mailboxes []struct {
		Mailbox string `json:"mailbox"`
		Domain  string `json:"domain"`
		Quota   struct {
			Storage struct {
				UsedBytes int64   `json:"used_bytes"`
				Percent   float64 `json:"percent"`
				Status    string  `json:"status"`
			} `json:"storage"`
		} `json:"quota"`
		Usage map[string]int64 `json:"usage"`
	} `json:"mailboxes"`
	NextCursor string `json:"next_cursor"`
}

// The mailbox table (usage up to now, 12:30: 37 hours of alice's 100 bytes): a customer's own mailboxes with quota bars and usage,
// sorted by any column, paged, and the fill of the whole selection.
func TestQuotaTableAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		seedUsage(t, e)
		admin, cust := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
		if rec := e.do("PUT", "/v1/mailboxes/alice@acme.example/limits", admin, `{"storage_hard_bytes":1000000}`); rec.Code != 200 {
			t.Fatal(rec.Body.String())
		}
		if rec := e.do("PUT", "/v1/mailboxes/carol@globex.example/limits", admin, `{"storage_hard_bytes":5000}`); rec.Code != 200 {
			t.Fatal(rec.Body.String())
		}
		rec := e.do("GET", "/v1/quotas?sort=-storage_percent&from=2026-11-01T00:00:00Z", cust, nil)
		q := decode[quotaTableResp](t, rec)
		if q.Customer != "acme" || q.Total != 2 || len(q.Mailboxes) != 2 || q.Mailboxes[0].Mailbox != "alice@acme.example" || q.Order != "desc" {
			t.Fatalf("acme's table: %s", rec.Body.String())
		}
		alice := q.Mailboxes[0]
		if alice.Quota.Storage.UsedBytes != 900<<10 || alice.Quota.Storage.Percent != 92.2 || alice.Usage["in_bytes"] != 3700 || alice.Usage["out_bytes"] != 700 {
			t.Errorf("alice: %+v", alice)
		}
		if q.Fill.Mailboxes != 2 || q.Fill.Limited != 1 || q.Fill.Over80 != 1 || q.Fill.Over90 != 1 || q.Fill.Over100 != 0 || q.Fill.Deciles[9] != 1 {
			t.Errorf("fill: %+v", q.Fill)
		}
		if strings.Contains(rec.Body.String(), "globex") {
			t.Errorf("a customer's table leaks another tenant: %s", rec.Body.String())
		}
		page1 := decode[quotaTableResp](t, e.do("GET", "/v1/quotas?sort=out_bytes&order=desc&limit=1&from=2026-11-01T00:00:00Z", admin, nil))
		if page1.Total != 3 || len(page1.Mailboxes) != 1 || page1.Mailboxes[0].Mailbox != "carol@globex.example" || page1.NextCursor == "" || page1.Fill.Over100 != 0 {
			t.Fatalf("admin page 1: %+v", page1)
		}
		page2 := decode[quotaTableResp](t, e.do("GET", "/v1/quotas?sort=out_bytes&order=desc&limit=1&from=2026-11-01T00:00:00Z&cursor="+page1.NextCursor, admin, nil))
		if len(page2.Mailboxes) != 1 || page2.Mailboxes[0].Mailbox != "bob@acme.example" {
			t.Errorf("admin page 2: %+v", page2)
		}
		if q := decode[quotaTableResp](t, e.do("GET", "/v1/quotas?search=BO", cust, nil)); q.Total != 1 || q.Mailboxes[0].Mailbox != "bob@acme.example" {
			t.Errorf("search: %+v", q)
		}
		if q := decode[quotaTableResp](t, e.do("GET", "/v1/quotas?domain=globex.example", admin, nil)); q.Total != 1 || q.Fill.Limited != 1 {
			t.Errorf("admin, globex's domain: %+v", q)
		}
		problem(t, e.do("GET", "/v1/quotas?customer=globex", cust, nil), 404, "not_found", "")
		problem(t, e.do("GET", "/v1/quotas?domain=globex.example", cust, nil), 404, "not_found", "")
		problem(t, e.do("GET", "/v1/quotas?customer=nobody", admin, nil), 404, "not_found", "")
		problem(t, e.do("GET", "/v1/quotas?sort=price", cust, nil), 400, "invalid", "sort")
		problem(t, e.do("GET", "/v1/quotas?limit=0", cust, nil), 400, "invalid", "limit")
		problem(t, e.do("GET", "/v1/quotas?cursor=!!", cust, nil), 400, "invalid", "cursor")
	})
}

func TestEstimatesAPI(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin, cust := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
	e.do("PATCH", "/v1/customers/acme", admin, `{"plan":"standard"}`)
	rec := e.do("GET", "/v1/estimates", admin, nil)
	out := decode[estimatesResp](t, rec)
	if len(out.Estimates) != 2 || out.Estimates[0].Customer != "acme" || out.Estimates[0].Total <= 0 || out.Estimates[1].Skipped != "no plan" {
		t.Fatalf("estimates: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/estimates", cust, nil)
	if strings.Contains(rec.Body.String(), "globex") || !strings.Contains(rec.Body.String(), `"customer":"acme"`) {
		t.Errorf("a customer's estimates: %s", rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/estimates?customer=globex", cust, nil), 404, "not_found", "")
	problem(t, e.do("GET", "/v1/estimates?customer=nobody", admin, nil), 404, "not_found", "")
}

func TestCollectorsAPI(t *testing.T) {
	e := sqliteEnv(t)
	if err := e.store.Commit(context.Background(), metering.Batch{Checkpoint: &metering.Checkpoint{Source: "mx1:/var/log/mail.log", Seq: 1, Offset: 42}}); err != nil {
		t.Fatal(err)
	}
	rec := e.do("GET", "/v1/collectors", token(t, api.RoleAdmin, "ops"), nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"source":"mx1:/var/log/mail.log","seq":1,"offset":42`) {
		t.Errorf("collectors: %s", rec.Body.String())
	}
}

type latencySeriesResp struct {
	TargetMs int64 `json:"target_ms"`
	Points   []struct {
		Directions map[string]struct {
			Count        int64   `json:"count"`
			P50Ms        float64 `json:"p50_ms"`
			P99Ms        float64 `json:"p99_ms"`
			WithinTarget float64 `json:"within_target"`
		} `json:"directions"`
	} `json:"points"`
}

type topResp struct {
	Metric    string `json:"metric"`
	Mailboxes []struct {
		Mailbox string           `json:"mailbox"`
		Values  map[string]int64 `json:"values"`
	} `json:"mailboxes"`
}

type estimatesResp struct {
	Estimates []struct {
		Customer string `json:"customer"`
		Currency string `json:"currency"`
		Total    int64  `json:"total"`
		Skipped  string `json:"skipped"`
	} `json:"estimates"`
}

package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Dead letters waiting make the service degraded, not down: /readyz still
// answers 200 (the service works and keeps metering) and says how many.
func TestReadyzIsDegradedWithDeadLetters(t *testing.T) {
	e := sqliteEnv(t)
	ready := func() (int, map[string]any) {
		rec := e.do(http.MethodGet, "/readyz", "", nil)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("/readyz body %q: %v", rec.Body.String(), err)
		}
		return rec.Code, body
	}
	if code, body := ready(); code != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("/readyz without dead letters = %d %v", code, body)
	}
	letter := metering.DeadLetter{Source: "mx1:/var/log/mail.log", Error: "bigint out of range",
		Record: metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "bob@acme.example", Metric: metering.InBytes, Hour: t0.Truncate(time.Hour), Value: 10}}}}
	if err := e.store.Commit(context.Background(), metering.Batch{DeadLetters: []metering.DeadLetter{letter, letter}}); err != nil {
		t.Fatal(err)
	}
	code, body := ready()
	if code != http.StatusOK || body["status"] != "degraded" || body["dead_letters"] != float64(2) {
		t.Errorf("/readyz with 2 dead letters = %d %v, want 200 degraded with dead_letters 2", code, body)
	}
}

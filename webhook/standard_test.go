package webhook_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/mailmeter/mailmeter/store/storetest"
	"github.com/mailmeter/mailmeter/webhook"
)

// The Standard Webhooks specification's published test vector.
func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	key, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestParseSecret(t *testing.T) {
	if k, err := webhook.ParseSecret("a-plain-secret-of-some-length"); err != nil || string(k) != "a-plain-secret-of-some-length" {
		t.Errorf("plain secret: %q, %v", k, err)
	}
	for _, bad := range []string{"whsec_not base64!", "whsec_c2hvcnQ=", "short"} {
		if _, err := webhook.ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted", bad)
		}
	}
}

// A real delivery verifies with the Standard Webhooks reference library,
// for both forms of quota.webhook_secret: whsec_<base64> as it is, and a
// plain secret as whsec_ + base64 of its bytes. A retry keeps webhook-id.
func TestDeliveryVerifiesWithTheStandardWebhooksLibrary(t *testing.T) {
	s := storetest.SQLite(t)
	for _, c := range []struct{ configured, receiver string }{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"plain-secret-0123456789", "whsec_" + base64.StdEncoding.EncodeToString([]byte("plain-secret-0123456789"))},
	} {
		verifier, err := standardwebhooks.NewWebhook(c.receiver)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var ids []string
		var verr []error
		first := true
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			ids = append(ids, r.Header.Get("webhook-id"))
			verr = append(verr, verifier.Verify(body, r.Header))
			if first { // fail once: the retry must carry the same id
				first = false
				http.Error(w, "busy", http.StatusServiceUnavailable)
			}
		}))
		key, err := webhook.ParseSecret(c.configured)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		clk := &clock{t: now}
		snd := webhook.NewSender(srv.URL, key, s, slog.New(slog.DiscardHandler), func() time.Time { return clk.now() })
		queue(t, s, strings.ReplaceAll(c.configured[:8], "_", "-"), 1, now)
		snd.DeliverDue(t.Context())
		clk.add(webhook.Backoff(1) + time.Second)
		if d, _, err := snd.DeliverDue(t.Context()); d != 1 || err != nil {
			t.Fatalf("retry: delivered %d, %v", d, err)
		}
		srv.Close()
		if len(ids) != 2 || ids[0] != ids[1] || ids[0] == "" {
			t.Errorf("webhook-id of the attempts: %q, want one id twice", ids)
		}
		for i, err := range verr {
			if err != nil {
				t.Errorf("secret %q, attempt %d: the reference library refuses the delivery: %v", c.configured, i+1, err)
			}
		}
	}
}

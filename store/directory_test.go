package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/directory/directorytest"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

// seed gives the store the customer acme owning acme.example.
func seed(t *testing.T, svc *directory.Service) { directorytest.Seed(t, svc) }

// Eight goroutines writing at once must not see "database is locked".
func TestConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := directory.NewService(s, clock)
		seed(t, svc)
		var wg sync.WaitGroup
		errs := make(chan error, 8*40)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					if _, err := svc.AddMailbox(ctx, directory.MailboxInput{Address: fmt.Sprintf("u%d-%d@acme.example", g, i)}); err != nil {
						errs <- err
					}
					err := s.Commit(ctx, metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "shared@acme.example", Metric: metering.InMessages, Hour: t0, Value: 1}}})
					if err != nil {
						errs <- err
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		all, _ := s.ListMailboxes(ctx, directory.MailboxFilter{}, directory.Page{Limit: 1000})
		if len(all) != 160 {
			t.Errorf("mailboxes = %d, want 160", len(all))
		}
		tot, _ := s.Totals(ctx, metering.UsageQuery{From: t0, To: t0.Add(time.Hour)})
		if len(tot) != 1 || tot[0].Values[metering.InMessages] != 160 {
			t.Errorf("totals = %+v, want 160 in_messages", tot)
		}
	})
}

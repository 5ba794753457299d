package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// Commits of usage and limits by one process reach another process's
// ListenQuota (PostgreSQL LISTEN/NOTIFY); a rolled-back transaction sends
// nothing; a broken listening connection is re-established.
func TestListenQuota(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	writer, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	listener, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()

	changes := make(chan struct{}, 100)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- listener.ListenQuota(lctx, nil, func() { changes <- struct{}{} }) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("ListenQuota: %v", err)
		}
	}()
	expect := func(what string) {
		t.Helper()
		select {
		case <-changes:
		case <-time.After(5 * time.Second):
			t.Fatalf("no notification for %s within 5 s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-changes:
			t.Fatalf("notified for %s", what)
		case <-time.After(300 * time.Millisecond):
		}
	}
	expect("the connection") // once connected: changes may have been missed before
	quiet("nothing")

	h := metering.Hour(time.Now())
	batch := metering.Batch{Counters: []metering.CounterDelta{{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: h, Value: 5}}}
	if err := writer.Commit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	expect("a committed batch")

	tx, err := writer.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(ctx, batch); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	quiet("a rolled-back stream")

	tx, _ = writer.Begin(ctx)
	tx.Add(ctx, batch)
	if err := tx.Commit(ctx, &metering.Checkpoint{Source: "s", Seq: 1, Offset: 1}, nil); err != nil {
		t.Fatal(err)
	}
	expect("a committed stream")

	if err := writer.PutLimits(ctx, quota.Limits{Mailbox: "a@x.example", StorageHard: 10, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	expect("new limits")
	quiet("one change, one notification")

	// Kill the listening connection: it comes back (and says so), then
	// hears the next change.
	var killed int64
	if err := writer.KillListeners(ctx, &killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listening backends, %v", killed, err)
	}
	expect("the reconnection")
	if err := writer.Commit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	expect("a batch after the reconnection")
}

func TestListenQuotaSQLite(t *testing.T) {
	s := storetest.SQLite(t)
	if err := s.ListenQuota(context.Background(), nil, func() {}); !errors.Is(err, store.ErrNoNotifications) {
		t.Errorf("ListenQuota on SQLite = %v", err)
	}
}

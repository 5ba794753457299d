package tail_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestWatcherWakesOnWrite(t *testing.T) {
	path := logPath(t)
	w, err := tail.NewWatcher(path, time.Hour) // no poll within the test
	must(t, err)
	defer w.Close()
	write(t, path, "x\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Wait(ctx); err != nil {
		t.Fatalf("Wait after a write = %v, want nil", err)
	}
}

func TestWatcherIgnoresOtherFiles(t *testing.T) {
	path := logPath(t)
	w, err := tail.NewWatcher(path, time.Hour)
	must(t, err)
	defer w.Close()
	write(t, path[:len(path)-len("mail.log")]+"other.log", "x\n")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := w.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the deadline", err)
	}
}

func TestWatcherPolls(t *testing.T) {
	w, err := tail.NewWatcher(logPath(t), time.Millisecond)
	must(t, err)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, want nil after the poll interval", err)
	}
}

func TestTailerWithDefaultWaiter(t *testing.T) {
	path := logPath(t)
	tl, err := tail.Open(path, tail.Position{}, tail.Options{PollInterval: time.Hour})
	must(t, err)
	defer tl.Close()
	done := make(chan []string)
	go func() {
		var got []string
		_, err := tl.Next(context.Background(), 10, 100, func(l []byte) { got = append(got, string(l)) })
		if err != nil {
			got = append(got, "error: "+err.Error())
		}
		done <- got
	}()
	// Whenever the write happens, before or during the wait, fsnotify or the
	// first look finds it: no sleep needed.
	write(t, path, "hello\n")
	select {
	case got := <-done:
		if len(got) != 1 || got[0] != "hello" {
			t.Errorf("Next delivered %q, want [hello]", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after the file was written")
	}
}

package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stop ends the context, waits for the waits, latest first, returning the
// first error among them in that order, and for every goroutine.
func TestBackgroundStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	bg := &background{cancel: cancel}
	var order []string
	var ended atomic.Int32
	for range 3 {
		bg.Go(func() { <-ctx.Done(); ended.Add(1) })
	}
	errCollectors, errMetrics := errors.New("collectors"), errors.New("metrics")
	bg.wait(func() error { order = append(order, "collectors"); return errCollectors })
	bg.wait(func() error { order = append(order, "policy"); return nil })
	bg.wait(func() error { order = append(order, "metrics"); return errMetrics })
	if err := bg.stop(); err != errMetrics {
		t.Errorf("stop() = %v, want the latest started part's error", err)
	}
	if diff := cmp.Diff([]string{"metrics", "policy", "collectors"}, order); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if n := ended.Load(); n != 3 {
		t.Errorf("%d of 3 goroutines ended when stop returned", n)
	}
}

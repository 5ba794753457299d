package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// pause yields while polling a condition; a short timer keeps polling
// loops from spinning a core.
func pause() {
	runtime.Gosched()
	<-time.After(5 * time.Millisecond)
}

package collect_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/store/storetest"
)

// A second collector on a source another one is collecting stops at the
// sequence fence, with a message that says what is wrong, and counts
// nothing twice.
func TestSecondCollectorOnOneSourceIsRefused(t *testing.T) {
	s := storetest.SQLite(t)
	path := filepath.Join(t.TempDir(), "mail.log")
	appendLines(t, path, []byte("Nov 28 10:00:00 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]\n"))
	first := startCollector(t, s, path)
	defer first.stop(t)
	waitCommitted(t, s, "mx1:"+path, 1, first)
	second := startCollector(t, s, path)
	time.Sleep(200 * time.Millisecond)
	// The next line is read by both; the first commit of it wins and the
	// other collector stops.
	appendLines(t, path, []byte("Nov 28 10:00:01 mx postfix/smtpd[1]: disconnect from unknown[192.0.2.1]\n"))
	select {
	case err := <-first.done:
		first.done <- nil // for the deferred stop
		if err == nil || !strings.Contains(err.Error(), "another collector running for this source") {
			t.Errorf("first collector: %v", err)
		}
		second.stop(t)
	case err := <-second.done:
		if err == nil || !strings.Contains(err.Error(), "another collector running for this source") {
			t.Errorf("second collector: %v", err)
		}
	case <-time.After(20 * time.Second):
		second.cancel()
		t.Fatal("both collectors kept running")
	}
}

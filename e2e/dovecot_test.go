package e2e

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
)

const dovecotCmd = "/usr/sbin/dovecot"

// TestDovecotProbes checks a real Dovecot's IMAP and POP3 servers with the
// availability probes: up while it runs, down once it is stopped, and the
// store's availability says so.
func TestDovecotProbes(t *testing.T) {
	_, err := os.Stat(dovecotCmd)
	testenv.SkipUnless(t, err == nil && os.Geteuid() == 0, "Dovecot and root", "run .ci/install-dovecot as root")
	dir := t.TempDir()
	openUp(t, dir)
	imapPort, popPort := freePort(t), freePort(t)
	conf := filepath.Join(dir, "dovecot.conf")
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(conf, []byte(fmt.Sprintf(`protocols = imap pop3
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:%[1]s/mail/%%u
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=%[4]d gid=%[4]d home=%[1]s/mail/%%u
}
service imap-login {
  inet_listener imap {
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = %[3]d
  }
  inet_listener pop3s {
    port = 0
  }
}
`, dir, imapPort, popPort, vmailUID)), 0o644)
	// Its output goes to a file: the daemon's children keep a pipe open.
	startLog := filepath.Join(dir, "start.log")
	lf, err := os.Create(startLog)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dovecotCmd, "-c", conf)
	cmd.Stdout, cmd.Stderr = lf, lf
	err = cmd.Run()
	lf.Close()
	if err != nil {
		t.Fatalf("dovecot: %v\n%s\n%s", err, readTail(startLog), readTail(filepath.Join(dir, "dovecot.log")))
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			exec.Command(dovecotCmd, "-c", conf, "stop").Run()
		}
	}
	t.Cleanup(stop)
	imap, pop := "127.0.0.1:"+strconv.Itoa(imapPort), "127.0.0.1:"+strconv.Itoa(popPort)
	waitFor(t, 30*time.Second, "dovecot listening", func() error {
		c, err := net.DialTimeout("tcp", pop, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	ctx := testContext(t, 2*time.Minute)
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := probe.NewRunner([]probe.Target{
		{Name: "imap", Kind: probe.IMAP, Address: imap, Timeout: 5 * time.Second},
		{Name: "pop3", Kind: probe.POP3, Address: pop, Timeout: 5 * time.Second},
	}, s, slog.New(slog.DiscardHandler), time.Now)
	for range 2 {
		if err := r.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for name, res := range r.Last() {
		if !res.Up {
			t.Errorf("%s probe of a running Dovecot: %s\n%s", name, res.Err, readTail(filepath.Join(dir, "dovecot.log")))
		}
	}
	stop()
	waitFor(t, 30*time.Second, "dovecot stopped", func() error {
		if c, err := net.DialTimeout("tcp", imap, time.Second); err == nil {
			c.Close()
			return fmt.Errorf("still listening")
		}
		return nil
	})
	if err := r.Round(ctx); err != nil {
		t.Fatal(err)
	}
	h := metering.Hour(time.Now())
	av, err := s.Availability(ctx, h.Add(-time.Hour), h.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(av) != 2 {
		t.Fatalf("availability %+v", av)
	}
	for _, a := range av {
		if a.Attempts != 3 || a.Successes != 2 {
			t.Errorf("%s: %d of %d checks succeeded, want 2 of 3", a.Probe, a.Successes, a.Attempts)
		}
	}
	t.Logf("availability with Dovecot stopped for the last round: %+v", av)
}

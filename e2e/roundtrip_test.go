package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/probe"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The probe account of the round-trip tests, a mailbox of its own.
const (
	probeBox  = "probe@a.test"
	probePass = "probe-Pa55word"
)

// startProbePostfix starts a private Postfix whose mailboxes include the
// probe account's Maildir.
func startProbePostfix(t *testing.T) *instance {
	t.Helper()
	dir := t.TempDir()
	openUp(t, dir)
	rows := append(vmailboxes(), [2]string{probeBox, "a.test/probe/"})
	maps := filepath.Join(dir, "vmailbox")
	if err := os.WriteFile(maps, []byte(table(rows)), 0o644); err != nil {
		t.Fatal(err)
	}
	return startPostfix(t, "virtual_mailbox_maps=texthash:"+maps)
}

// A round trip through the real Postfix into the probe's Maildir is
// measured and its message deleted; with delivery held back (the queue
// deferring virtual(8)) the check fails at its timeout although SMTP
// answers, and with Postfix stopped it fails at once: the delivery probe's
// availability records all three.
func TestRoundTripPostfixMaildir(t *testing.T) {
	skipWithoutPostfix(t)
	in := startProbePostfix(t)
	ctx := testContext(t, 3*time.Minute)
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	maildir := filepath.Join(in.vmail, "a.test", "probe")
	target := probe.Target{Name: "delivery", Kind: probe.RoundTrip, Address: in.addr(), Timeout: 20 * time.Second,
		RoundTrip: probe.RoundTripCheck{From: "monitor@a.test", To: probeBox, Maildir: maildir, Poll: 20 * time.Millisecond}}
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	r := probe.NewRunner([]probe.Target{target}, s, slog.New(slog.DiscardHandler), time.Now)
	var times []time.Duration
	for range 3 {
		if err := r.Round(ctx); err != nil {
			t.Fatal(err)
		}
		res := r.Last()["delivery"]
		if !res.Up || res.Detail.RoundTrip <= 0 {
			t.Fatalf("round trip through a running Postfix: %+v\nmaillog:\n%s", res, readTail(in.maillog))
		}
		times = append(times, res.Detail.RoundTrip)
	}
	t.Logf("round trips through Postfix (smtpd → cleanup → qmgr → virtual → Maildir): %v", times)
	if left := maildirFiles(t, maildir); len(left) != 0 {
		t.Errorf("probe messages left in the Maildir: %v", left)
	}
	checkProbeNotMetered(t, in.maillog, 3)

	// Delivery held: SMTP accepts, nothing arrives.
	if out, err := exec.Command(postconfCmd, "-c", in.etc, "-e", "defer_transports=virtual").CombinedOutput(); err != nil {
		t.Fatalf("postconf: %v %s", err, out)
	}
	if out, err := in.postfix(ctx, "reload"); err != nil {
		t.Fatalf("postfix reload: %v %s", err, out)
	}
	r = probe.NewRunner([]probe.Target{withTimeout(target, 3*time.Second)}, s, slog.New(slog.DiscardHandler), time.Now)
	if err := r.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if res := r.Last()["delivery"]; res.Up || !strings.Contains(res.Err, "has not arrived") {
		t.Errorf("round trip with delivery deferred: %+v", res)
	}

	// Postfix stopped.
	if out, err := in.postfix(ctx, "stop"); err != nil {
		t.Fatalf("postfix stop: %v %s", err, out)
	}
	waitFor(t, 30*time.Second, "smtpd closed", func() error {
		if c, err := net.DialTimeout("tcp", in.addr(), time.Second); err == nil {
			c.Close()
			return fmt.Errorf("still listening")
		}
		return nil
	})
	start := time.Now()
	if err := r.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if res := r.Last()["delivery"]; res.Up || !strings.Contains(res.Err, "refused") || time.Since(start) > 2*time.Second {
		t.Errorf("round trip with Postfix stopped: %+v after %v", res, time.Since(start))
	}
	h := metering.Hour(time.Now())
	av, err := s.Availability(ctx, h.Add(-time.Hour), h.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(av) != 1 || av[0].Probe != "delivery" || av[0].Attempts != 5 || av[0].Successes != 3 {
		t.Errorf("delivery availability %+v, want 3 of 5 checks up", av)
	}
}

// checkProbeNotMetered backfills the maillog holding n probe deliveries:
// they meter in_messages for the probe mailbox, and nothing once it is
// skipped as a probe account.
func checkProbeNotMetered(t *testing.T, maillog string, n int64) {
	t.Helper()
	ctx := testContext(t, time.Minute)
	for _, skip := range [][]string{nil, {probeBox}} {
		s := storetest.SQLite(t)
		proc := procOptions()
		proc.Skip = skip
		if _, err := collect.Backfill(ctx, []string{maillog}, collect.BackfillOptions{Host: "e2e", Format: collect.FormatAuto, Proc: proc}, s, nil, testLogger(t)); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Totals(ctx, metering.UsageQuery{From: time.Now().Add(-24 * time.Hour), To: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		got := storedTotals(rows)[probeBox][metering.InMessages]
		if want := map[bool]int64{true: n, false: 0}[skip == nil]; got != want {
			t.Errorf("probe deliveries metered with skip %v: %d in_messages, want %d (totals %v)", skip, got, want, storedTotals(rows))
		}
	}
}

func withTimeout(t probe.Target, d time.Duration) probe.Target {
	t.Timeout = d
	return t
}

// dovecot is a private Dovecot over the Postfix instance's Maildirs, with
// TLS (a test CA's certificate) and one password for every account.
type dovecot struct {
	conf              string
	dir               string
	imap, imaps, pop3 string
	roots             *x509.CertPool
}

func startDovecot(t *testing.T, vmail string) *dovecot {
	t.Helper()
	if _, err := os.Stat(dovecotCmd); err != nil || os.Geteuid() != 0 {
		testenv.Skip(t, "Dovecot and root", "run .ci/install-dovecot as root")
	}
	d := &dovecot{dir: t.TempDir()}
	openUp(t, d.dir)
	for _, sub := range []string{"run", "state"} {
		if err := os.Mkdir(filepath.Join(d.dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d.roots = writeTLS(t, d.dir)
	imapPort, imapsPort, popPort := freePort(t), freePort(t), freePort(t)
	d.imap, d.imaps, d.pop3 = "127.0.0.1:"+strconv.Itoa(imapPort), "127.0.0.1:"+strconv.Itoa(imapsPort), "127.0.0.1:"+strconv.Itoa(popPort)
	d.conf = filepath.Join(d.dir, "dovecot.conf")
	conf := fmt.Sprintf(`protocols = imap pop3
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = required
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:%[5]s/%%d/%%n
passdb {
  driver = static
  args = password=%[6]s
}
userdb {
  driver = static
  args = uid=%[7]d gid=%[7]d home=%[5]s/%%d/%%n
}
service imap-login {
  inet_listener imap {
    port = %[2]d
  }
  inet_listener imaps {
    port = %[3]d
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = %[4]d
  }
  inet_listener pop3s {
    port = 0
  }
}
`, d.dir, imapPort, imapsPort, popPort, vmail, probePass, vmailUID)
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startLog := filepath.Join(d.dir, "start.log")
	lf, err := os.Create(startLog)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dovecotCmd, "-c", d.conf)
	cmd.Stdout, cmd.Stderr = lf, lf // a file: the daemon's children keep a pipe open
	err = cmd.Run()
	lf.Close()
	if err != nil {
		t.Fatalf("dovecot: %v\n%s\n%s", err, readTail(startLog), readTail(filepath.Join(d.dir, "dovecot.log")))
	}
	t.Cleanup(func() { exec.Command(dovecotCmd, "-c", d.conf, "stop").Run() })
	waitFor(t, 30*time.Second, "dovecot listening", func() error {
		c, err := net.DialTimeout("tcp", d.pop3, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return d
}

func (d *dovecot) log() string { return readTail(filepath.Join(d.dir, "dovecot.log")) }

// writeTLS writes cert.pem and key.pem for 127.0.0.1 into dir, signed by a
// test CA, and returns a pool trusting the CA.
func writeTLS(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mail.e2e.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool
}

// Login probes against the real Dovecot: IMAP STARTTLS with LOGIN, IMAPS
// with AUTHENTICATE PLAIN, POP3 STLS with USER/PASS and AUTH PLAIN are up;
// a wrong password is refused; the certificate expiring in 10 days is a
// warning, not downtime.
func TestDovecotLoginProbes(t *testing.T) {
	skipWithoutPostfix(t)
	in := startProbePostfix(t)
	d := startDovecot(t, in.vmail)
	verify := probe.Verify{RootCAs: d.roots}
	login := func(mech string) probe.Login {
		return probe.Login{Username: probeBox, Password: probePass, Mechanism: mech}
	}
	for _, tt := range []struct {
		name   string
		target probe.Target
		errHas string
	}{
		{"imap STARTTLS LOGIN", probe.Target{Kind: probe.IMAP, Address: d.imap, StartTLS: true, Verify: verify, Login: login(probe.MechLogin)}, ""},
		{"imaps AUTHENTICATE PLAIN", probe.Target{Kind: probe.IMAP, Address: d.imaps, TLS: true, Verify: verify, Login: login("")}, ""},
		{"pop3 STLS USER/PASS", probe.Target{Kind: probe.POP3, Address: d.pop3, StartTLS: true, Verify: verify, Login: login(probe.MechLogin)}, ""},
		{"pop3 STLS AUTH PLAIN", probe.Target{Kind: probe.POP3, Address: d.pop3, StartTLS: true, Verify: verify, Login: login("")}, ""},
		{"imap wrong password", probe.Target{Kind: probe.IMAP, Address: d.imaps, TLS: true, Verify: verify,
			Login: probe.Login{Username: probeBox, Password: "wrong"}}, "login refused"},
		{"pop3 wrong password", probe.Target{Kind: probe.POP3, Address: d.pop3, StartTLS: true, Verify: verify,
			Login: probe.Login{Username: probeBox, Password: "wrong", Mechanism: probe.MechLogin}}, "login refused"},
		{"untrusted certificate", probe.Target{Kind: probe.IMAP, Address: d.imaps, TLS: true, Login: login("")}, "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Name = "login"
			if err := tt.target.Validate(); err != nil && tt.errHas == "" {
				t.Fatal(err)
			}
			det, err := probe.CheckDetail(t.Context(), tt.target)
			switch {
			case tt.errHas == "" && err != nil:
				t.Fatalf("up expected: %v\n%s", err, d.log())
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Fatalf("error %v, want %q", err, tt.errHas)
			}
			if tt.errHas != "certificate" && (!det.CertExpiring || det.CertNotAfter.IsZero()) {
				t.Errorf("the certificate expiring in 10 days: %+v", det)
			}
		})
	}
}

// The round trip read over IMAP: Postfix delivers into the Maildir, the
// probe finds its message through the real Dovecot and expunges it.
func TestRoundTripPostfixDovecotIMAP(t *testing.T) {
	skipWithoutPostfix(t)
	in := startProbePostfix(t)
	d := startDovecot(t, in.vmail)
	target := probe.Target{Name: "delivery-imap", Kind: probe.RoundTrip, Address: in.addr(), Timeout: 20 * time.Second,
		RoundTrip: probe.RoundTripCheck{From: "monitor@a.test", To: probeBox, Poll: 50 * time.Millisecond,
			IMAP: &probe.Target{Kind: probe.IMAP, Address: d.imaps, TLS: true, Verify: probe.Verify{RootCAs: d.roots},
				Login: probe.Login{Username: probeBox, Password: probePass}}}}
	if err := target.Validate(); err != nil {
		t.Fatal(err)
	}
	var times []time.Duration
	for range 3 {
		det, err := probe.CheckDetail(context.Background(), target)
		if err != nil {
			t.Fatalf("round trip over IMAP: %v\nmaillog:\n%s\ndovecot:\n%s", err, readTail(in.maillog), d.log())
		}
		times = append(times, det.RoundTrip)
	}
	t.Logf("round trips through Postfix, read over IMAP from Dovecot: %v", times)
	if left := maildirFiles(t, filepath.Join(in.vmail, "a.test", "probe")); len(left) != 0 {
		t.Errorf("probe messages left after IMAP expunged them: %v", left)
	}
}

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/testenv"
)

// Test domains and addresses of the private Postfix instance.
const (
	domainA  = "a.test"
	domainB  = "b.test"
	sender   = "sender@sender.example" // remote: its bounce notice bounces too (default_transport error)
	vmailUID = 5000                    // owner of the Maildirs (virtual_uid_maps)
)

// Postfix commands of the Debian package.
const (
	postfixCmd   = "/usr/sbin/postfix"
	postconfCmd  = "/usr/sbin/postconf"
	postqueueCmd = "/usr/sbin/postqueue"
)

// vmailboxes maps each hosted address to its Maildir below
// virtual_mailbox_base (a trailing "/" means Maildir).
func vmailboxes() [][2]string {
	return [][2]string{
		{"alice@a.test", "a.test/alice/"},
		{"bob@a.test", "a.test/bob/"},
		{"carol@b.test", "b.test/carol/"},
	}
}

// valiases maps aliases to their targets: one to a mailbox (orig_to), one
// to a domain whose transport is error: (a bounce after the queue).
func valiases() [][2]string {
	return [][2]string{
		{"alias@a.test", "carol@b.test"},
		{"gone@a.test", "x@bounce.test"},
	}
}

// instance is a private Postfix instance living in a test's temporary
// directory: its own configuration, queue, data directory, Maildirs and
// log file, its smtpd on a loopback port.
type instance struct {
	dir     string // everything lives below it
	etc     string // config_directory
	queue   string // queue_directory
	vmail   string // virtual_mailbox_base
	maillog string // maillog_file
	port    int
	extra   []string // main.cf settings of the test, after the instance's own
}

// skipWithoutPostfix skips the test, with one line, unless Postfix and
// swaks are installed and the test runs as root.
func skipWithoutPostfix(t *testing.T) {
	t.Helper()
	_, errPostfix := os.Stat(postfixCmd)
	_, errSwaks := exec.LookPath("swaks")
	if errPostfix != nil || errSwaks != nil || os.Geteuid() != 0 {
		testenv.Skip(t, "Postfix, swaks and root", "run .ci/install-postfix as root")
	}
}

// startPostfix configures and starts a private instance, with extra
// main.cf settings; it is stopped (and any process left of it killed) when
// the test ends.
func startPostfix(t *testing.T, extra ...string) *instance {
	t.Helper()
	in := &instance{dir: t.TempDir(), port: freePort(t), extra: extra}
	in.etc = filepath.Join(in.dir, "etc")
	in.queue = filepath.Join(in.dir, "queue")
	in.vmail = filepath.Join(in.dir, "vmail")
	in.maillog = filepath.Join(in.dir, "maillog")
	openUp(t, in.dir)
	for _, d := range []string{in.etc, in.queue, in.vmail} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(in.vmail, vmailUID, vmailUID); err != nil {
		t.Fatal(err)
	}
	in.writeConfig(t)
	t.Cleanup(func() { in.stop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if out, err := in.postfix(ctx, "start"); err != nil {
		t.Fatalf("postfix start: %v\n%s\nmaillog:\n%s", err, out, readTail(in.maillog))
	}
	waitFor(t, 30*time.Second, "smtpd listening on "+in.addr(), func() error {
		c, err := net.DialTimeout("tcp", in.addr(), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	return in
}

// addr is the smtpd's listening address.
func (in *instance) addr() string { return "127.0.0.1:" + strconv.Itoa(in.port) }

// openUp lets the unprivileged Postfix daemons and the Maildir owner
// traverse the temporary directory (the testing package makes it 0700),
// and checks the directories above it let them too.
func openUp(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for d := filepath.Dir(filepath.Dir(dir)); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			t.Fatalf("%s is not searchable by other users (mode %v): Postfix daemons cannot reach %s; set TMPDIR elsewhere", d, fi.Mode().Perm(), dir)
		}
		if d == filepath.Dir(d) {
			return
		}
	}
}

// writeConfig writes master.cf, the lookup tables and main.cf (through
// postconf -e, as an administrator would).
func (in *instance) writeConfig(t *testing.T) {
	t.Helper()
	master, err := os.ReadFile(filepath.Join("testdata", "master.cf"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"master.cf": strings.ReplaceAll(string(master), "PORT", strconv.Itoa(in.port)),
		"main.cf":   "",
		"vmailbox":  table(vmailboxes()),
		"valias":    table(valiases()),
		"transport": "bounce.test error:5.1.1 mailbox unavailable (e2e test)\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(in.etc, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := append(append([]string{"-c", in.etc, "-e"}, in.settings()...), in.extra...)
	if out, err := exec.Command(postconfCmd, args...).CombinedOutput(); err != nil {
		t.Fatalf("postconf -e: %v\n%s", err, out)
	}
}

// settings are the main.cf parameters of the instance: smtpd on loopback
// only, no local or remote delivery (error: transports), virtual(8)
// delivery to Maildirs for two domains with unlisted recipients rejected
// at RCPT time, and the log in a file of its own through postlogd.
func (in *instance) settings() []string {
	return []string{
		"compatibility_level=3.6",
		"queue_directory=" + in.queue,
		"data_directory=" + filepath.Join(in.dir, "data"),
		"myhostname=mx.e2e.test",
		"inet_interfaces=loopback-only",
		"inet_protocols=ipv4",
		"mynetworks=127.0.0.0/8",
		"mydestination=",
		"local_transport=error:5.1.1 no local delivery (e2e test)",
		"default_transport=error:5.4.4 no remote delivery (e2e test)",
		"alias_maps=",
		"alias_database=",
		"maillog_file=" + in.maillog,
		"maillog_file_prefixes=/var, /dev/stdout, " + in.dir,
		"virtual_mailbox_domains=" + domainA + ", " + domainB,
		"virtual_mailbox_base=" + in.vmail,
		"virtual_mailbox_maps=texthash:" + filepath.Join(in.etc, "vmailbox"),
		"virtual_alias_maps=texthash:" + filepath.Join(in.etc, "valias"),
		"transport_maps=texthash:" + filepath.Join(in.etc, "transport"),
		"virtual_uid_maps=static:" + strconv.Itoa(vmailUID),
		"virtual_gid_maps=static:" + strconv.Itoa(vmailUID),
		"virtual_minimum_uid=100",
		"smtpd_reject_unlisted_recipient=yes",
		"recipient_delimiter=+",
		"smtputf8_enable=no",
		"biff=no",
		"smtpd_banner=$myhostname ESMTP",
	}
}

// table renders the lines of a lookup table.
func table(rows [][2]string) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s\n", r[0], r[1])
	}
	return b.String()
}

// postfix runs "postfix -c ETC <verb>".
func (in *instance) postfix(ctx context.Context, verb string) ([]byte, error) {
	return exec.CommandContext(ctx, postfixCmd, "-c", in.etc, verb).CombinedOutput()
}

// queueEmpty returns an error unless postqueue lists no message.
func (in *instance) queueEmpty() error {
	out, err := exec.Command(postqueueCmd, "-c", in.etc, "-p").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Mail queue is empty")) {
		return fmt.Errorf("postqueue -p: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// stop stops the instance and kills what is left of it: the master and its
// children share the master's process group.
func (in *instance) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := in.postfix(ctx, "stop"); err != nil {
		t.Logf("postfix stop: %v: %s", err, bytes.TrimSpace(out))
	}
	b, err := os.ReadFile(filepath.Join(in.queue, "pid", "master.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || !in.owns(pid) {
		return
	}
	t.Logf("postfix master %d still running after stop; killing its process group", pid)
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// owns reports whether process pid belongs to this instance (its
// environment names this config directory), guarding against reused pids.
func (in *instance) owns(pid int) bool {
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	env = append([]byte{0}, env...)
	return err == nil && bytes.Contains(env, []byte("\x00MAIL_CONFIG="+in.etc+"\x00"))
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it returns nil, failing the test with cond's
// last error after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		<-tick.C
	}
}

// readTail returns the last lines of a file, for failure messages.
func readTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

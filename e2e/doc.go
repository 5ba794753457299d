// Package e2e holds the end-to-end tests of mailmeter against real mail
// software: a private Postfix instance (Debian package, run as root on a
// loopback port, delivering to Maildirs and logging to its own file) gets
// mail from swaks, and the test meters its log with the live collector, a
// backfill and the CLI, scans the Maildirs, and checks every total.
//
// Without Postfix and swaks (see .ci/install-postfix), or when not root,
// the tests skip with one line.
package e2e

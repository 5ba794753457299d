// Command mailmeter meters per-mailbox mail usage: it collects MTA logs and
// Maildir storage into a database, serves usage and quotas over HTTP and
// manages the directory of customers, domains and mailboxes.
//
// Only wiring lives here: read the configuration, open the store, build the
// parts, run them and stop them cleanly on SIGINT/SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// env is the process's world, passed in so tests can call run.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand (or a group of them).
type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":        {"serve the HTTP API, the Postfix policy server and quota warnings", runServe},
		"migrate":      {"apply database migrations (up) or list them (status)", runMigrate},
		"version":      {"print the version", runVersion},
		"customer":     {"manage customers (add, update, remove, list)", runCustomer},
		"domain":       {"manage domains (add, move, remove, list)", runDomain},
		"mailbox":      {"manage mailboxes (add, list, remove)", runMailbox},
		"directory":    {"bulk-load the directory (import FILE.csv)", runDirectory},
		"collect":      {"tail MTA logs, watch Maildirs and run probes from the config, recording usage", runCollect},
		"backfill":     {"meter finished log files (plain or gzip), each counted once", runBackfill},
		"scan":         {"scan Maildir trees once and record their storage", runScan},
		"usage":        {"print usage per mailbox for a period", runUsage},
		"latency":      {"print delivery latency percentiles for a period", runLatency},
		"availability": {"print the probes' availability for a period", runAvailability},
		"invoice":      {"compute, list, show, finalize and credit monthly invoices", runInvoice},
		"plan":         {"price plans in the database (add, update as a new version from a day, list, show)", runPlan},
		"sla":          {"the monthly service report, maintenance windows and incidents, DNS blocklist listings (report, maintenance, incident, settle, blacklist)", runSLA},
		"demo":         {"the newcomer's tour (make run): a demo world served with live collectors", runDemo},
		"token":        {"mint and revoke API tokens (token create --role R --subject S --ttl 24h, token revoke JTI)", runToken},
		"deadletter":   {"list or replay usage records the database refused (list [--all] [--json], replay [ID...])", runDeadLetter},
		"check":        {"Nagios/Icinga plugin: check lag|probes|quota|webhooks|deadletters [-w R] [-c R] (exit 0-3)", runCheck},
		"config":       {"check a configuration file and print the effective configuration, secrets masked (config check FILE)", runConfig},
		"healthcheck":  {"exit 0 if /healthz answers 2xx, else 1 (a container's HEALTHCHECK)", runHealthcheck},
	}
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, e env) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// Global flags may come before the subcommand too.
	name, rest, err := splitCommand(args)
	if err != nil {
		fmt.Fprintf(e.stderr, "mailmeter: %v\n", err)
		return 2
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(e.stderr, "mailmeter: unknown command %q; run mailmeter --help\n", name)
		return 2
	}
	err = cmd.run(ctx, e, rest)
	var ue usageError
	var status exitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "mailmeter %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "mailmeter %s: %v\n", name, err)
		return 1
	}
}

// splitCommand finds the subcommand among leading global flags, moving those
// flags after it so the subcommand's flag set parses them.
func splitCommand(args []string) (string, []string, error) {
	var globals []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a, withGlobals(args[i+1:], globals), nil
		}
		globals = append(globals, a)
		if !strings.Contains(a, "=") && takesValue(a) && i+1 < len(args) {
			globals = append(globals, args[i+1])
			i++
		}
	}
	return "", nil, errors.New("no command given; run mailmeter --help")
}

// withGlobals appends global flags to a subcommand's arguments (before a
// "--", which ends flags).
func withGlobals(rest, globals []string) []string {
	out := make([]string, 0, len(rest)+len(globals))
	for i, a := range rest {
		if a == "--" {
			out = append(out, globals...)
			return append(out, rest[i:]...)
		}
		out = append(out, a)
	}
	return append(out, globals...)
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "mailmeter — per-mailbox usage metering and quota billing for hosted mail")
	fmt.Fprintln(w, "\nUsage: mailmeter [global flags] COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nGlobal flags (also accepted after the command):")
	fmt.Fprintln(w, globalFlagHelp)
	fmt.Fprintln(w, "Run mailmeter COMMAND --help for a command's flags.")
}

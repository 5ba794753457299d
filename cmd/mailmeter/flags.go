package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/mailmeter/mailmeter/config"
)

// errHelp reports that --help was shown.
var errHelp = errors.New("help shown")

const globalFlagHelp = `  --config FILE       YAML configuration file (env MAILMETER_CONFIG)
  --db URL            database: sqlite:PATH or postgres://… (env MAILMETER_DB; default sqlite:./mailmeter.db)
  --log-format F      text or json (env MAILMETER_LOG_FORMAT)
  --log-level L       debug, info, warn or error (env MAILMETER_LOG_LEVEL)`

// globals are the flags every command accepts.
type globals struct {
	config, db, logFormat, logLevel string
}

var valueFlags = map[string]bool{"config": true, "db": true, "log-format": true, "log-level": true}

func takesValue(arg string) bool {
	return valueFlags[strings.TrimLeft(arg, "-")]
}

// cmdFlags is a subcommand's flag set with the global flags registered.
type cmdFlags struct {
	*flag.FlagSet
	g     globals
	usage string
}

func newFlags(name, usage string, e env) *cmdFlags {
	f := &cmdFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usage}
	f.SetOutput(io.Discard)
	f.StringVar(&f.g.config, "config", "", "YAML configuration file")
	f.StringVar(&f.g.db, "db", "", "database URL")
	f.StringVar(&f.g.logFormat, "log-format", "", "text or json")
	f.StringVar(&f.g.logLevel, "log-level", "", "log level")
	return f
}

// parse parses flags and positional arguments in any order and checks the
// number of positional arguments (max < 0: any).
func (f *cmdFlags) parse(e env, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printHelp(e.stdout)
				return nil, errHelp
			}
			return nil, usagef("%v (see mailmeter %s --help)", err, f.Name())
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		return nil, usagef("usage: mailmeter %s", f.usage)
	}
	return pos, nil
}

func (f *cmdFlags) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: mailmeter %s\n\nFlags:\n", f.usage)
	f.VisitAll(func(fl *flag.Flag) {
		if valueFlags[fl.Name] {
			return
		}
		def := ""
		if fl.DefValue != "" && fl.DefValue != "false" {
			def = " (default " + fl.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%-16s %s%s\n", fl.Name, fl.Usage, def)
	})
	fmt.Fprintf(w, "\nGlobal flags:\n%s\n", globalFlagHelp)
}

// load builds the configuration: defaults, file, environment, then flags.
func (f *cmdFlags) load(e env) (config.Config, *slog.Logger, error) {
	path := f.g.config
	if path == "" {
		path = e.getenv("MAILMETER_CONFIG")
	}
	c, err := config.Load(path, e.getenv)
	if err != nil {
		return c, nil, err
	}
	if f.g.db != "" {
		c.DB = f.g.db
	}
	if f.g.logFormat != "" {
		c.Log.Format = f.g.logFormat
	}
	if f.g.logLevel != "" {
		c.Log.Level = f.g.logLevel
	}
	if err := c.Validate(); err != nil {
		return c, nil, err
	}
	return c, newLogger(e.stderr, c.Log), nil
}

func newLogger(w io.Writer, l config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(l.Level))
	opts := &slog.HandlerOptions{Level: level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

package main

import (
	"context"
	"fmt"

	"github.com/mailmeter/mailmeter/config"
)

const configUsage = "usage: mailmeter config check [FILE]"

// runConfig is `config check [FILE]`: it validates a configuration file (by
// default --config or MAILMETER_CONFIG) with the environment over it, and
// prints the effective configuration with secrets masked.
func runConfig(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", configUsage)
	}
	switch args[0] {
	case "check":
		return configCheck(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, configUsage)
		fmt.Fprintln(e.stdout, "\ncheck reads FILE over the defaults, then the MAILMETER_* environment, validates the result and")
		fmt.Fprintln(e.stdout, "prints it as YAML, secrets shown as xxxxx. An error names the key (and, for an unknown one, the line).")
		fmt.Fprintln(e.stdout, "Every key, with its default: deploy/mailmeter.example.yaml.")
		return errHelp
	}
	return usagef("unknown config action %q; want check", args[0])
}

func configCheck(e env, args []string) error {
	f := newFlags("config check", "config check [FILE]", e)
	pos, err := f.parse(e, args, 0, 1)
	if err != nil {
		return err
	}
	path := f.g.config
	if len(pos) == 1 {
		path = pos[0]
	}
	if path == "" {
		path = e.getenv("MAILMETER_CONFIG")
	}
	if path == "" {
		return usagef("no file to check: give FILE (or --config, or MAILMETER_CONFIG)")
	}
	f.g.config = path
	c, _, err := f.load(e)
	if err != nil {
		return err
	}
	out, err := c.Masked().YAML()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# %s is valid. The effective configuration (defaults, the file, then the\n# environment and flags), secrets shown as %s:\n", path, config.Mask)
	_, err = e.stdout.Write(out)
	return err
}

package main

import (
	"log/slog"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/internal/ingest"
	"github.com/mailmeter/mailmeter/metering"
)

// pushCommitter ships batches to a remote mailmeter API's /v1/ingest with
// the service token in MAILMETER_TOKEN: the mail host needs no database.
func pushCommitter(c config.Config, e env, log *slog.Logger) (metering.Committer, func(), error) {
	token := e.getenv("MAILMETER_TOKEN")
	if token == "" {
		return nil, nil, usagef("collect --push needs a service token in MAILMETER_TOKEN (mailmeter token create --role service …)")
	}
	cl, err := ingest.New(c.Collect.Push, token, ingest.Options{Log: log})
	if err != nil {
		return nil, nil, err
	}
	return cl, func() {}, nil
}

package main

import (
	"fmt"
	"log/slog"

	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/metering"
)

// pushCommitter ships batches to a remote API (wired to the ingest client).
func pushCommitter(c config.Config, e env, log *slog.Logger) (metering.Committer, func(), error) {
	return nil, nil, fmt.Errorf("collect --push %s: not available in this build yet", c.Collect.Push)
}

package loggen_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
)

// A small Exim mainlog across New Year, and what a correct parser must
// find in it.
func ExampleExim() {
	cfg := loggen.DefaultConfig()
	cfg.Start = time.Date(2026, 12, 31, 23, 59, 50, 0, time.UTC)
	cfg.Messages = 30
	var log bytes.Buffer
	truth, err := loggen.Exim(&log, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for line := range strings.Lines(log.String()) {
		if strings.Contains(line, " A=dovecot_plain:") {
			fmt.Print(line) // the first authenticated submission
			break
		}
	}
	fmt.Println(truth.Lines, "lines,", truth.Total(metering.InMessages), "local deliveries,",
		truth.Total(metering.OutMessages), "submissions")
	// Output:
	// 2026-12-31 23:59:58 [6638] 1xjQ3q-001Q3e-nG <= dave@wayne.example H=([192.168.1.230]) [145.157.195.151]:18190 I=[192.0.2.25]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:dave@wayne.example S=2246 id=20261231235958.CA9DAD42@wayne.example T="Quarterly report" for carol@umbrella.example orders@lucerne.example.org notifications@consolidated.example.com niaj@stark.example editor@adventure.example.org
	// 129 lines, 24 local deliveries, 3 submissions
}

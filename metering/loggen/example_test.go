package loggen_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/loggen"
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
	// 2026-12-31 23:59:51 [6158] 1xjQ3j-001Q2l-mX <= carol@wonka.example H=([192.168.1.177]) [121.163.60.254]:42394 I=[192.0.2.25]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:carol@wonka.example S=1446 id=20261231235951.3AC9E8A9@wonka.example T="Quote for the new office" for alice@wonka.example
	// 113 lines, 22 local deliveries, 6 submissions
}

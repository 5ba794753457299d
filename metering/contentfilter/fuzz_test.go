package contentfilter_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/mailmeter/mailmeter/metering/contentfilter"
)

func FuzzParseLine(f *testing.F) {
	data, err := os.ReadFile("testdata/verdicts.log")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
	for _, s := range []string{"(default: ", "(1-", "Passed (", "Blocked X {", "Message from  to infected by "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		v, err := contentfilter.ParseLine(line)
		if err != nil {
			return
		}
		n := 0
		v.EachRecipient(func(a []byte) {
			if len(a) > len(line) {
				t.Fatalf("recipient longer than line")
			}
			n++
		})
		if n > len(line) {
			t.Fatalf("%d recipients from %d bytes", n, len(line))
		}
	})
}

package tail_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/tail"
)

func TestPositionEncoding(t *testing.T) {
	pos := tail.Position{
		Path:   "/var/log/mail.log",
		File:   tail.Identity{Dev: 2049, Ino: 1234, FPLen: 1024, FP: "0123456789abcdef0123456789abcdef"},
		Offset: 98765,
	}
	b, err := pos.Marshal()
	must(t, err)
	got, err := tail.UnmarshalPosition(b)
	must(t, err)
	if got != pos {
		t.Errorf("round trip = %v, want %v", got, pos)
	}
	if zero, err := tail.UnmarshalPosition(nil); err != nil || !zero.IsZero() {
		t.Errorf("UnmarshalPosition(nil) = %v, %v; want the zero Position", zero, err)
	}
}

func TestUnmarshalPositionRejects(t *testing.T) {
	for name, in := range map[string]string{
		"not json":        `{`,
		"unknown version": `{"v":2,"offset":1}`,
		"negative offset": `{"v":1,"offset":-1}`,
		"bad fingerprint": `{"v":1,"file":{"fp_len":10,"fp":"xyz"}}`,
		"long fp_len":     `{"v":1,"file":{"fp_len":5000,"fp":"0123456789abcdef0123456789abcdef"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tail.UnmarshalPosition([]byte(in)); metering.KindOf(err) != metering.Invalid {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
}

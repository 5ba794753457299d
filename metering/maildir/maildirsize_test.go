package maildir_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

func TestParseMaildirsize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want maildir.Maildirsize
	}{
		{"dovecot unpadded", "0S\n299 1\n",
			maildir.Maildirsize{Bytes: 299, Messages: 1, Lines: 1}},
		{"both limits, expunge", "10000000S,1000C\n0 0\n4303 1\n-4303 -1\n17 1\n",
			maildir.Maildirsize{Quota: maildir.Quota{Bytes: 10000000, Messages: 1000}, Bytes: 17, Messages: 1, Lines: 4}},
		{"courier padding", "1000C\n         540            1\n        -540           -1\n          12            1\n",
			maildir.Maildirsize{Quota: maildir.Quota{Messages: 1000}, Bytes: 12, Messages: 1, Lines: 3}},
		{"tabs, blank and bad lines, no final newline", "5S\n1\t1\n\ngarbage\n1 2 3\n2 1",
			maildir.Maildirsize{Quota: maildir.Quota{Bytes: 5}, Bytes: 3, Messages: 2, Lines: 2, Malformed: 2}},
		{"header only", "0S\n", maildir.Maildirsize{}},
		{"CRLF", "0S\r\n7 1\r\n", maildir.Maildirsize{Bytes: 7, Messages: 1, Lines: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Size = len(tt.in)
			got, err := maildir.ParseMaildirsize([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQuotaInvalid(t *testing.T) {
	for _, in := range []string{"", "S", "10X", "-1S", "10S,", "abcS", "1 2"} {
		t.Run(in, func(t *testing.T) {
			_, err := maildir.ParseMaildirsize([]byte(in + "\n1 1\n"))
			if metering.KindOf(err) != metering.Invalid {
				t.Errorf("ParseMaildirsize(%q header) error = %v, want invalid", in, err)
			}
		})
	}
}

func TestNeedsRecalc(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	over := maildir.Maildirsize{Quota: maildir.Quota{Bytes: 10}, Bytes: 11, Messages: 1, Lines: 1, Size: 100}
	tests := []struct {
		name string
		m    maildir.Maildirsize
		mod  time.Time
		want bool
	}{
		{"under quota, small", maildir.Maildirsize{Quota: maildir.Quota{Bytes: 10}, Bytes: 5, Lines: 3, Size: 100}, now, false},
		{"big file", maildir.Maildirsize{Size: maildir.RecalcSize}, now, true},
		{"over quota, one line, fresh", over, now.Add(-time.Minute), false},
		{"over quota, one line, stale", over, now.Add(-16 * time.Minute), true},
		{"over quota, many lines", maildir.Maildirsize{Quota: maildir.Quota{Messages: 1}, Messages: 2, Lines: 2, Size: 30}, now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.NeedsRecalc(tt.mod, now); got != tt.want {
				t.Errorf("NeedsRecalc = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDrift(t *testing.T) {
	scan := maildir.MailboxUsage{Mailbox: "a@example.com", Bytes: 300, Messages: 3, Folders: map[string]maildir.FolderUsage{
		"INBOX": {Bytes: 200, Messages: 2}, "Trash": {Bytes: 100, Messages: 1},
	}}
	file := maildir.Maildirsize{Bytes: 200, Messages: 2}
	d := maildir.Drift(scan, file)
	want := maildir.QuotaDrift{Mailbox: "a@example.com", ScanBytes: 300, ScanMessages: 3, FileBytes: 200, FileMessages: 2, Bytes: -100, Messages: -1}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Drift (-want +got):\n%s", diff)
	}
	if d := maildir.Drift(scan.Without("Trash"), file); !d.Zero() {
		t.Errorf("Drift without Trash = %+v, want zero", d)
	}
}

func FuzzParseMaildirsize(f *testing.F) {
	for _, s := range []string{"0S\n299 1\n", "10S,5C\n  1  1\n-1 -1\n", "5S\nx\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := maildir.ParseMaildirsize(data)
		if err != nil {
			return
		}
		if m.Size != len(data) || m.Lines < 0 || m.Malformed < 0 {
			t.Fatalf("inconsistent result %+v for %q", m, data)
		}
	})
}

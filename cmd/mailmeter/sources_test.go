package main

import (
	"testing"

	"github.com/mailmeter/mailmeter/config"
)

// Each configured log joins the stream of its host and log name, which a
// backfill of its rotated files joins too; two logs that would share one
// get a stream each, named by their path; with --push there is none.
func TestLogSourcesStreams(t *testing.T) {
	c := config.Config{Logs: []config.LogFile{
		{Path: "/var/log/mail.log", Host: "mx1"},
		{Path: "/var/log/exim4/mainlog", Host: "mx1"},
		{Path: "/var/log/b/mainlog", Host: "mx1"},
		{Path: "/var/log/b/mainlog", Host: "mx2"},
	}}
	srcs, err := logSources(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mx1:mail.log", "mx1:/var/log/exim4/mainlog", "mx1:/var/log/b/mainlog", "mx2:mainlog"}
	for i, s := range srcs {
		if s.Stream != want[i] {
			t.Errorf("%s: stream %q, want %q", s.Name, s.Stream, want[i])
		}
	}
	c.Collect.Push = "https://api.example/"
	srcs, _ = logSources(c)
	for _, s := range srcs {
		if s.Stream != "" {
			t.Errorf("%s with --push: stream %q, want none", s.Name, s.Stream)
		}
	}
}

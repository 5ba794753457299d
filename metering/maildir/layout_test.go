package maildir_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/maildir"
)

func TestParseLayoutInvalid(t *testing.T) {
	tests := []struct{ template, domain string }{
		{"var/vmail/%d/%n", ""},            // relative
		{"/var/vmail/%d", ""},              // no user
		{"/home/%n/Maildir", ""},           // no domain
		{"/home/%n/Maildir", "bad domain"}, // invalid fixed domain
		{"/var/vmail/%d/%n", "example.com"},
		{"/var/vmail/%u/%n", ""},
		{"/var/vmail/%d/%n/%n", ""},
		{"/var/vmail/%d/%n-%d", ""},
		{"/var/vmail/%x/%u", ""},
		{"/var/vmail/%u%", ""},
	}
	for _, tt := range tests {
		t.Run(tt.template+" "+tt.domain, func(t *testing.T) {
			_, err := maildir.ParseLayout(tt.template, tt.domain)
			if metering.KindOf(err) != metering.Invalid || metering.FieldOf(err) != "template" {
				t.Errorf("ParseLayout(%q, %q) error = %v, want invalid template", tt.template, tt.domain, err)
			}
		})
	}
}

func TestLayoutPath(t *testing.T) {
	tests := []struct{ template, domain, mailbox, want string }{
		{"/var/vmail/%d/%n", "", "Bob@Example.COM", "/var/vmail/example.com/bob"},
		{"maildir:/var/vmail/%Ld/%Ln/Maildir:LAYOUT=index", "", "bob@example.com", "/var/vmail/example.com/bob/Maildir"},
		{"/home/%n/Maildir", "example.com", "bob@example.com", "/home/bob/Maildir"},
		{"/srv/mail/%u.d", "", "bob@example.com", "/srv/mail/bob@example.com.d"},
		{"/srv/100%%/%u", "", "bob@example.com", "/srv/100%/bob@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			got, err := mustLayout(t, tt.template, tt.domain).Path(tt.mailbox)
			if err != nil || got != tt.want {
				t.Errorf("Path(%q) = %q, %v; want %q", tt.mailbox, got, err, tt.want)
			}
		})
	}
	if _, err := mustLayout(t, "/home/%n/Maildir", "example.com").Path("bob@example.org"); err == nil {
		t.Error("Path of a mailbox in another domain: no error")
	}
}

func TestDiscoverSystemUsers(t *testing.T) {
	root := t.TempDir()
	maildirs(t, filepath.Join(root, "bob", "Maildir"))
	maildirs(t, filepath.Join(root, "Carol", "Maildir"))
	mkdirs(t, root, "nomail") // a home without Maildir
	mkdirs(t, root, "dan")
	writeFile(t, filepath.Join(root, "dan", "Maildir"), 0) // not a directory
	mkdirs(t, root, "ed/mail")
	symlink(t, "mail", filepath.Join(root, "ed", "Maildir")) // not followed
	mkdirs(t, root, "a@b/Maildir")                           // "@" in a local part

	l := mustLayout(t, filepath.Join(root, "%n", "Maildir"), "Example.com")
	locs, problems, err := l.Discover(context.Background(), maildir.OSFS{})
	if err != nil {
		t.Fatal(err)
	}
	want := []maildir.Location{
		{Mailbox: "bob@example.com", Path: filepath.Join(root, "bob", "Maildir")},
		{Mailbox: "carol@example.com", Path: filepath.Join(root, "Carol", "Maildir")},
	}
	if diff := cmp.Diff(want, locs); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	wantProblems := []string{"missing nomail/Maildir", "symlink ed/Maildir", "unknown a@b/Maildir", "unknown dan/Maildir"}
	sort.Strings(wantProblems)
	if diff := cmp.Diff(wantProblems, problemSet(t, root, problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestDiscoverFullAddress(t *testing.T) {
	root := t.TempDir()
	maildirs(t, filepath.Join(root, "bob@example.com"))
	maildirs(t, filepath.Join(root, "BOB@example.com")) // same mailbox, other spelling
	maildirs(t, filepath.Join(root, "no-at-sign"))
	l := mustLayout(t, filepath.Join(root, "%u"), "")
	locs, problems, err := l.Discover(context.Background(), maildir.OSFS{})
	if err != nil {
		t.Fatal(err)
	}
	// "BOB@…" sorts first, so it is the one kept; the other is reported.
	want := []maildir.Location{{Mailbox: "bob@example.com", Path: filepath.Join(root, "BOB@example.com")}}
	if diff := cmp.Diff(want, locs); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"unknown bob@example.com", "unknown no-at-sign"}, problemSet(t, root, problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestDiscoverMissingRoot(t *testing.T) {
	l := mustLayout(t, filepath.Join(t.TempDir(), "nope", "%d", "%n"), "")
	if _, _, err := l.Discover(context.Background(), maildir.OSFS{}); err == nil {
		t.Error("Discover with a missing root: no error")
	}
}

package deploy_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
)

var static struct {
	once sync.Once
	bin  string
	err  error
}

// buildStatic builds cmd/mailmeter as the Dockerfile does, once per run.
func buildStatic(t *testing.T) string {
	t.Helper()
	static.once.Do(func() {
		dir, err := os.MkdirTemp("", "mailmeter-static-")
		if err != nil {
			static.err = err
			return
		}
		static.bin = filepath.Join(dir, "mailmeter")
		cmd := exec.Command("go", "build", "-trimpath", "-tags", "timetzdata", "-o", static.bin, "../cmd/mailmeter")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			static.err = fmt.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
		}
	})
	if static.err != nil {
		t.Fatal(static.err)
	}
	return static.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if static.bin != "" {
		os.RemoveAll(filepath.Dir(static.bin))
	}
	os.Exit(code)
}

// The Dockerfile's binary runs on scratch: no interpreter, no shared library.
func TestStaticBinary(t *testing.T) {
	bin := buildStatic(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a program interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "mailmeter ") {
		t.Errorf("mailmeter version: %v: %s", err, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The Dockerfile builds in one stage and runs in another, as a non-root
// user, with a HEALTHCHECK on /healthz through the binary itself.
func TestDockerfile(t *testing.T) {
	df := readFile(t, "../Dockerfile")
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 2 {
		t.Errorf("%d FROM lines: want a multi-stage build", n)
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(df)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0:") || user[1] == "0" {
		t.Errorf("USER %v: want a non-root user", user)
	}
	for _, want := range []string{"CGO_ENABLED=0", "HEALTHCHECK", `"healthcheck", "http://127.0.0.1:8080/healthz"`} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
}

// docker build, where a daemon runs and the base images are present: CI
// must not depend on pulling them from the internet.
func TestDockerBuild(t *testing.T) {
	docker, err := exec.LookPath("docker")
	testenv.SkipUnless(t, err == nil, "docker", "install Docker to build the image")
	if out, err := exec.Command(docker, "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		testenv.Skip(t, "a running Docker daemon", "docker info: "+firstLine(out))
	}
	df := readFile(t, "../Dockerfile")
	for _, m := range regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1) {
		if m[1] == "scratch" {
			continue
		}
		if err := exec.Command(docker, "image", "inspect", m[1]).Run(); err != nil {
			testenv.Skip(t, "the base image "+m[1]+" locally", "docker pull "+m[1]+"; the test never pulls: no network in CI")
		}
	}
	tag := "mailmeter-test:" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	cmd := exec.Command(docker, "build", "--pull=false", "-t", tag, "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	defer exec.Command(docker, "image", "rm", "-f", tag).Run()
	out, err := exec.Command(docker, "image", "inspect", "--format", "{{.Config.User}} {{.Config.Healthcheck.Test}}", tag).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "65532") || !strings.Contains(string(out), "/healthz") {
		t.Errorf("image config: %v: %s", err, out)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// The systemd units parse cleanly (systemd-analyze verify, with the binary
// they start) and sandbox the service.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	testenv.SkipUnless(t, err == nil, "systemd-analyze", "apt-get install systemd")
	bin := buildStatic(t)
	dir := t.TempDir()
	units, _ := filepath.Glob("systemd/*.service")
	if len(units) != 2 {
		t.Fatalf("units %v: want mailmeter-serve and mailmeter-collect", units)
	}
	var paths []string
	for _, u := range units {
		text := readFile(t, u)
		for _, want := range []string{"ProtectSystem=strict", "ReadWritePaths=/var/lib/mailmeter", "NoNewPrivileges=yes", "SupplementaryGroups=adm"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %s", u, want)
			}
		}
		if !strings.Contains(text, "\nUser=mailmeter") && !strings.Contains(text, "\nDynamicUser=yes") {
			t.Errorf("%s runs as root: want User= or DynamicUser=", u)
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "/usr/local/bin/mailmeter", bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(analyze, append([]string{"verify"}, paths...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, stderr.String())
	}
}

// The logrotate example parses (logrotate -d reads it without rotating).
func TestLogrotateExample(t *testing.T) {
	lr, err := exec.LookPath("logrotate")
	if err != nil {
		lr, err = "/usr/sbin/logrotate", nil
		if _, err = os.Stat(lr); err != nil {
			testenv.Skip(t, "logrotate", "apt-get install logrotate")
		}
	}
	text := readFile(t, "logrotate/mail")
	if regexp.MustCompile(`(?m)^\s*copytruncate`).MatchString(text) {
		t.Error("the example rotates with copytruncate, which loses lines")
	}
	state := filepath.Join(t.TempDir(), "state")
	out, err := exec.Command(lr, "-d", "-s", state, "logrotate/mail").CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("error:")) {
		t.Errorf("logrotate -d: %v\n%s", err, out)
	}
}

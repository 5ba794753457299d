package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/config"
)

// An unknown key is named by its path in the configuration and its line,
// wherever it is: top level, nested, inside a list item.
func TestUnknownKeyNamesKeyAndLine(t *testing.T) {
	for body, want := range map[string]string{
		"db: sqlite:x.db\ncolour: blue\n":                                                      `line 2: unknown key "colour"`,
		"log:\n  format: text\n  colour: blue\n":                                               `line 3: unknown key "log.colour"`,
		"logs:\n  - path: /var/log/mail.log\n  - path: x\n    fromat: exim\n":                  `line 4: unknown key "logs[1].fromat"`,
		"billing:\n  plans:\n    - name: p\n      sla: {tiers: [{below_ppm: 1, credit: 2}]}\n": `line 4: unknown key "billing.plans[0].sla.tiers[0].credit"`,
	} {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(path, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %v, want it to name the file and say %s", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "not found in type") {
			t.Errorf("%q: error %v speaks of Go types", body, err)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := strings.Join(config.Keys(), " ")
	for _, want := range []string{"db", "log.format", "logs[].path", "billing.plans[].sla.tiers[].credit_bp", "quota.webhook_secret",
		"billing.plans[].mailbox_fee", "billing.plans[].storage_tiers[].per_gb"} {
		if !strings.Contains(" "+keys+" ", " "+want+" ") {
			t.Errorf("Keys() lacks %s: %s", want, keys)
		}
	}
	for _, not := range []string{"logs ", "billing.plans.", "log "} {
		if strings.Contains(keys+" ", not) {
			t.Errorf("Keys() lists %q, not a leaf key: %s", not, keys)
		}
	}
}

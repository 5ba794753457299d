package exim

import "testing"

func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for k := KindUnknown; k < numKinds; k++ {
		name := k.String()
		if (name == "unknown") != (k == KindUnknown) {
			t.Errorf("kind %d named %q", k, name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d both named %q", prev, k, name)
		}
		seen[name] = k
	}
	if got := Kind(200).String(); got != "unknown" {
		t.Errorf("out-of-range kind named %q", got)
	}
}

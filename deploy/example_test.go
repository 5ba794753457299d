package deploy_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/mailmeter/mailmeter/config"
)

const example = "mailmeter.example.yaml"

// The example configuration loads, and what it sets is exactly the
// built-in default.
func TestExampleConfigIsTheDefault(t *testing.T) {
	c, err := config.Load(example, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(config.Default(), c, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("deploy/%s differs from config.Default() (-default +example):\n%s", example, d)
	}
}

// Every configuration key is in the example, with a comment, and the
// example names no key the loader does not know.
func TestExampleConfigHasEveryKey(t *testing.T) {
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	collect(t, doc.Content[0], "", documented, true)
	keys := config.Keys()
	for _, k := range keys {
		if !documented[k] {
			t.Errorf("configuration key %s is missing from deploy/%s: whoever adds a key to config.Config "+
				"describes it there, set to its default, with a comment (a list item's keys go in the "+
				"\"Each entry, for example:\" comment above the list)", k, example)
		}
	}
	for k := range documented {
		if !slices.Contains(keys, k) {
			t.Errorf("deploy/%s documents %s, which config.Config does not have", example, k)
		}
	}
}

// collect adds the key paths under n to keys. Real keys must carry a
// comment; a list's items are read from its "Each entry" comment.
func collect(t *testing.T, n *yaml.Node, path string, keys map[string]bool, real bool) {
	t.Helper()
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			switch {
			case v.Kind == yaml.MappingNode:
				collect(t, v, p, keys, real)
			case v.Kind == yaml.SequenceNode && (len(v.Content) == 0 || v.Content[0].Kind == yaml.MappingNode) && isList(k):
				item := entryExample(t, p, k.HeadComment)
				collect(t, item, p+"[]", keys, false)
			case v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Content[0].Kind == yaml.MappingNode:
				collect(t, v.Content[0], p+"[]", keys, false)
			default:
				keys[p] = true
				if real && k.HeadComment == "" && k.LineComment == "" && v.LineComment == "" {
					t.Errorf("deploy/%s: %s (line %d) has no comment saying what it does", example, p, k.Line)
				}
			}
		}
	case yaml.SequenceNode:
		if len(n.Content) > 0 {
			collect(t, n.Content[0], path, keys, real)
		}
	}
}

// isList says whether a key's comment carries an example entry.
func isList(k *yaml.Node) bool { return strings.Contains(k.HeadComment, "Each entry") }

// entryExample parses the commented example entry of a list key.
func entryExample(t *testing.T, path, comment string) *yaml.Node {
	t.Helper()
	lines := strings.Split(comment, "\n")
	for i, l := range lines {
		if strings.Contains(l, "Each entry") {
			lines = lines[i+1:]
			break
		}
	}
	var text strings.Builder
	for _, l := range lines {
		text.WriteString(strings.TrimPrefix(strings.TrimPrefix(l, "#"), " ") + "\n")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text.String()), &doc); err != nil || len(doc.Content) == 0 ||
		doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) == 0 {
		t.Fatalf("deploy/%s: the example entry of %s does not read as a YAML list item (%v):\n%s", example, path, err, text.String())
	}
	return doc.Content[0].Content[0]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Keys returns every configuration key, dotted, with "[]" for the items of
// a list ("logs[].path"): the leaves a YAML file can set, in the order the
// Config type declares them.
func Keys() []string {
	var keys []string
	walkKeys(reflect.TypeOf(Config{}), "", &keys)
	return keys
}

func walkKeys(t reflect.Type, path string, keys *[]string) {
	switch {
	case t.Kind() == reflect.Pointer:
		walkKeys(t.Elem(), path, keys)
	case reflect.PointerTo(t).Implements(unmarshaler):
		*keys = append(*keys, path) // a value of its own (an Amount)
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if inline(f) {
				walkKeys(f.Type, path, keys) // its keys are the parent's
			} else if name := yamlName(f); name != "" {
				walkKeys(f.Type, join(path, name), keys)
			}
		}
	case t.Kind() == reflect.Slice && elemStruct(t):
		walkKeys(t.Elem(), path+"[]", keys)
	default:
		*keys = append(*keys, path)
	}
}

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

func elemStruct(t reflect.Type) bool {
	e := t.Elem()
	for e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	return e.Kind() == reflect.Struct
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// checkKeys walks a YAML document against type t and returns an error
// naming the first key t does not have, by its path and line:
// `line 4: unknown key "logs[1].fromat"`.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := checkKeys(c, t, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct {
			return nil // a map, or a type mismatch the decoder reports
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fieldByYAML(t, k.Value)
			if !ok {
				return fmt.Errorf("line %d: unknown key %q (see deploy/mailmeter.example.yaml for every key)", k.Line, join(path, k.Value))
			}
			if err := checkKeys(v, f.Type, join(path, k.Value)); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, c := range n.Content {
			if err := checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		return checkKeys(n.Alias, t, path)
	}
	return nil
}

func fieldByYAML(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if inline(f) {
			it := f.Type
			for it.Kind() == reflect.Pointer {
				it = it.Elem()
			}
			if g, ok := fieldByYAML(it, key); ok {
				return g, true
			}
			continue
		}
		if yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// inline reports whether f's keys are written in its parent's mapping
// (`yaml:",inline"`).
func inline(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return f.IsExported() && strings.Contains(","+opts+",", ",inline,")
}

// Package openapi holds mailmeter's HTTP contract, openapi.yaml (OpenAPI
// 3.1), embedded so the API can serve it at /openapi.yaml and tests can check
// every route and response against it.
package openapi

import _ "embed"

// Spec is the text of openapi.yaml.
//
//go:embed openapi.yaml
var Spec []byte

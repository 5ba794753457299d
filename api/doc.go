// Package api is mailmeter's HTTP front door: gin routes under /v1, JWT
// authentication, request validation and RFC 9457 problem+json errors.
// Handlers are thin: parse, authorize, call the domain, encode.
//
// Authentication (auth.go) accepts HS256 tokens signed with the configured
// secret (no kid) and EdDSA/RS256 tokens whose kid names a configured public
// key; the token's alg must be its key's, exp is required, iss and aud are
// checked, and up to MaxClockSkew of skew is allowed. Verified tokens are
// remembered until they expire, so a quota bar polling with one token costs
// no signature check. Authorization (authz.go) is by role per route (403)
// and by tenant per resource: another tenant's customer, domain or mailbox
// answers 404, as if it did not exist.
//
// Every error goes through writeProblem (problem.go), the one table from
// error kinds to HTTP statuses. openapi/openapi.yaml describes every route;
// the tests check the router against it and every response they get.
package api

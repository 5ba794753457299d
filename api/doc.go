// Package api is mailmeter's HTTP front door: gin routes under /v1, JWT
// authentication, request validation and RFC 9457 problem+json errors.
// Handlers are thin: parse, authorize, call the domain, encode.
package api

// Package ui is mailmeter's web console and quota widget: HTML, CSS and
// JavaScript embedded in the binary (no Node toolchain to build or run),
// drawn from the /v1 API in the browser with the viewer's own token.
//
// The console (/ui/) signs in with a JWT pasted once or carried in the URL
// fragment (/ui/#token=JWT: a fragment never reaches the server), kept in
// sessionStorage; the token's role decides which pages it shows, and every
// figure comes through the API, under the same tenancy rules as any other
// client. The quota widget (/embed/quota, or the <mailmeter-quota> element
// of /embed/quota.js) is the bar a webmail shows its user.
//
// Charts use uPlot (assets/console/vendor/uplot, MIT, version in VERSION).
// No request leaves the page's origin: the Content-Security-Policy allows
// 'self' only, and the widget may be framed by the configured origins.
package ui

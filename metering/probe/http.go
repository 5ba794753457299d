package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxBody bounds the part of an HTTP answer matched against HTTPCheck.Body.
const maxBody = 1 << 20

// checkHTTP GETs t.HTTP.URL (following redirects, no proxy) and checks
// the final answer's status and body.
func checkHTTP(ctx context.Context, t Target, d *Detail) error {
	// ServerName stays empty unless configured: the transport sets each
	// host's, also after a redirect to another host.
	tc := &tls.Config{ServerName: t.Verify.ServerName, RootCAs: t.Verify.RootCAs, MinVersion: tls.VersionTLS12}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   tc,
		DisableKeepAlives: true,
		ForceAttemptHTTP2: true,
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.HTTP.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "mailmeter-probe")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	d.HTTPStatus = resp.StatusCode
	if resp.TLS != nil {
		d.noteCerts(resp.TLS.PeerCertificates, time.Now(), t.Verify.WarnBefore)
	}
	if want := t.HTTP.Status; (want == 0 && (resp.StatusCode < 200 || resp.StatusCode > 299)) || (want != 0 && resp.StatusCode != want) {
		return fmt.Errorf("status %s, want %s", resp.Status, wantStatus(want))
	}
	if t.HTTP.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if !t.HTTP.Body.Match(body) {
		return fmt.Errorf("the body does not match %q", t.HTTP.Body.String())
	}
	return nil
}

func wantStatus(want int) string {
	if want == 0 {
		return "2xx"
	}
	return fmt.Sprint(want)
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const healthcheckUsage = "healthcheck [--timeout 5s] [URL]"

// runHealthcheck is a container's HEALTHCHECK (the image has no curl): it
// GETs URL (default http://127.0.0.1:8080/healthz) and exits 0 on a 2xx
// answer, 1 otherwise, as Docker wants (2 is reserved there).
func runHealthcheck(ctx context.Context, e env, args []string) error {
	f := newFlags("healthcheck", healthcheckUsage, e)
	timeout := f.Duration("timeout", 5*time.Second, "give up after this long")
	pos, err := f.parse(e, args, 0, 1)
	if err != nil {
		return err
	}
	url := "http://127.0.0.1:8080/healthz"
	if len(pos) == 1 {
		url = pos[0]
	}
	return healthcheck(ctx, e.stdout, url, *timeout)
}

func healthcheck(ctx context.Context, w io.Writer, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usagef("URL %q: %v", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(w, "healthy: %s answered %s\n", url, resp.Status)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"text/tabwriter"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/config"
	"github.com/mailmeter/mailmeter/store"
)

// openStore opens the configured database; with migrate it also applies
// pending migrations, otherwise it refuses to work on an outdated schema.
func openStore(ctx context.Context, c config.Config, log *slog.Logger, migrate bool) (*store.Store, error) {
	s, err := store.Open(ctx, c.DB, log)
	if err != nil {
		return nil, err
	}
	if migrate {
		done, err := s.Migrate(ctx)
		if err != nil {
			s.Close()
			return nil, err
		}
		for _, m := range done {
			log.Info("migration applied", "version", m.Version, "name", m.Name)
		}
		return s, nil
	}
	n, err := s.Pending(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if n > 0 {
		s.Close()
		return nil, fmt.Errorf("database has %d pending migrations; run mailmeter migrate up", n)
	}
	return s, nil
}

func runVersion(_ context.Context, e env, args []string) error {
	f := newFlags("version", "version", e)
	if _, err := f.parse(e, args, 0, 0); err != nil {
		return err
	}
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintln(e.stdout, "mailmeter", v)
	return nil
}

func runMigrate(ctx context.Context, e env, args []string) error {
	f := newFlags("migrate", "migrate up|status [--json]", e)
	asJSON := f.Bool("json", false, "status: print JSON")
	pos, err := f.parse(e, args, 1, 1)
	if err != nil {
		return err
	}
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, c.DB, log)
	if err != nil {
		return err
	}
	defer s.Close()
	switch pos[0] {
	case "up":
		done, err := s.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, m := range done {
			fmt.Fprintf(e.stdout, "applied %04d %s\n", m.Version, m.Name)
		}
		if len(done) == 0 {
			fmt.Fprintln(e.stdout, "database is up to date")
		}
		return nil
	case "status":
		ms, err := s.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, migrationsJSON(ms))
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATUS")
		for _, m := range ms {
			st := "pending"
			if m.AppliedAt != nil {
				st = "applied " + m.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, st)
		}
		return tw.Flush()
	}
	return usagef("unknown migrate action %q; want up or status", pos[0])
}

// migrationsJSON is migrate status --json: version, name and, once
// applied, applied_at.
func migrationsJSON(ms []store.Migration) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"version": m.Version, "name": m.Name, "applied": m.AppliedAt != nil}
		if m.AppliedAt != nil {
			out[i]["applied_at"] = m.AppliedAt.UTC().Format(time.RFC3339)
		}
	}
	return out
}

// serveHTTP serves until ctx ends, then lets in-flight requests finish.
func serveHTTP(ctx context.Context, log *slog.Logger, addr string, h http.Handler, t api.Timeouts) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := api.NewServer(h, t)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down; waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// httpTimeouts are the HTTP servers' timeouts from the api section.
func httpTimeouts(c config.Config) api.Timeouts {
	return api.Timeouts{Read: time.Duration(c.API.ReadTimeout), Write: time.Duration(c.API.WriteTimeout), Idle: time.Duration(c.API.IdleTimeout)}
}

// withStore loads the configuration and opens a migrated store for a
// command, closing it after fn.
func withStore(ctx context.Context, e env, f *cmdFlags, fn func(config.Config, *store.Store) error) error {
	c, log, err := f.load(e)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log, true)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(c, s)
}

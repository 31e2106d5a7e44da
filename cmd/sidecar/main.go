// Command sidecar serves the two room searches of the occupancy API from
// the snapshot written by the build, and for development the built static
// tree. See package occupancy/sidecar.
//
// Usage:
//
//	sidecar [-addr 127.0.0.1:8080] [-snapshot public/occupancy.snapshot] [-static public] [flags]
//	sidecar -snapshot https://bucket.example.org/releases/occupancy.snapshot [-snapshot-header 'Authorization: Bearer …'] [flags]
//
// The snapshot is a file, or an http(s) URL (an object store, a CDN) polled
// every -poll with If-None-Match, so that replicas on other machines follow
// a release without a restart. SIGHUP reloads the snapshot (for a URL, an
// unconditional GET); it is also reloaded when the file or the URL's object
// changes. SIGTERM and SIGINT shut down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // campus time zone without system zoneinfo

	"golang.org/x/net/http/httpguts"

	"occupancy/sidecar"
)

// version is set with -ldflags "-X main.version=…".
var version = "dev"

// flagOfField names the flag that sets each field of sidecar.Config that
// sidecar.New may refuse.
var flagOfField = map[string]string{
	"TimeZone":     "-tz",
	"SnapshotPath": "-snapshot",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sidecar:", err)
		os.Exit(1)
	}
}

// run parses args, serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.version {
		fmt.Fprintln(stdout, "sidecar", version)
		return nil
	}
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	srv, err := sidecar.New(cfg, log)
	if err != nil {
		// The configuration's fields are this command's flags.
		if ce := (*sidecar.ConfigError)(nil); errors.As(err, &ce) && flagOfField[ce.Field] != "" {
			return fmt.Errorf("invalid %s: %w", flagOfField[ce.Field], ce.Err)
		}
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("invalid -addr: %w", err)
	}
	// The snapshot's location is logged without a URL's userinfo or query.
	log.Info("listening", "addr", ln.Addr().String(), "version", version, "snapshot", srv.Store().Location(), "static", cfg.StaticDir)
	if srv.Store().Index() == nil {
		log.Warn("not ready: no valid snapshot; /readyz and the searches answer 503 until one is loaded",
			"snapshot", srv.Store().Location(), "err", srv.Store().LastError())
	}
	return serve(ctx, srv, ln, cfg.ShutdownTimeout, log)
}

// flags are the command line, parsed: the server's configuration as far
// as flags set it, and what the command turns into configuration or acts
// on itself.
type flags struct {
	cfg                 sidecar.Config
	headers             []string // -snapshot-header values, not yet parsed
	origins             string   // -cors-origins
	logFormat, logLevel string
	version             bool
}

// parseFlags parses args; -h and -help give flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{cfg: sidecar.DefaultConfig()}
	cfg := &f.cfg
	fs := flag.NewFlagSet("sidecar", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen `address`")
	fs.StringVar(&cfg.SnapshotPath, "snapshot", cfg.SnapshotPath, "snapshot written by the build: a `file`, or an http:// or https:// URL polled with ETags (userinfo is sent as basic auth; neither it nor the query string is logged)")
	// Headers are parsed later, since the errors of fs.Parse would quote them.
	fs.Func("snapshot-header", "`header` sent with every request for a snapshot URL, as \"Name: value\", such as a token (repeatable; values are never logged)", func(v string) error {
		f.headers = append(f.headers, v)
		return nil
	})
	fs.Int64Var(&cfg.SnapshotFetch.MaxBytes, "max-snapshot", sidecar.DefaultMaxSnapshotBytes, "largest snapshot read, from a file or a URL, in `bytes`: a larger one is refused and the one in place kept")
	fs.DurationVar(&cfg.SnapshotFetch.Timeout, "snapshot-timeout", sidecar.DefaultFetchTimeout, "time limit of one fetch of a snapshot URL (connection, answer and body)")
	fs.StringVar(&cfg.StaticDir, "static", cfg.StaticDir, "static tree to serve at the GET URLs (\"\" = none)")
	fs.StringVar(&cfg.TimeZone, "tz", cfg.TimeZone, "campus time `zone` for datetimes with an explicit offset")
	fs.BoolVar(&cfg.RFC3339, "rfc3339", cfg.RFC3339, "write datetimes with their true offset, as the build's -rfc3339 (use the same setting for both)")
	fs.IntVar(&cfg.MaxBodyBytes, "max-body", cfg.MaxBodyBytes, "largest request body in `bytes`")
	fs.IntVar(&cfg.MaxRanges, "max-ranges", cfg.MaxRanges, "most ranges in a selection")
	fs.IntVar(&cfg.AnswerCache, "answer-cache", cfg.AnswerCache, "`bytes` of whole answers kept per snapshot for the searches that depend on no position (find_soonest_bookings, find_free_rooms without coordinates); 0 = none")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "time to read a request")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "time to write a response")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "keep-alive idle time")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "most concurrent connections")
	fs.IntVar(&cfg.MaxConnsPerIP, "max-conns-per-ip", cfg.MaxConnsPerIP, "most concurrent connections per client IP, so that one client cannot hold them all (0 = unlimited: behind a proxy, whose connections all come from one address)")
	fs.StringVar(&f.origins, "cors-origins", "*", "comma-separated browser `origins` allowed by CORS (* = any)")
	fs.DurationVar(&cfg.CORSMaxAge, "cors-max-age", cfg.CORSMaxAge, "Access-Control-Max-Age of preflight responses")
	fs.DurationVar(&cfg.PollInterval, "poll", cfg.PollInterval, "how often to check the snapshot file or URL for changes (a failing URL is polled less often, up to 30s or 10 polls apart)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "graceful shutdown limit")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return f, nil
}

// newLogger returns the logger that -log-format and -log-level ask for,
// writing to stderr.
func newLogger(stderr io.Writer, format, levelName string) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, fmt.Errorf("invalid -log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid -log-format %q: want text or json", format)
}

// config completes the server's configuration with what the command
// parses itself (origins, snapshot headers), and checks the flags that
// sidecar.New does not.
func (f *flags) config() (sidecar.Config, error) {
	cfg := f.cfg
	cfg.AllowedOrigins = nil
	for o := range strings.SplitSeq(f.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	for _, h := range f.headers {
		name, value, err := parseHeader(h)
		if err != nil {
			return cfg, fmt.Errorf("invalid -snapshot-header: %w", err)
		}
		if cfg.SnapshotFetch.Header == nil {
			cfg.SnapshotFetch.Header = http.Header{}
		}
		cfg.SnapshotFetch.Header.Add(name, value)
	}
	if len(cfg.SnapshotFetch.Header) > 0 && !sidecar.IsSnapshotURL(cfg.SnapshotPath) {
		return cfg, errors.New("invalid -snapshot-header: it needs an http(s) -snapshot URL")
	}
	if cfg.SnapshotFetch.MaxBytes <= 0 {
		return cfg, errors.New("invalid -max-snapshot: want a positive number of bytes")
	}
	if cfg.SnapshotFetch.Timeout <= 0 {
		return cfg, errors.New("invalid -snapshot-timeout: want a positive duration")
	}
	return cfg, nil
}

// serve serves on ln, with the snapshot watched and SIGHUP reloading it,
// until ctx is done; then it shuts down within shutdownTimeout.
func serve(ctx context.Context, srv *sidecar.Server, ln net.Listener, shutdownTimeout time.Duration, log *slog.Logger) error {
	// Reloads (SIGHUP) run beside the loop, so that a slow snapshot URL
	// never delays a shutdown; they stop with it.
	var reloads sync.WaitGroup
	defer waitFor(&reloads, shutdownTimeout, log)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go srv.Watch(watchCtx)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	for {
		select {
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case <-hup:
			log.Info("SIGHUP: reloading snapshot")
			reloads.Go(func() { _ = srv.Store().ReloadContext(watchCtx) }) // logged and counted inside
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			<-served
			log.Info("stopped")
			return nil
		}
	}
}

// waitFor waits for the reloads under way, at most limit: a reload that
// does not end (a file on a hung network mount) never holds the process.
func waitFor(reloads *sync.WaitGroup, limit time.Duration, log *slog.Logger) {
	done := make(chan struct{})
	go func() {
		reloads.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		log.Warn("a snapshot reload did not end within -shutdown-timeout: stopping without it", "timeout", limit)
	}
}

// parseHeader parses a -snapshot-header value, "Name: value". Its errors
// never quote the value, which may be a secret.
func parseHeader(v string) (name, value string, err error) {
	name, value, ok := strings.Cut(v, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return "", "", errors.New(`want "Name: value"`)
	}
	for i, c := range name { // the name is not quoted: a misplaced colon would put the secret in it
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return "", "", fmt.Errorf("invalid character %q at byte %d of the header name", c, i)
		}
	}
	if !httpguts.ValidHeaderFieldValue(value) { // the rule net/http sends by
		return "", "", fmt.Errorf("header %s: the value holds a control character (line break, NUL, escape…)", name)
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host", "If-None-Match", "If-Modified-Since", "Content-Length", "Transfer-Encoding", "Connection":
		return "", "", fmt.Errorf("header %s is set by the sidecar itself", name)
	}
	return name, value, nil
}

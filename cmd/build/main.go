// Command build reads a timetable release (an XLSX workbook or a folder of
// CSV files) and publishes the static Occupancy FLEP API: one JSON file for
// every GET URL, a manifest and the sidecar's snapshot, swapped in
// atomically. Run it with -h for its options.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the campus time zone must not depend on the host

	"occupancy/generator"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
	"occupancy/source/xlsx"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "build:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// Config is what one build does.
type Config struct {
	In       string // an .xlsx workbook or a folder of <sheet>.csv; "" = the embedded sample
	Out      string // the published tree
	TZ       string // campus time zone
	RFC3339  bool   // write true offsets instead of wall-clock time with a Z
	NoSync   bool   // skip fsync (tests, benchmarks)
	Quiet    bool   // no progress lines
	Location *time.Location
}

// DefaultConfig is the configuration before flags.
func DefaultConfig() Config {
	return Config{Out: "public", TZ: "Europe/Zurich"}
}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: build [flags]\n\nPublishes the static Occupancy FLEP API of a timetable release.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.In, "in", cfg.In, "timetable release: an .xlsx workbook or a folder of <sheet>.csv files (default: the embedded sample)")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "folder of the published tree, replaced atomically")
	fs.StringVar(&cfg.TZ, "tz", cfg.TZ, "campus time zone (IANA name) of the release's wall-clock times")
	fs.BoolVar(&cfg.RFC3339, "rfc3339", cfg.RFC3339, "write datetimes with their true offset (2026-10-05T08:00:00+02:00) instead of campus time with a Z")
	fs.BoolVar(&cfg.NoSync, "no-sync", cfg.NoSync, "do not fsync the written files (faster, not crash-safe)")
	fs.BoolVar(&cfg.Quiet, "q", cfg.Quiet, "print only problems and the summary")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *showVersion {
		fmt.Fprintln(stderr, "build", version)
		return cfg, flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (give the release with -in)", fs.Arg(0))
	}
	loc, err := time.LoadLocation(cfg.TZ)
	if err != nil {
		return cfg, fmt.Errorf("invalid -tz %q: %w", cfg.TZ, err)
	}
	cfg.Location = loc
	if strings.TrimSpace(cfg.Out) == "" {
		return cfg, errors.New("invalid -out: empty")
	}
	return cfg, nil
}

// progress prints timed steps unless quiet.
type progress struct {
	w     io.Writer
	quiet bool
	start time.Time
	last  time.Time
}

func (p *progress) step(format string, args ...any) {
	now := time.Now()
	if !p.quiet {
		fmt.Fprintf(p.w, "%8s  %s\n", now.Sub(p.last).Round(time.Millisecond), fmt.Sprintf(format, args...))
	}
	p.last = now
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	now := time.Now()
	p := &progress{w: stderr, quiet: cfg.Quiet, start: now, last: now}

	raw, name, err := read(cfg.In)
	var readErrs *source.Errors
	if err != nil && (raw == nil || !errors.As(err, &readErrs)) {
		return err
	}
	for _, w := range raw.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	p.step("read %s (%d rows)", name, rowCount(raw))
	if err := ctx.Err(); err != nil {
		return err
	}
	// Check what could be read even when some of it could not, so that
	// one run reports every problem.
	rel, err := source.Decode(raw)
	var checkErrs *source.Errors
	if err != nil && !errors.As(err, &checkErrs) {
		return err
	}
	if readErrs != nil || checkErrs != nil {
		return report(stderr, name, source.Merge(readErrs, checkErrs))
	}
	p.step("checked %d rooms, %d courses, %d study plans, %d sessions, %d bookings",
		len(rel.Rooms), len(rel.Courses), len(rel.StudyPlans), len(rel.Sessions), len(rel.Bookings))
	files, err := generator.Render(rel, generator.Options{RFC3339: cfg.RFC3339, Location: cfg.Location})
	if err != nil {
		return err
	}
	p.step("rendered %d files", len(files))
	if err := ctx.Err(); err != nil {
		return err
	}
	rep, err := generator.Publish(cfg.Out, files, generator.PublishOptions{NoSync: cfg.NoSync})
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if rep.Untouched {
		p.step("compared with %s: the same release, left as it was", cfg.Out)
	} else {
		p.step("wrote and swapped in %s", cfg.Out)
	}
	fmt.Fprintln(stdout, rep)
	fmt.Fprintf(stdout, "done in %s%s\n", time.Since(p.start).Round(time.Millisecond), peakMemory())
	return nil
}

// peakMemory reports the process's peak resident memory where the system
// tells it (Linux), as ", peak memory N MiB".
func peakMemory() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			if _, err := fmt.Sscan(rest, &kb); err == nil {
				return fmt.Sprintf(", peak memory %d MiB", kb/1024)
			}
		}
	}
	return ""
}

// read opens the release named by in, or the embedded sample.
func read(in string) (*source.Raw, string, error) {
	if in == "" {
		raw, err := csv.ReadFS(sample.Files(), "sample", csv.Options{})
		return raw, "embedded sample", err
	}
	st, err := os.Stat(in)
	if err != nil {
		return nil, in, fmt.Errorf("invalid -in: %w", err)
	}
	if st.IsDir() {
		raw, err := csv.ReadDir(in, csv.Options{})
		return raw, in, err
	}
	if !strings.EqualFold(filepath.Ext(in), ".xlsx") {
		return nil, in, fmt.Errorf("invalid -in %s: want an .xlsx workbook or a folder of CSV files", in)
	}
	raw, err := xlsx.ReadFile(in, xlsx.Options{})
	return raw, in, err
}

// report prints the problems of a release one per line and returns the
// error that ends the build.
func report(stderr io.Writer, name string, es *source.Errors) error {
	fmt.Fprintln(stderr, es.Error())
	return fmt.Errorf("%s: %d problem(s); nothing was published", name, es.Len())
}

func rowCount(raw *source.Raw) int {
	return len(raw.Semesters.Rows) + len(raw.Rooms.Rows) + len(raw.Teachers.Rows) + len(raw.Courses.Rows) +
		len(raw.StudyPlans.Rows) + len(raw.Sessions.Rows) + len(raw.Bookings.Rows)
}

// Command build reads a timetable release (an XLSX workbook or a folder of
// CSV files) and publishes the static Occupancy FLEP API: one JSON file for
// every GET URL, a manifest and the sidecar's snapshot, swapped in
// atomically. Run it with -h for its options.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the campus time zone must not depend on the host

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/generator/tree/objstore"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
	"occupancy/source/xlsx"
)

var version = "dev"

// publishStage is told each stage of the publication (see
// tree.PublishOptions.Stage); nil but in tests, which slow a build
// down at a chosen moment through it.
var publishStage func(stage string)

// gcPercent is the garbage collector's target when GOGC is not set: the
// build keeps the decoded release live while it allocates every file's
// bytes in turn, so the default (100, a heap up to twice what is live)
// would spend memory on garbage; 50 keeps peak memory near 1.5 times the
// release's for a few percent more CPU (see BENCHMARKS.md).
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "build:", err)
		}
		os.Exit(exitCode(err))
	}
}

// Exit statuses, so that a script or a scheduler can tell what happened.
const (
	exitFailed  = 1 // the release has problems, or reading or writing failed
	exitLocked  = 3 // another build holds the output's lock: nothing was written
	exitShrink  = 4 // the release would remove too much of what is published: pass -allow-shrink
	exitRefused = 5 // the output folder is not the build's to replace, or overlaps the release
)

func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, tree.ErrLocked):
		return exitLocked
	case errors.Is(err, errShrink):
		return exitShrink
	case errors.Is(err, tree.ErrNotOwned), errors.Is(err, tree.ErrOverlap):
		return exitRefused
	}
	return exitFailed
}

// Config is what one build does.
type Config struct {
	In      string // an .xlsx workbook or a folder of <sheet>.csv; "" = the embedded sample
	Out     string // the published tree
	TZ      string // campus time zone
	RFC3339 bool   // write true offsets instead of wall-clock time with a Z
	NoSync  bool   // skip fsync (tests, benchmarks)
	// NoCompress skips the gzip and brotli copies of the JSON and page files.
	NoCompress bool
	Quiet      bool // no progress lines
	Location   *time.Location
	S3         *S3Config // nil: no upload
	// Wait is how long to wait for another build publishing into Out;
	// zero fails at once.
	Wait time.Duration
	// Plan compares the release with the published one, prints what
	// would change, and publishes nothing.
	Plan bool
	// MaxRemoved is the largest share, in percent, of the published
	// rooms, courses, study plans or sessions that a release may remove
	// without AllowShrink.
	MaxRemoved float64
	// AllowShrink publishes a release that removes more than MaxRemoved
	// or empties a sheet.
	AllowShrink bool
	// MaxOutput bounds the bytes the release renders (compressed copies
	// not counted): a small release that would expand to gigabytes stops
	// as soon as it passes the limit.
	MaxOutput int64
	// MaxCells bounds the cells read from the release (see
	// csv.Options.MaxCells); zero means source.DefaultMaxCells.
	MaxCells int
	// MaxXMLPart and MaxSharedText bound an XLSX workbook's parts and the
	// shared-string text its cells reference (see xlsx.Options); zero
	// means their defaults.
	MaxXMLPart, MaxSharedText int64
	// MaxUnzip bounds the unzipped size of an XLSX workbook, all its
	// parts together (see xlsx.Options.UnzipSizeLimit).
	MaxUnzip int64
	// Limits bounds what the release may publish (see source.Limits).
	Limits source.Limits
	// KeepChanges is how many releases the change feed keeps (see
	// generator.Options.KeepChanges); 0 publishes no feed.
	KeepChanges int
}

// S3Config is where and how the published tree is uploaded.
type S3Config struct {
	Target       objstore.Target
	Endpoint     objstore.Endpoint
	Region       string
	Lookup       objstore.Lookup
	Credentials  objstore.Credentials // from the environment only
	CreateBucket bool
	DryRun       bool
	Verbose      bool
	Workers      int
}

// DefaultMaxOutput is the default -max-output: 16 GiB. A campus renders
// about 57 MB (the embedded sample), 30 campuses 1.7 GB and 100 about
// 5.7 GB, so real releases pass with room to spare, and a release that
// expands without bound stops before it fills a disk.
const DefaultMaxOutput = 16 << 30

// DefaultConfig is the configuration before flags.
func DefaultConfig() Config {
	return Config{Out: "public", TZ: "Europe/Zurich", MaxRemoved: 30, MaxOutput: DefaultMaxOutput,
		MaxCells: source.DefaultMaxCells, MaxXMLPart: xlsx.DefaultMaxXMLPart, MaxSharedText: xlsx.DefaultMaxSharedText, MaxUnzip: xlsx.DefaultUnzipSizeLimit,
		Limits: source.DefaultLimits, KeepChanges: generator.DefaultKeepChanges}
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
	fs.BoolVar(&cfg.NoCompress, "no-compress", cfg.NoCompress, "do not write .gz and .br copies of the JSON and page files")
	fs.BoolVar(&cfg.Quiet, "q", cfg.Quiet, "print only problems and the summary")
	fs.DurationVar(&cfg.Wait, "wait", cfg.Wait, "when another build is publishing into -out, wait this long for it (for example 10m) instead of failing at once")
	fs.BoolVar(&cfg.Plan, "plan", cfg.Plan, "compare the release with the published one, print what would be added, changed and removed, publish nothing")
	fs.Float64Var(&cfg.MaxRemoved, "max-removed", cfg.MaxRemoved, "refuse a release that removes more than this percentage of the published rooms, courses, study plans or sessions (or empties a sheet), unless -allow-shrink")
	fs.BoolVar(&cfg.AllowShrink, "allow-shrink", cfg.AllowShrink, "publish even a release that removes more than -max-removed percent of something or empties a sheet")
	fs.IntVar(&cfg.MaxCells, "max-cells", cfg.MaxCells, "refuse a release of more than this many cells, all sheets together (each costs 100 to 200 bytes of memory while the release is checked)")
	fs.Var((*byteSize)(&cfg.MaxXMLPart), "max-xml-part", "refuse an .xlsx workbook with a part (such as a worksheet) that unzips to more than this many bytes, checked before anything is unzipped")
	fs.Var((*byteSize)(&cfg.MaxUnzip), "max-unzip", "refuse an .xlsx workbook that unzips to more than this many bytes, all its parts together, checked before anything is unzipped")
	fs.Var((*byteSize)(&cfg.MaxSharedText), "max-shared-text", "refuse an .xlsx workbook whose cells reference more than this many bytes of shared-string text, counted once per cell (each cell gets its own copy)")
	fs.IntVar(&cfg.Limits.MaxCourseOccurrences, "max-course-occurrences", cfg.Limits.MaxCourseOccurrences, "refuse a release with more than this many dated occurrences of one course (weekly sessions counted once per week they happen, plus dated bookings)")
	fs.IntVar(&cfg.Limits.MaxRoomOccurrences, "max-room-occurrences", cfg.Limits.MaxRoomOccurrences, "refuse a release with more than this many dated occurrences in one room")
	fs.IntVar(&cfg.Limits.MaxPlanSchedules, "max-plan-schedules", cfg.Limits.MaxPlanSchedules, "refuse a release in which one study plan lists more than this many dated occurrences (of its courses, in its semester)")
	fs.IntVar(&cfg.Limits.MaxListings, "max-listings", cfg.Limits.MaxListings, "refuse a release whose courses, rooms and study plans list more than this many dated occurrences in all (this bounds the size of the output)")
	fs.Var((*byteSize)(&cfg.MaxOutput), "max-output", "stop a release that renders more than this many bytes (compressed copies not counted), for example 16GiB or 500MB")
	fs.IntVar(&cfg.KeepChanges, "keep-changes", cfg.KeepChanges, "how many releases the change feed (api/changes, and changes.json and changes.atom of every room, course and study plan) keeps, newest first; 0 publishes no feed and forgets the kept releases")
	showVersion := fs.Bool("version", false, "print the version and exit")
	var s3 S3Config
	s3URL := fs.String("s3", "", "after the local publish, upload the tree to S3-compatible object storage at s3://bucket/prefix (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN)")
	s3Endpoint := fs.String("s3-endpoint", "", "S3 API endpoint: http://host:port, https://host:port or host:port (https) (default Amazon S3)")
	fs.StringVar(&s3.Region, "s3-region", os.Getenv("AWS_REGION"), "bucket region (default $AWS_REGION; empty: asked from the store)")
	s3Lookup := fs.String("s3-lookup", "auto", "bucket addressing: auto (path style except on Amazon S3), path or dns (virtual host)")
	fs.BoolVar(&s3.CreateBucket, "s3-create-bucket", false, "create the bucket when it does not exist (default: fail)")
	fs.BoolVar(&s3.DryRun, "s3-dry-run", false, "print what the upload would do, change nothing")
	fs.BoolVar(&s3.Verbose, "s3-verbose", false, "print every upload and delete")
	fs.IntVar(&s3.Workers, "s3-workers", 8, "parallel uploads and deletes")
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
	if cfg.MaxOutput <= 0 {
		return cfg, fmt.Errorf("invalid -max-output %d: want a size above 0", cfg.MaxOutput)
	}
	if cfg.MaxCells <= 0 {
		return cfg, fmt.Errorf("invalid -max-cells %d: want a number above 0", cfg.MaxCells)
	}
	if cfg.MaxXMLPart <= 0 {
		return cfg, fmt.Errorf("invalid -max-xml-part %d: want a size above 0", cfg.MaxXMLPart)
	}
	if cfg.MaxSharedText <= 0 {
		return cfg, fmt.Errorf("invalid -max-shared-text %d: want a size above 0", cfg.MaxSharedText)
	}
	if cfg.MaxUnzip < cfg.MaxXMLPart {
		return cfg, fmt.Errorf("invalid -max-unzip %s: want at least -max-xml-part (%s)", humanSize(cfg.MaxUnzip), humanSize(cfg.MaxXMLPart))
	}
	for _, l := range []struct {
		flag string
		v    int
	}{
		{"max-course-occurrences", cfg.Limits.MaxCourseOccurrences},
		{"max-room-occurrences", cfg.Limits.MaxRoomOccurrences},
		{"max-plan-schedules", cfg.Limits.MaxPlanSchedules},
		{"max-listings", cfg.Limits.MaxListings},
	} {
		if l.v <= 0 {
			return cfg, fmt.Errorf("invalid -%s %d: want a number above 0", l.flag, l.v)
		}
	}
	if cfg.KeepChanges < 0 || cfg.KeepChanges > maxKeepChanges {
		return cfg, fmt.Errorf("invalid -keep-changes %d: want 0 to %d", cfg.KeepChanges, maxKeepChanges)
	}
	if cfg.Wait < 0 {
		return cfg, fmt.Errorf("invalid -wait %s: want a duration of 0 or more", cfg.Wait)
	}
	if !(cfg.MaxRemoved >= 0 && cfg.MaxRemoved <= 100) {
		return cfg, fmt.Errorf("invalid -max-removed %v: want a percentage from 0 to 100", cfg.MaxRemoved)
	}
	if cfg.Plan && (*s3URL != "" || cfg.AllowShrink) {
		return cfg, errors.New("-plan publishes nothing: give it without -s3 and -allow-shrink")
	}
	if *s3URL == "" {
		var stray []string
		fs.Visit(func(f *flag.Flag) {
			if strings.HasPrefix(f.Name, "s3-") {
				stray = append(stray, "-"+f.Name)
			}
		})
		if len(stray) > 0 {
			return cfg, fmt.Errorf("%s given without -s3 s3://bucket/prefix", strings.Join(stray, ", "))
		}
		return cfg, nil
	}
	if s3.Target, err = objstore.ParseURL(*s3URL); err != nil {
		return cfg, fmt.Errorf("invalid -s3: %w", err)
	}
	if s3.Endpoint, err = objstore.ParseEndpoint(*s3Endpoint); err != nil {
		return cfg, fmt.Errorf("invalid -s3-endpoint: %w", err)
	}
	s3.Lookup = objstore.Lookup(*s3Lookup)
	if err := objstore.CheckLookup(s3.Lookup); err != nil {
		return cfg, fmt.Errorf("invalid -s3-lookup %q: %w", *s3Lookup, err)
	}
	if s3.Workers < 1 || s3.Workers > 256 {
		return cfg, fmt.Errorf("invalid -s3-workers %d: want 1 to 256", s3.Workers)
	}
	if s3.Credentials, err = objstore.CredentialsFromEnv(os.Getenv); err != nil {
		return cfg, fmt.Errorf("-s3: %w", err)
	}
	cfg.S3 = &s3
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

	// Lock and check the output while the release is read and checked:
	// the two take about as long, and an unchanged release costs little
	// else. A release with problems is reported as before: the opening
	// is cancelled and its lock let go.
	opening := openOutput(ctx, cfg)
	defer opening.abandon()
	raw, name, err := read(cfg)
	var readErrs *source.Errors
	if err != nil && (raw == nil || !errors.As(err, &readErrs)) {
		return err
	}
	for _, w := range raw.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	p.step("read %s (%d rows)", name, raw.Len())
	if err := ctx.Err(); err != nil {
		return err
	}
	// Check what could be read even when some of it could not, so that
	// one run reports every problem.
	rel, warnings, err := source.CheckWith(raw, cfg.Limits)
	var checkErrs *source.Errors
	if err != nil && !errors.As(err, &checkErrs) {
		return err
	}
	if readErrs != nil || checkErrs != nil {
		return report(stderr, name, source.Merge(readErrs, checkErrs))
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	p.step("checked %d rooms, %d courses, %d study plans, %d sessions, %d bookings",
		len(rel.Rooms), len(rel.Courses), len(rel.StudyPlans), len(rel.Sessions), len(rel.Bookings))
	// The record needs nothing of the output: write it while the output
	// is still being checked.
	record, err := source.MarshalRelease(rel)
	if err != nil {
		return fmt.Errorf("record the release: %w", err)
	}
	p.step("recorded the release (%d bytes)", len(record))
	out, err := opening.wait()
	if err != nil {
		return err
	}
	defer out.Close() // after the upload too: no other build may swap the tree it reads
	p.step("locked and checked %s", cfg.Out)
	inputs, err := inputsOf(record, rel, cfg)
	if err != nil {
		return err
	}
	fast := out.Unchanged(inputs)
	if !fast && !cfg.Plan {
		// A tree will be written: check the standby while the release is
		// compared (Close puts it back if the guard refuses the release).
		out.PrepareStandby()
	}
	changes, partial, err := compare(out, rel, record, stderr)
	if err != nil {
		return err
	}
	feed := changeFeed{keep: cfg.KeepChanges, changes: changes, partial: partial, date: now}
	if !fast && !cfg.Plan {
		if err := feed.readHistory(out); err != nil {
			return err
		}
	}
	p.step("compared with the published release")
	refusal := guard(cfg, changes)
	if cfg.Plan {
		fmt.Fprintf(stdout, "plan for %s (nothing published):\n%s\n", cfg.Out, changes.Summary(planExamples))
		if line := feed.summary(true); line != "" {
			fmt.Fprintln(stdout, line)
		}
		if refusal != nil {
			fmt.Fprintf(stdout, "the build would refuse this release: %v\n", refusal)
		}
		return refusal
	}
	if refusal != nil {
		fmt.Fprintln(stderr, changes.Summary(planExamples))
		return refusal
	}
	// The summary is all the report needs of the comparison, which is
	// not used after it: the rest can go before the render.
	examples := reportExamples
	if changes.First {
		examples = 0 // everything is new: the counts say enough
	}
	summary := changes.Summary(examples)
	if line := feed.summary(false); line != "" && !fast {
		summary += "\n" + line
	}
	var rep *tree.Report
	if fast {
		rep = out.Untouched() // the same inputs, every file in place: nothing to render
	} else if rep, err = publish(ctx, out, rel, record, cfg, inputs, &feed); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	switch {
	case fast:
		p.step("checked %s: made from the same inputs, every file in place; not rendered again", cfg.Out)
	case rep.Untouched:
		p.step("compared with %s: the same release, left as it was", cfg.Out)
	default:
		p.step("wrote and swapped in %s", cfg.Out)
	}
	fmt.Fprintln(stdout, rep)
	if fast {
		fmt.Fprintln(stdout, notRendered)
	}
	fmt.Fprintln(stdout, summary)
	if cfg.S3 != nil {
		res, err := upload(ctx, cfg, p, stdout, stderr)
		if err != nil {
			return s3Error(cfg.S3.Target, err)
		}
		fmt.Fprintln(stdout, res)
	}
	fmt.Fprintf(stdout, "done in %s%s\n", time.Since(p.start).Round(time.Millisecond), peakMemory())
	return nil
}

// opening is tree.OpenOutput running beside the reading of the release.
type opening struct {
	cancel context.CancelFunc
	done   chan struct{}
	out    *tree.Output
	err    error
	taken  bool // wait returned out: the caller closes it
}

// openOutput starts opening cfg.Out. When the published tree was made by
// a build (its manifest records inputs), it also looks up the sizes of
// its files, which an unchanged release needs (tree.Output.Unchanged).
// The standby tree is checked once the build knows it will write a tree
// (tree.Output.PrepareStandby, in run): started here, its walk slowed an
// unchanged release by a tenth on two cores.
func openOutput(ctx context.Context, cfg Config) *opening {
	ctx, cancel := context.WithCancel(ctx)
	o := &opening{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.out, o.err = tree.OpenOutput(ctx, cfg.Out, tree.OpenOptions{Wait: cfg.Wait, ReadOnly: cfg.Plan, Input: cfg.In})
		if o.err == nil && !cfg.Plan && o.out.Recorded() != "" {
			o.out.FilesInPlace()
		}
	}()
	return o
}

// wait returns the opened output, for the caller to close.
func (o *opening) wait() (*tree.Output, error) {
	<-o.done
	o.taken = o.err == nil
	return o.out, o.err
}

// abandon cancels an opening that wait did not return, and closes what
// it opened: a release with problems leaves no lock held.
func (o *opening) abandon() {
	o.cancel()
	<-o.done
	if !o.taken && o.err == nil {
		o.out.Close()
	}
}

// notRendered is what a build that took the fast path says.
const notRendered = "not rendered: the published tree was made from the same release, options and build, and every file is in place"

// publish renders rel (whose record is record) straight into a new tree
// of out, file by file, and
// swaps it in: the tree is never held in memory.
func publish(ctx context.Context, out *tree.Output, rel *source.Release, record []byte, cfg Config, inputs string, feed *changeFeed) (*tree.Report, error) {
	w, err := out.Begin(tree.PublishOptions{NoSync: cfg.NoSync, NoCompress: cfg.NoCompress, Stage: publishStage, MaxBytes: cfg.MaxOutput, Inputs: inputs})
	if err != nil {
		return nil, err
	}
	salt, err := saltOf(cfg)
	if err != nil {
		w.Abort()
		return nil, err
	}
	opt := generator.Options{RFC3339: cfg.RFC3339, Location: cfg.Location, Record: record, Salt: salt}
	feed.options(&opt, out)
	if err := generator.RenderTo(rel, opt, ctxSink{ctx, w}); err != nil {
		w.Abort()
		if errors.Is(err, tree.ErrTooLarge) {
			return nil, fmt.Errorf("%w: the release renders more than -max-output %s; raise it if the release is really this large", err, humanSize(cfg.MaxOutput))
		}
		return nil, err
	}
	return w.Commit()
}

// saltOf identifies what the files depend on besides the release and the
// rendering options: the code and whether the tree has compressed copies
// (see generator.Options.Salt). Files of a tree published with another
// salt are never reused.
func saltOf(cfg Config) (string, error) {
	code, err := codeID()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("code %s\x00compress %t", code, !cfg.NoCompress), nil
}

// inputsOf identifies everything the tree of rel depends on: the code
// (this executable, as built), the release and the options that change
// its bytes (see generator.Fingerprint), and whether it has compressed
// copies. A published tree of the same inputs is left as it is.
func inputsOf(record []byte, rel *source.Release, cfg Config) (string, error) {
	salt, err := saltOf(cfg)
	if err != nil {
		return "", err
	}
	fp, err := generator.Fingerprint(record, rel, generator.Options{RFC3339: cfg.RFC3339, Location: cfg.Location})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00render %s\x00keep-changes %d", salt, fp, cfg.KeepChanges)))
	return hex.EncodeToString(sum[:]), nil
}

// codeID hashes the running executable, so that a new build of the code
// never takes a tree rendered by an older one for its own.
var codeID = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("identify this executable: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("identify this executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("identify this executable: %w", err)
	}
	return version + " " + hex.EncodeToString(h.Sum(nil)), nil
})

// ctxSink stops a rendering when its context ends (an interrupt).
type ctxSink struct {
	ctx context.Context
	*tree.Writer
}

func (s ctxSink) Put(f tree.File) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	return s.Writer.Put(f)
}

// upload publishes the tree at cfg.Out to the bucket.
func upload(ctx context.Context, cfg Config, p *progress, stdout, stderr io.Writer) (*objstore.Result, error) {
	s3 := cfg.S3
	client, err := objstore.NewClient(s3.Endpoint, s3.Region, s3.Lookup, s3.Credentials)
	if err != nil {
		return nil, err
	}
	store := objstore.NewMinioStore(client)
	if err := objstore.EnsureBucket(ctx, store, s3.Target, s3.Region, s3.CreateBucket && !s3.DryRun); err != nil {
		return nil, err
	}
	opt := objstore.Options{Workers: s3.Workers, DryRun: s3.DryRun, Step: p.step}
	if s3.Verbose {
		var mu sync.Mutex
		opt.Op = func(op, path string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "%s %s\n", op, s3.Target.Key(path))
		}
	}
	res, err := objstore.Publish(ctx, store, s3.Target, cfg.Out, opt)
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		if s3.DryRun {
			for _, op := range res.Plan.Ops() {
				fmt.Fprintln(stdout, op)
			}
		}
	}
	return res, err
}

// s3Error turns a failed upload into what the operator needs to know:
// which key, the store's error code, and the state the bucket is left in.
func s3Error(t objstore.Target, err error) error {
	var e *objstore.Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("s3 %s: interrupted; the bucket still serves its previous release (or this one, complete); run the build again to finish", t)
		}
		return fmt.Errorf("s3 %s: %w", t, err)
	}
	hint := ""
	switch e.Code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
		hint = " (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and the key's permissions)"
	case "NoSuchBucket":
		hint = " (check the bucket name, or pass -s3-create-bucket)"
	case "AuthorizationHeaderMalformed", "PermanentRedirect":
		hint = " (check -s3-region and -s3-endpoint)"
	}
	state := ""
	switch {
	case e.Op == "bucket" || e.Op == "create bucket" || e.Op == "list" || e.Op == "read" || e.Op == "stat":
		state = "; nothing was uploaded"
	case e.Announced:
		state = "; the new release is in place and announced, some stale objects remain: run the build again to delete them"
	default:
		state = "; the bucket still announces its previous release, whose files are in place: run the build again to finish"
	}
	return fmt.Errorf("s3 %s: %w%s%s", t, err, hint, state)
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

// read opens the release named by cfg.In, or the embedded sample, within
// the limits of cfg.
func read(cfg Config) (*source.Raw, string, error) {
	in := cfg.In
	csvOpt := csv.Options{MaxCells: cfg.MaxCells}
	if in == "" {
		raw, err := csv.ReadFS(sample.Files(), "sample", csvOpt)
		return raw, "embedded sample", err
	}
	st, err := os.Stat(in)
	if err != nil {
		return nil, in, fmt.Errorf("invalid -in: %w", err)
	}
	if st.IsDir() {
		raw, err := csv.ReadDir(in, csvOpt)
		return raw, in, err
	}
	if !strings.EqualFold(filepath.Ext(in), ".xlsx") {
		return nil, in, fmt.Errorf("invalid -in %s: want an .xlsx workbook or a folder of CSV files", in)
	}
	raw, err := xlsx.ReadFile(in, xlsx.Options{MaxCells: cfg.MaxCells, MaxXMLPart: cfg.MaxXMLPart, MaxSharedText: cfg.MaxSharedText, UnzipSizeLimit: cfg.MaxUnzip})
	return raw, in, err
}

// report prints the problems of a release one per line and returns the
// error that ends the build.
func report(stderr io.Writer, name string, es *source.Errors) error {
	fmt.Fprintln(stderr, es.Error())
	return fmt.Errorf("%s: %d problem(s); nothing was published", name, es.Len())
}

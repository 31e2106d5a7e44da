package tree

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
)

// ErrLocked is the error (see [LockError]) of a build that finds another
// build publishing into the same output folder.
var ErrLocked = errors.New("another build is publishing into this folder")

// ErrNotOwned is the error (see [NotOwnedError]) of a build refusing an
// output folder that holds anything it did not write: the build replaces
// its whole folder, so publishing there would delete those files.
var ErrNotOwned = errors.New("the output folder holds files this build did not write")

// LockError says which build holds the lock of an output folder.
type LockError struct {
	Dir    string // the output folder, as given
	Lock   string // the lock file
	Holder Holder // as the lock file tells; zero when it cannot be read
	Waited time.Duration
}

// Holder is the build that holds an output folder's lock, as it wrote
// itself into the lock file.
type Holder struct {
	PID     int
	Host    string
	Started time.Time
}

func (e *LockError) Error() string {
	who := "another build"
	if h := e.Holder; h.PID > 0 {
		who = fmt.Sprintf("another build (pid %d", h.PID)
		if h.Host != "" {
			who += " on " + h.Host
		}
		if !h.Started.IsZero() {
			who += fmt.Sprintf(", started %s, %s ago", h.Started.Local().Format("2006-01-02 15:04:05"), time.Since(h.Started).Round(time.Second))
		}
		who += ")"
	}
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" after waiting %s", e.Waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s is publishing into %s (lock %s)%s; nothing was written: let it finish and run again, or pass -wait 10m to queue behind it", who, e.Dir, e.Lock, waited)
}

// Unwrap returns [ErrLocked].
func (e *LockError) Unwrap() error { return ErrLocked }

// NotOwnedError explains why a build refuses an output folder.
type NotOwnedError struct {
	Dir     string   // the output folder, as given
	Reason  string   // what shows that the build did not write it
	Foreign []string // a few of the entries the build did not write
	More    int      // how many more there are
}

func (e *NotOwnedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "output folder %s %s", e.Dir, e.Reason)
	if len(e.Foreign) > 0 {
		fmt.Fprintf(&b, " (%s", strings.Join(e.Foreign, ", "))
		if e.More > 0 {
			fmt.Fprintf(&b, " and %d more", e.More)
		}
		b.WriteString(")")
	}
	b.WriteString("; the build replaces its whole output folder, so it refuses to touch one holding files it did not write: choose an absent or empty folder with -out, or move those files elsewhere")
	return b.String()
}

// Unwrap returns [ErrNotOwned].
func (e *NotOwnedError) Unwrap() error { return ErrNotOwned }

// OpenOptions tunes [OpenOutput].
type OpenOptions struct {
	// Wait is how long to wait for another build's lock; zero fails at
	// once with a *LockError.
	Wait time.Duration
	// ReadOnly opens the output to read what is published (for a plan):
	// a shared lock, and nothing created but the lock file beside an
	// existing folder. [Output.Publish] then fails.
	ReadOnly bool
	// Input is the release being published, "" for none: the output
	// folder must neither hold it nor lie inside it, as the swap would
	// delete it or the output would become part of the next release read.
	Input string
}

// ErrOverlap is the error of an output folder that holds the release
// being published, or lies inside it.
var ErrOverlap = errors.New("the output folder and the release overlap")

// Output is the published tree of one build, held from [OpenOutput] to
// [Output.Close]: locked against other builds, checked to be the build's
// own, with the manifest it holds at hand.
//
// A symbolic link given as the output is followed: the tree is published
// where it points, and the link is left as it is.
type Output struct {
	dir      string // as given, for messages
	path     string // where the tree is: dir with symbolic links resolved
	parent   string // path's folder, where new trees are written
	base     string // path's name
	lock     *os.File
	readOnly bool
	prev     *Manifest
	writing  bool // a Writer is open (from Begin to its Commit or Abort)

	inPlace    sync.Once // FilesInPlace's check, made once: by OpenOutput unless read-only
	allInPlace bool
	found      *known // the published files as OpenOutput's walk found them in place; nil when not all were

	sb standbyState // the standby tree beside the output (see standby.go)
}

// lockSuffix names the lock file of an output folder: ".public.lock" beside
// "public". The lock is the flock(2) on it; the file exists while a build
// holds it, or after a build was killed (harmless: the next one takes it).
const lockSuffix = ".lock"

// newTreeInfix names the trees a build writes beside its output folder
// before swapping them in: ".public.new-123456".
const newTreeInfix = ".new-"

// OpenOutput locks the output folder dir and checks that the build may
// replace it: dir must be absent, empty, or a tree whose manifest this
// package wrote holding nothing the manifest does not list. Anything else
// is a *[NotOwnedError]. The lock is an flock(2) on a file beside the
// folder (".<name>.lock"); when another build holds it, OpenOutput waits
// up to opt.Wait and then fails with a *[LockError] naming the holder.
func OpenOutput(ctx context.Context, dir string, opt OpenOptions) (*Output, error) {
	clean := filepath.Clean(dir)
	if b := filepath.Base(clean); b == "." || b == ".." || b == string(filepath.Separator) {
		return nil, fmt.Errorf("output folder %q: give a folder name", dir)
	}
	real, err := resolveOutput(clean)
	if err != nil {
		return nil, err
	}
	o := &Output{dir: clean, path: real, parent: filepath.Dir(real), base: filepath.Base(real), readOnly: opt.ReadOnly}
	if opt.Input != "" {
		if err := checkOverlap(opt.Input, o); err != nil {
			return nil, err
		}
	}
	if st, err := os.Lstat(real); err == nil && !st.IsDir() {
		return nil, fmt.Errorf("output folder %s: %s is not a folder", clean, real)
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(o.parent, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", o.parent, err)
		}
	}
	if err := o.takeLock(ctx, opt.Wait); err != nil {
		return nil, err
	}
	// One walk checks that the tree is the build's own and, for a
	// publication, looks up the size of each file for FilesInPlace.
	var scan *treeScan
	if o.prev, scan, err = scanOwned(o.path, o.dir, !opt.ReadOnly); err != nil {
		o.Close()
		return nil, err
	}
	if scan != nil && !opt.ReadOnly {
		o.inPlace.Do(func() { o.allInPlace = scan.inPlace })
		if scan.inPlace {
			o.found = &known{files: o.prev.Files, ino: scan.ino}
		}
	}
	return o, nil
}

// resolveOutput returns where the tree named dir really is: dir with its
// symbolic links resolved, the last one included, so that a "public" link
// to "releases/v3" publishes into releases/v3 and keeps the link.
func resolveOutput(dir string) (string, error) {
	st, err := os.Lstat(dir)
	switch {
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			target, _ := os.Readlink(dir)
			return "", fmt.Errorf("output folder %s is a symbolic link to %s, which cannot be followed (%w): create the folder it points to, or point the link at an existing folder", dir, target, err)
		}
		return filepath.Abs(real)
	case err == nil:
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return "", fmt.Errorf("output folder %s: %w", dir, err)
		}
		return filepath.Abs(real)
	case errors.Is(err, fs.ErrNotExist):
		// Resolve the deepest folder that exists; the rest is created.
		parent, rest := filepath.Dir(dir), filepath.Base(dir)
		for {
			if real, err := filepath.EvalSymlinks(parent); err == nil {
				return filepath.Abs(filepath.Join(real, rest))
			}
			next := filepath.Dir(parent)
			if next == parent {
				return filepath.Abs(dir)
			}
			parent, rest = next, filepath.Join(filepath.Base(parent), rest)
		}
	default:
		return "", fmt.Errorf("output folder %s: %w", dir, err)
	}
}

// checkOverlap refuses an input inside the output, or an output inside
// the input, symbolic links resolved.
func checkOverlap(input string, o *Output) error {
	in, err := resolveOutput(filepath.Clean(input))
	if err != nil {
		return fmt.Errorf("release %s: %w", input, err)
	}
	switch {
	case within(in, o.path):
		return fmt.Errorf("%w: the release %s is inside the output folder %s, which the build replaces with the published tree (deleting it): keep releases outside the output folder", ErrOverlap, input, o.dir)
	case within(in, o.standbyPath()):
		return fmt.Errorf("%w: the release %s is inside %s, the standby tree that the build keeps beside the output folder %s and updates into its next tree: keep releases outside it", ErrOverlap, input, o.standbyPath(), o.dir)
	case within(o.path, in):
		return fmt.Errorf("%w: the output folder %s is inside the release %s: the next build would read the published tree as part of its release; publish outside the release folder", ErrOverlap, o.dir, input)
	}
	return nil
}

// within reports whether the absolute path p is dir or inside it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Path returns where the tree is published: the output folder with its
// symbolic links resolved.
func (o *Output) Path() string { return o.path }

// Previous returns the manifest of the tree the build replaces, nil for
// none.
func (o *Output) Previous() *Manifest { return o.prev }

// ReadPrevious returns the bytes of the file p of the tree the build
// replaces, such as its record of the release ([RecordName]), or nil when
// there is no tree or its manifest does not list p. A file whose bytes
// differ from the manifest's hash is an error.
func (o *Output) ReadPrevious(p string) ([]byte, error) {
	if o.prev == nil {
		return nil, nil
	}
	var entry *ManifestEntry
	for i := range o.prev.Files {
		if o.prev.Files[i].Path == p {
			entry = &o.prev.Files[i]
		}
	}
	if entry == nil {
		return nil, nil
	}
	name := filepath.Join(o.path, filepath.FromSlash(p))
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != entry.SHA256 {
		return nil, fmt.Errorf("%s changed since the build wrote it (its SHA-256 differs from %s)", name, ManifestName)
	}
	return data, nil
}

// Close releases the lock and removes its file. The output must not be
// used afterwards.
func (o *Output) Close() error {
	if o.lock == nil {
		return nil
	}
	if !o.readOnly {
		o.closeStandby()
	}
	f := o.lock
	o.lock = nil
	// The lock file exists only while a build holds it: remove it while
	// still holding the lock (a reader first becomes the last one). A
	// build waiting on the removed file sees that it is gone once it gets
	// the lock, and starts again on a new one (see takeLock).
	if !o.readOnly {
		os.Remove(f.Name())
	} else if ok, _ := tryLock(f, false); ok {
		os.Remove(f.Name())
	}
	return f.Close() // closing the file releases its flock
}

// lockPath is the output's lock file.
func (o *Output) lockPath() string {
	return filepath.Join(o.parent, "."+o.base+lockSuffix)
}

// takeLock takes the output's lock: exclusive to publish, shared to read.
// It polls until wait has passed, as flock(2) cannot wait with a deadline.
// The lock holds only on the file that is at the lock's path once locked:
// one its holder removed meanwhile is dropped and the lock taken again.
func (o *Output) takeLock(ctx context.Context, wait time.Duration) error {
	name := o.lockPath()
	start := time.Now()
	for {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			if o.readOnly && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission)) {
				return nil // nothing published there, or nothing we may lock: read as is
			}
			return fmt.Errorf("lock %s: %w", name, err)
		}
		for {
			ok, err := tryLock(f, o.readOnly)
			if err != nil {
				f.Close()
				return fmt.Errorf("lock %s: %w", name, err)
			}
			if ok {
				break
			}
			waited := time.Since(start)
			if waited >= wait {
				holder := readHolder(f)
				f.Close()
				return &LockError{Dir: o.dir, Lock: name, Holder: holder, Waited: waited}
			}
			select {
			case <-ctx.Done():
				f.Close()
				return fmt.Errorf("waiting for the lock %s: %w", name, ctx.Err())
			case <-time.After(min(100*time.Millisecond, wait-waited)):
			}
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			o.lock = f
			break
		}
		f.Close() // its holder removed it before letting go: lock the new one
	}
	if o.readOnly {
		return nil
	}
	// Say who holds the lock, for the build that finds it taken.
	host, _ := os.Hostname()
	info := fmt.Sprintf("%s\npid %d\nhost %s\nstarted %s\n", holderMagic, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := o.lock.Truncate(0); err == nil {
		o.lock.WriteAt([]byte(info), 0)
	}
	return nil
}

// holderMagic starts the text of a lock file.
const holderMagic = "occupancy build lock"

// readHolder parses what the holder of a lock wrote in its file.
func readHolder(f *os.File) Holder {
	var h Holder
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil || !bytes.HasPrefix(data, []byte(holderMagic+"\n")) {
		return h
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		key, value, _ := strings.Cut(line, " ")
		switch key {
		case "pid":
			h.PID, _ = strconv.Atoi(value)
		case "host":
			h.Host = value
		case "started":
			h.Started, _ = time.Parse(time.RFC3339, value)
		}
	}
	return h
}

// maxForeignListed bounds the entries a NotOwnedError names.
const maxForeignListed = 5

// checkOwned returns the manifest of the tree at real (shown as dir), nil
// when real is absent or empty, or a *NotOwnedError when the tree holds
// anything this package did not write: no manifest, a manifest it did not
// write (see [ParseManifest]), or entries the manifest does not list (see
// [scanTree]).
func checkOwned(real, dir string) (*Manifest, error) {
	m, _, err := scanOwned(real, dir, false)
	return m, err
}

// scanOwned is checkOwned that also returns its walk of the tree, with
// each listed file looked up for its size and inode when stat is true
// (nil when there is no tree).
func scanOwned(real, dir string, stat bool) (*Manifest, *treeScan, error) {
	entries, err := os.ReadDir(real)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("output folder %s: %w", dir, err)
	}
	m, err := loadManifest(filepath.Join(real, ManifestName))
	var bad *badManifestError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, &NotOwnedError{Dir: dir, Reason: "is not empty and holds no " + ManifestName + ": this build did not write it"}
	case errors.As(err, &bad):
		return nil, nil, &NotOwnedError{Dir: dir, Reason: "holds a " + ManifestName + " that this build did not write (" + bad.Error() + ")"}
	case err != nil:
		return nil, nil, fmt.Errorf("output folder %s: %w", dir, err)
	}
	scan, err := scanTree(real, m, stat)
	if err != nil {
		return nil, nil, fmt.Errorf("output folder %s: %w", dir, err)
	}
	if len(scan.foreign) > 0 {
		return nil, nil, &NotOwnedError{Dir: dir, Reason: "holds files that its " + ManifestName + " does not list", Foreign: scan.foreign, More: scan.more}
	}
	return m, scan, nil
}

// markerName is the file that marks a tree as being written or removed by
// a build, so that a build killed meanwhile leaves a folder the next one
// recognises as its own. It never stays in a published tree.
const markerName = ".occupancy-build"

// markerMagic starts the marker's text.
const markerMagic = "occupancy build: this folder is a tree being written or removed"

func writeMarker(dir string) error {
	text := fmt.Sprintf("%s\npid %d\nstarted %s\n", markerMagic, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	return os.WriteFile(filepath.Join(dir, markerName), []byte(text), 0o644)
}

func hasMarker(dir string) bool {
	f, err := os.Open(filepath.Join(dir, markerName))
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(markerMagic))
	_, err = io.ReadFull(f, buf)
	return err == nil && string(buf) == markerMagic
}

// removeTree deletes a tree the build owns (a new tree it gave up, or the
// previous tree after the swap), marking it first so that a build killed
// half-way leaves a folder the next build recognises as its own.
func removeTree(dir string) error {
	if !hasMarker(dir) {
		if err := writeMarker(dir); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != markerName {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(filepath.Join(dir, markerName)); err != nil {
		return err
	}
	return os.Remove(dir)
}

// ownedLeftover reports whether dir, named like a new tree beside the
// output, is a build's: empty, marked, or a whole tree of its manifest.
func ownedLeftover(dir string) bool {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	if hasMarker(dir) {
		return true
	}
	m, err := checkOwned(dir, dir)
	return err == nil && (m != nil || isEmptyDir(dir))
}

func isEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

// removeLeftovers deletes the trees that killed builds left beside the
// output, and returns a warning for each folder named like one that is not
// recognisably a build's, which it leaves alone. Only a build holding the
// output's lock calls it, so no running build owns any of them but this
// one's claimed standby, which it skips. The standby at its own name
// (".public.standby") is no leftover: its name is not a new tree's.
func (o *Output) removeLeftovers() []string {
	matches, _ := filepath.Glob(filepath.Join(o.parent, "."+o.base+newTreeInfix+"*"))
	var warnings []string
	for _, m := range matches {
		if o.busy(m) {
			continue // this build's standby, claimed
		}
		if !ownedLeftover(m) {
			warnings = append(warnings, fmt.Sprintf("%s looks like a tree a build left behind, but is not recognisably one: left alone", m))
			continue
		}
		if err := removeTree(m); err != nil {
			warnings = append(warnings, fmt.Sprintf("remove %s, left by a killed build: %v", m, err))
		}
	}
	return warnings
}

// ParseManifest reads a manifest written by this package and checks that
// it is one beyond doubt: its exact fields, a known version, clean
// relative paths listed once in order, well-formed hashes, and a release
// id that is the hash of its entries. Any other JSON file named
// manifest.json (a web app's, say) fails.
//
// The manifest of a large tree is tens of megabytes (22 MB at 10 times
// the sample), read at every build: it is decoded with goccy/go-json,
// about ten times faster than encoding/json, whose results it gives
// (FuzzManifestDecoders checks that they agree).
func ParseManifest(data []byte) (*Manifest, error) {
	dec := gojson.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a build manifest: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a build manifest: data after its end")
	}
	return checkManifest(&m)
}

// checkManifest checks a decoded manifest (see [ParseManifest]).
func checkManifest(m *Manifest) (*Manifest, error) {
	if m.Version < minManifestVersion || m.Version > ManifestVersion {
		return nil, fmt.Errorf("manifest version %d, want %d to %d", m.Version, minManifestVersion, ManifestVersion)
	}
	if m.Inputs != "" && (m.Version < 2 || len(m.Inputs) != 2*sha256.Size || strings.Trim(m.Inputs, "0123456789abcdef") != "") {
		return nil, fmt.Errorf("invalid inputs %q", m.Inputs)
	}
	for i, e := range m.Files {
		if e.Path == "" || e.Path == ManifestName || !fs.ValidPath(e.Path) || strings.Contains(e.Path, "\\") {
			return nil, fmt.Errorf("entry %d: invalid path %q", i, e.Path)
		}
		if i > 0 && m.Files[i-1].Path >= e.Path {
			return nil, fmt.Errorf("entry %d: %q is not after %q", i, e.Path, m.Files[i-1].Path)
		}
		if len(e.SHA256) != 2*sha256.Size || strings.Trim(e.SHA256, "0123456789abcdef") != "" || e.Size < 0 {
			return nil, fmt.Errorf("entry %d (%s): invalid sha256 or size", i, e.Path)
		}
		if e.Encoding != "" && e.Encoding != "gzip" && e.Encoding != "br" {
			return nil, fmt.Errorf("entry %d (%s): unknown encoding %q", i, e.Path, e.Encoding)
		}
		if e.Inputs != "" && (m.Version < 3 || e.Encoding != "" || len(e.Inputs) != InputsLen || strings.Trim(e.Inputs, "0123456789abcdef") != "") {
			return nil, fmt.Errorf("entry %d (%s): invalid inputs %q", i, e.Path, e.Inputs)
		}
	}
	got := ReleaseID(m.Files)
	if m.Version < 4 {
		got = treeHash(m.Files)
	}
	if got != m.Release {
		return nil, fmt.Errorf("its release id %.12s is not the hash of its entries (%.12s)", m.Release, got)
	}
	return m, nil
}

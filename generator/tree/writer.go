package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// ErrTooLarge is the error of a tree over [PublishOptions.MaxBytes].
var ErrTooLarge = errors.New("the tree is larger than its limit")

// Writer publishes one tree as its files arrive, from [Output.Begin] to
// [Writer.Commit] or [Writer.Abort]: each file is hashed, compressed and
// written (or hard-linked from the tree it replaces, when its bytes are
// the same) by a pool of workers while the next one is being rendered, so
// that memory holds a few files at a time, never the tree.
//
// Until a file differs from the published tree, nothing is written: a
// release that renders exactly the published bytes leaves the output as it
// is, without a new tree or a swap.
//
// The new tree is the standby when there is one: the tree the previous
// swap took out, kept beside the output (".public.standby") and updated
// in place, so that a rebuild touches only the files that differ from
// it, never writing into a file (which may be a link shared with the
// published tree). The tree a swap takes out becomes the next standby.
// See standby.go.
type Writer struct {
	o    *Output
	opt  PublishOptions
	prev []ManifestEntry // the replaced tree's entries, in path order as its manifest lists them; nil for none

	jobs    chan File
	pending sync.WaitGroup // files put and not yet processed
	workers sync.WaitGroup
	done    bool // Commit or Abort was called

	mu       sync.Mutex
	entries  []ManifestEntry
	paths    map[string]bool // originals put, to refuse a path given twice
	bytes    int64
	err      error // the first failure of a worker
	stats    CompressStats
	tmp      string   // the new tree; "" while every file equals the published one
	sb       *standby // the standby adopted as the new tree (see standby.go); nil for a tree begun empty
	deferred []string // paths equal to the published tree's, to link once tmp exists
	dirs     map[string]bool
	warnings []string
}

// Begin starts publishing a new tree into the output (see [Writer]).
// Leftovers of killed builds, recognised as such, are removed first.
// An output has one writer at a time: Begin fails until the previous
// one is committed or aborted.
func (o *Output) Begin(opt PublishOptions) (*Writer, error) {
	if o.readOnly || o.lock == nil {
		return nil, fmt.Errorf("output folder %s: opened read-only or closed", o.dir)
	}
	if o.writing {
		// Its leftovers sweep would remove the open writer's new tree.
		return nil, fmt.Errorf("output folder %s: a publication is already in progress", o.dir)
	}
	o.writing = true
	w := &Writer{o: o, opt: opt, paths: map[string]bool{}, dirs: map[string]bool{}}
	o.PrepareStandby() // in the background, unless started already
	w.warnings = o.removeLeftovers()
	if o.prev != nil {
		w.prev = o.prev.Files // sorted: ParseManifest and Commit see to it
	}
	n := opt.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0) + 1 // one more, as workers also wait on the disk
	}
	w.jobs = make(chan File, 2*n)
	for range n {
		w.workers.Add(1)
		go w.work()
	}
	return w, nil
}

// Put hands one file of the tree to the writer. Files may come in any
// order; a path given twice is an error, so is a precompressed copy
// (copies are made here, see [Precompress]). Put returns the first error
// of the writer's workers, or [ErrTooLarge], after which the publication
// can only be aborted.
func (w *Writer) Put(f File) error {
	if w.done {
		return errors.New("put after commit or abort")
	}
	if f.Encoding != "" {
		return fmt.Errorf("put %s: already a compressed copy", f.Path)
	}
	if f.Path == ManifestName || !fs.ValidPath(f.Path) || strings.Contains(f.Path, "\\") || f.Path == "." {
		return fmt.Errorf("put %q: not a path the tree can hold", f.Path)
	}
	w.mu.Lock()
	err := w.err
	dup := w.paths[f.Path]
	w.paths[f.Path] = true
	w.bytes += int64(len(f.Data))
	over := w.opt.MaxBytes > 0 && w.bytes > w.opt.MaxBytes
	w.mu.Unlock()
	switch {
	case err != nil:
		return err
	case dup:
		return fmt.Errorf("put %s: given twice", f.Path)
	case over:
		// Failing the writer, not just this file: a Commit must not
		// publish the part of the tree put before the limit.
		err := fmt.Errorf("%w: %s after %s (%d bytes; the limit is %d)", ErrTooLarge, humanBytes(w.bytes), f.Path, w.bytes, w.opt.MaxBytes)
		w.fail(err)
		return err
	}
	w.pending.Add(1)
	w.jobs <- f
	return nil
}

// InputsLen is the length of a file's inputs hash ([File.Inputs]): 128
// bits in hexadecimal.
const InputsLen = 32

// Reuse takes the files paths as the published tree holds them, without
// their bytes, when its manifest lists each of them with the inputs hash
// inputs and every file it lists is in place ([Output.FilesInPlace]): the
// caller need not render them. Their compressed copies come with them.
// It reports whether it did; when it did not, nothing is recorded and the
// caller puts the files as usual. Reuse fails like [Writer.Put] once the
// writer has failed or the tree is over its size limit.
func (w *Writer) Reuse(inputs string, paths ...string) (bool, error) {
	if w.done {
		return false, errors.New("reuse after commit or abort")
	}
	if len(inputs) != InputsLen || len(paths) == 0 || !w.o.FilesInPlace() {
		return false, nil
	}
	var entries []ManifestEntry
	for _, p := range paths {
		old, ok := w.previous(p)
		if !ok || old.Inputs != inputs || old.Encoding != "" {
			return false, nil
		}
		entries = append(entries, old)
		for _, enc := range encodings {
			if c, ok := w.previous(p + enc.suffix); ok && c.Encoding == enc.name && !w.opt.NoCompress {
				entries = append(entries, c)
			}
		}
	}
	w.mu.Lock()
	err := w.err
	var dup string
	for _, p := range paths {
		if w.paths[p] {
			dup = p
		}
		w.paths[p] = true
	}
	for _, e := range entries {
		if e.Encoding == "" {
			w.bytes += int64(e.Size)
		}
	}
	over := w.opt.MaxBytes > 0 && w.bytes > w.opt.MaxBytes
	w.stats.Reused += len(entries) - len(paths)
	w.mu.Unlock()
	switch {
	case err != nil:
		return false, err
	case dup != "":
		return false, fmt.Errorf("reuse %s: given twice", dup)
	case over:
		err := fmt.Errorf("%w: %s after %s (%d bytes; the limit is %d)", ErrTooLarge, humanBytes(w.bytes), paths[len(paths)-1], w.bytes, w.opt.MaxBytes)
		w.fail(err)
		return false, err
	}
	for _, e := range entries {
		w.linkOrDefer(e)
	}
	return true, nil
}

// Release returns the release id (see [ReleaseID]) of the
// files put so far, once they are all processed.
func (w *Writer) Release() (string, error) {
	w.pending.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return "", w.err
	}
	entries := slices.Clone(w.entries)
	slices.SortFunc(entries, func(a, b ManifestEntry) int { return strings.Compare(a.Path, b.Path) })
	return ReleaseID(entries), nil
}

// sameHash reports whether the file name has size bytes whose SHA-256 is
// sum.
func sameHash(name string, size int64, sum []byte) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != size {
		return false
	}
	h := sha256.New()
	if n, err := io.Copy(h, f); err != nil || n != size {
		return false
	}
	return bytes.Equal(h.Sum(nil), sum)
}

// bigFile is the size above which a worker drops its encoders after use.
const bigFile = 1 << 20

// work processes files until the jobs end: hash, place the file, and
// make or reuse its compressed copies.
func (w *Writer) work() {
	defer w.workers.Done()
	c := newCompressor()
	buf := make([]byte, 0, 64<<10)
	for f := range w.jobs {
		if !w.failed() {
			var err error
			if buf, err = w.process(c, f, buf); err != nil {
				w.fail(err)
			}
			if len(f.Data) > bigFile {
				// The encoders keep buffers the size of the largest
				// input they saw: let a few large files' go.
				c = newCompressor()
			}
		}
		w.pending.Done()
	}
}

func (w *Writer) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

func (w *Writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		if free, ok := freeInodes(w.o.parent); ok && free == 0 {
			// The same error number as a full disk: say which one it is.
			err = fmt.Errorf("the file system holding %s has no free inodes left: it cannot hold more files, whatever its free space (%s put so far); the previous output is unchanged: %w", w.o.parent, humanBytes(w.bytes), err)
		} else {
			err = fmt.Errorf("the disk holding %s is full (%s put so far); the previous output is unchanged: %w", w.o.parent, humanBytes(w.bytes), err)
		}
	}
	w.err = err
}

// process places one file and its compressed copies in the new tree.
func (w *Writer) process(c *compressor, f File, buf []byte) ([]byte, error) {
	sum := sha256.Sum256(f.Data)
	e := ManifestEntry{Path: f.Path, Kind: f.Kind, SHA256: hex.EncodeToString(sum[:]), Size: len(f.Data), Inputs: f.Inputs}
	var err error
	if buf, err = w.place(e, f.Data, buf); err != nil {
		return buf, err
	}
	if w.opt.NoCompress || !compressible(f.Path) {
		return buf, nil
	}
	var st CompressStats
	for _, enc := range encodings {
		ce := ManifestEntry{Path: f.Path + enc.suffix, Kind: f.Kind, Encoding: enc.name}
		if old, ok := w.reusableCopy(e, ce.Path, buf); ok {
			st.Reused++
			w.linkOrDefer(old)
			continue
		}
		data, err := c.compress(enc.name, f.Data)
		if err != nil {
			return buf, fmt.Errorf("precompress %s: %w", f.Path, err)
		}
		if len(data) >= len(f.Data) {
			st.Skipped++
			continue
		}
		st.Compressed++
		sum := sha256.Sum256(data)
		ce.SHA256, ce.Size = hex.EncodeToString(sum[:]), len(data)
		if buf, err = w.place(ce, data, buf); err != nil {
			return buf, err
		}
	}
	w.mu.Lock()
	w.stats.Compressed += st.Compressed
	w.stats.Reused += st.Reused
	w.stats.Skipped += st.Skipped
	w.mu.Unlock()
	return buf, nil
}

// reusableCopy returns the published tree's entry for the compressed copy
// p of the file e, when the published original had e's bytes and the copy
// on disk still has its listed hash.
func (w *Writer) reusableCopy(e ManifestEntry, p string, buf []byte) (ManifestEntry, bool) {
	if old, ok := w.previous(e.Path); !ok || old.SHA256 != e.SHA256 {
		return ManifestEntry{}, false
	}
	old, ok := w.previous(p)
	if !ok {
		return ManifestEntry{}, false
	}
	if match, err := fileMatches(w.published(p), old, buf[:cap(buf)]); err != nil || !match {
		return ManifestEntry{}, false
	}
	return old, true
}

// previous returns the replaced tree's entry of path p, looked up in its
// sorted entries: a map of them would cost about 50 MB at 30 times the
// sample.
func (w *Writer) previous(p string) (ManifestEntry, bool) {
	i, ok := slices.BinarySearchFunc(w.prev, p, func(e ManifestEntry, p string) int { return strings.Compare(e.Path, p) })
	if !ok {
		return ManifestEntry{}, false
	}
	return w.prev[i], true
}

func (w *Writer) published(p string) string {
	return filepath.Join(w.o.path, filepath.FromSlash(p))
}

// place puts the file e with bytes data into the new tree: linked from the
// published tree when that holds the same bytes (checked on disk, as its
// manifest may be older than an edit by hand), written otherwise.
func (w *Writer) place(e ManifestEntry, data, buf []byte) ([]byte, error) {
	if old, ok := w.previous(e.Path); ok && old.SHA256 == e.SHA256 {
		var same bool
		if buf, same = sameFile(w.published(e.Path), data, buf); same {
			w.linkOrDefer(e)
			return buf, nil
		}
	}
	tmp, err := w.newTree()
	if err != nil {
		return buf, err
	}
	w.add(e)
	if w.sb != nil {
		return w.sb.place(w, e, data, buf)
	}
	name := filepath.Join(tmp, filepath.FromSlash(e.Path))
	if err := w.mkdir(path.Dir(e.Path)); err != nil {
		return buf, err
	}
	return buf, writeFile(name, data, !w.opt.NoSync && syncEachFile)
}

func (w *Writer) add(e ManifestEntry) {
	w.mu.Lock()
	w.entries = append(w.entries, e)
	w.mu.Unlock()
}

// linkOrDefer records e, equal to the published tree's, and links it into
// the new tree, or leaves that for when a new tree is needed at all.
func (w *Writer) linkOrDefer(e ManifestEntry) {
	w.mu.Lock()
	w.entries = append(w.entries, e)
	tmp := w.tmp
	if tmp == "" {
		w.deferred = append(w.deferred, e.Path)
	}
	w.mu.Unlock()
	if tmp != "" {
		if err := w.link(e.Path); err != nil {
			w.fail(err)
		}
	}
}

// link hard-links the published file p into the new tree.
func (w *Writer) link(p string) error {
	if w.sb != nil {
		return w.sb.link(w, p)
	}
	if err := w.mkdir(path.Dir(p)); err != nil {
		return err
	}
	if err := os.Link(w.published(p), filepath.Join(w.tmp, filepath.FromSlash(p))); err != nil {
		return fmt.Errorf("reuse %s: %w", p, err)
	}
	return nil
}

// mkdir creates the folder dir (slash-separated, relative) of the new
// tree and its parents, once.
func (w *Writer) mkdir(dir string) error {
	if dir == "." {
		return nil
	}
	w.mu.Lock()
	made := w.dirs[dir]
	w.mu.Unlock()
	if made {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(w.tmp, filepath.FromSlash(dir)), 0o755); err != nil {
		return err
	}
	w.mu.Lock()
	w.dirs[dir] = true
	w.mu.Unlock()
	return nil
}

// newTree returns the new tree's folder, the first time adopting the
// standby or creating an empty one beside the output (see makeTree), with
// the files deferred so far linked into it.
func (w *Writer) newTree() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tmp != "" {
		return w.tmp, nil
	}
	tmp, sb, err := w.o.makeTree()
	if err != nil {
		return "", err
	}
	w.tmp, w.sb = tmp, sb
	deferred := w.deferred
	w.deferred = nil
	// Link outside the lock: other workers go on placing their files in
	// the new tree meanwhile, each path by one worker only.
	w.mu.Unlock()
	defer w.mu.Lock()
	for _, p := range deferred {
		if err := w.link(p); err != nil {
			return "", err
		}
	}
	return tmp, nil
}

// stop ends the workers and returns their first error.
func (w *Writer) stop() error {
	if !w.done {
		w.done = true
		close(w.jobs)
		w.workers.Wait()
		w.o.writing = false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Abort gives the publication up: the output keeps its tree, and the new
// one is removed.
func (w *Writer) Abort() {
	ended := w.done
	w.stop()
	if w.tmp != "" {
		removeTree(w.tmp)
		w.tmp = ""
	}
	if !ended {
		w.o.putStandbyBack() // a standby claimed and not taken
	}
}

// Unchanged reports whether the published tree was made from inputs (see
// [PublishOptions.Inputs]) and still holds every file its manifest lists,
// with its listed size: a build of the same inputs would write the same
// bytes, so it can leave the tree as it is without rendering it. A file
// edited by hand to another size, or removed, makes it false; the
// contents are not read.
func (o *Output) Unchanged(inputs string) bool {
	if o.prev == nil || inputs == "" || o.prev.Inputs != inputs {
		return false
	}
	return o.FilesInPlace()
}

// FilesInPlace reports whether the published tree holds every file its
// manifest lists, each a regular file of its listed size. The check is
// made once: by [OpenOutput], in the walk that checks the tree is the
// build's own, or for a read-only output at the first call. Call it
// before [Output.Begin].
func (o *Output) FilesInPlace() bool {
	o.inPlace.Do(func() {
		o.allInPlace = o.prev != nil && filesInPlace(o.path, o.prev)
	})
	return o.allInPlace
}

// Recorded returns the inputs the published tree was made from (see
// [PublishOptions.Inputs]), "" when there is no such tree or its manifest
// does not say.
func (o *Output) Recorded() string {
	if o.prev == nil {
		return ""
	}
	return o.prev.Inputs
}

// Untouched returns the report of a publication that leaves the tree as
// it is (see [Output.Unchanged]).
func (o *Output) Untouched() *Report {
	m := o.prev
	rep := &Report{Dir: o.dir, Files: len(m.Files) + 1, Release: m.Release, Previous: m.Release, Kinds: Diff(m, m), Untouched: true}
	for _, e := range m.Files {
		rep.Bytes += int64(e.Size)
	}
	if st, err := os.Stat(filepath.Join(o.path, ManifestName)); err == nil {
		rep.Bytes += st.Size()
	}
	if abs, _ := filepath.Abs(o.dir); abs != o.path {
		rep.Target = o.path
	}
	return rep
}

// Commit finishes the publication: it writes the manifest, makes the new
// tree durable and swaps it in with one rename, so that a reader never
// sees a half-written tree and a build killed at any moment leaves the
// previous tree intact. The previous tree is then kept beside the output
// as the standby for the next publication, or removed when something
// else holds the standby's name (with a warning in the report). When
// every file equals the published tree's, the output is left as it is
// ([Report.Untouched]). A writer commits once, and never after
// [Writer.Abort].
func (w *Writer) Commit() (rep *Report, err error) {
	if w.done {
		// After Abort the new tree is gone (its entries are not): a
		// commit now would publish a manifest of files it lacks.
		return nil, errors.New("commit after commit or abort")
	}
	defer w.o.putStandbyBack() // a standby claimed and not taken
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	if err := w.stop(); err != nil {
		return nil, err
	}
	o := w.o
	slices.SortFunc(w.entries, func(a, b ManifestEntry) int { return strings.Compare(a.Path, b.Path) })
	man := &Manifest{Version: ManifestVersion, Files: w.entries, Release: ReleaseID(w.entries), Inputs: w.opt.Inputs}
	sum := sha256.New()
	manSize, err := man.WriteTo(sum)
	if err != nil {
		return nil, err
	}
	total := manSize
	for _, e := range man.Files {
		total += int64(e.Size)
	}
	rep = &Report{Dir: o.dir, Files: len(man.Files) + 1, Bytes: total, Release: man.Release, Kinds: Diff(o.prev, man), Compress: w.stats, Warnings: w.warnings}
	if abs, _ := filepath.Abs(o.dir); abs != o.path {
		rep.Target = o.path
	}
	if o.prev != nil {
		rep.Previous = o.prev.Release
	}
	// The same release again: the tree on disk holds exactly these bytes
	// (every file was checked as it came), so leave it as it is: no write,
	// no swap, no new mtime.
	if w.tmp == "" && o.prev != nil && len(man.Files) == len(o.prev.Files) {
		if sameHash(filepath.Join(o.path, ManifestName), manSize, sum.Sum(nil)) {
			rep.Untouched = true
			return rep, nil
		}
	}
	tmp, err := w.newTree()
	if err != nil {
		return nil, err
	}
	if err := w.sb.prune(); err != nil {
		return nil, err
	}
	if err := writeFileWith(filepath.Join(tmp, ManifestName), !w.opt.NoSync && syncEachFile, func(f io.Writer) error {
		_, err := man.WriteTo(f)
		return err
	}); err != nil {
		w.fail(err)
		return nil, w.stop()
	}
	stage := func(s string) {
		if w.opt.Stage != nil {
			w.opt.Stage(s)
		}
	}
	// The marker goes before the flush, so that the flush makes its
	// removal durable with the rest: a published tree never holds it.
	if err := os.Remove(filepath.Join(tmp, markerName)); err != nil {
		return nil, err
	}
	stage(StageFlush)
	if !w.opt.NoSync {
		if err := syncTree(tmp); err != nil {
			return nil, err
		}
	}
	stage(StageSwap)
	// The tree the swap takes out becomes the standby when its name is
	// free: nothing of it is deleted, so it needs no check (see
	// standby.go). Otherwise it is removed, so check again what the swap
	// will take away: files put into the output while this build ran are
	// not its own to delete.
	keep := o.standbyFree()
	if !keep {
		if _, err := checkOwned(o.path, o.dir); err != nil {
			return nil, err
		}
	}
	if err := swap(tmp, o.path); err != nil {
		return nil, fmt.Errorf("swap %s into %s: %w", tmp, o.path, err)
	}
	w.tmp = "" // swapped: no longer this writer's to remove on failure
	o.prev, o.found = man, nil
	// tmp now holds the previous tree, or nothing when there was none.
	if _, err := os.Lstat(tmp); err == nil {
		warning, err := o.retire(tmp, keep)
		if err != nil {
			return nil, err
		}
		if warning != "" {
			rep.Warnings = append(rep.Warnings, warning)
		}
	}
	rep.Warnings = append(rep.Warnings, o.standbyWarnings()...)
	if !w.opt.NoSync {
		if err := syncDir(o.parent); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

package tree

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ManifestName is the tree's list of files with their hashes, at its root.
const ManifestName = "manifest.json"

// ManifestVersion is the version of the manifest format that this
// package writes. Version 2 added Inputs, version 3 the inputs of each
// rendered file ([ManifestEntry.Inputs]), version 4 made Release the one
// id of the release (see [ReleaseID]) instead of a hash of every file;
// [ParseManifest] also reads the older versions.
const ManifestVersion = 4

// minManifestVersion is the oldest manifest version [ParseManifest] reads.
const minManifestVersion = 1

// Manifest lists every file of a published tree with its SHA-256 and size,
// so that a sync to a CDN uploads only what changed.
type Manifest struct {
	Version int `json:"version"`
	// Release is the release's id: from version 4 on, [ReleaseID] of
	// Files, the id the snapshot, the sidecar and the page carry too;
	// before, a hash of every file that is not a compressed copy.
	Release string `json:"release"`
	// Inputs identifies everything the tree was made from (see
	// [PublishOptions.Inputs]): a build whose inputs are the same can
	// leave the tree as it is without rendering it.
	Inputs string          `json:"inputs,omitempty"`
	Files  []ManifestEntry `json:"files"` // in path order
}

// WriteTo writes m as manifest.json holds it: json.MarshalIndent(m, "",
// " ") and a newline. Entries are encoded one at a time, so that the
// manifest of a large tree (60 MB at 30 times the sample) is never held
// whole.
func (m *Manifest) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}
	head := *m
	if len(m.Files) > 0 {
		head.Files = []ManifestEntry{}
	}
	data, err := json.MarshalIndent(&head, "", " ")
	if err != nil {
		return 0, err
	}
	if len(m.Files) == 0 {
		cw.Write(data)
		cw.Write([]byte("\n"))
		return cw.n, cw.flush()
	}
	const empty = "[]\n}"
	if !bytes.HasSuffix(data, []byte(empty)) {
		return 0, errors.New("manifest: unexpected encoding of its fields")
	}
	cw.Write(data[:len(data)-len(empty)])
	cw.Write([]byte("[\n"))
	var entry bytes.Buffer
	enc := json.NewEncoder(&entry)
	enc.SetIndent("  ", " ")
	var line []byte
	for i := range m.Files {
		var ok bool
		if line, ok = appendPlainEntry(line[:0], &m.Files[i]); ok {
			cw.Write(line)
		} else {
			entry.Reset()
			if err := enc.Encode(&m.Files[i]); err != nil {
				return cw.n, err
			}
			cw.Write([]byte("  "))
			cw.Write(bytes.TrimSuffix(entry.Bytes(), []byte("\n")))
		}
		if i < len(m.Files)-1 {
			cw.Write([]byte(",\n"))
		} else {
			cw.Write([]byte("\n"))
		}
	}
	cw.Write([]byte(" ]\n}\n"))
	return cw.n, cw.flush()
}

// appendPlainEntry appends e as WriteTo writes it, when none of its
// strings holds a byte that encoding/json escapes (nearly always: paths
// are plain ASCII), and reports whether it could: four times faster than
// the encoder for the 100,000 entries of a large tree. TestManifestWriteTo
// checks it against encoding/json.
func appendPlainEntry(b []byte, e *ManifestEntry) ([]byte, bool) {
	for _, s := range [...]string{e.Path, e.Kind, e.SHA256, e.Encoding, e.Inputs} {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return b, false
			}
		}
	}
	b = append(b, "  {\n   \"path\": \""...)
	b = append(b, e.Path...)
	b = append(b, "\",\n   \"kind\": \""...)
	b = append(b, e.Kind...)
	b = append(b, "\",\n   \"sha256\": \""...)
	b = append(b, e.SHA256...)
	b = append(b, "\",\n   \"size\": "...)
	b = strconv.AppendInt(b, int64(e.Size), 10)
	if e.Encoding != "" {
		b = append(b, ",\n   \"encoding\": \""...)
		b = append(b, e.Encoding...)
		b = append(b, '"')
	}
	if e.Inputs != "" {
		b = append(b, ",\n   \"inputs\": \""...)
		b = append(b, e.Inputs...)
		b = append(b, '"')
	}
	return append(b, "\n  }"...), true
}

// countingWriter counts what it writes through a buffer and keeps the
// first error.
type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// ManifestEntry describes one file of a tree.
type ManifestEntry struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
	// Encoding is "gzip" or "br" for a precompressed copy of the file
	// whose path is Path without its ".gz" or ".br"; "" for the others.
	// Serve it with that Content-Encoding and the original's Content-Type.
	Encoding string `json:"encoding,omitempty"`
	// Inputs is a hash of what the file was rendered from (see
	// [File.Inputs]), "" for files rendered whatever changed.
	Inputs string `json:"inputs,omitempty"`
}

// NewManifest hashes files, which must be in path order.
func NewManifest(files []File) *Manifest {
	m := &Manifest{Version: ManifestVersion, Files: make([]ManifestEntry, len(files))}
	for i, f := range files {
		sum := sha256.Sum256(f.Data)
		m.Files[i] = ManifestEntry{Path: f.Path, Kind: f.Kind, SHA256: hex.EncodeToString(sum[:]), Size: len(f.Data), Encoding: f.Encoding}
	}
	m.Release = ReleaseID(m.Files)
	return m
}

// ReleaseID returns the id of the release whose tree holds entries: a
// SHA-256 over the paths and hashes of the API's files, what clients
// read. It is the one id of a release, in the manifest, the sidecar's
// snapshot, its /readyz and /metrics, the logs, the reports and the page.
// It leaves out the files that follow from the API's or are not data:
// compressed copies, the snapshot (which carries the id), the release
// record (whose sheet order depends on the input's format), the page
// (which shows the id) and the change feed (which depends on the releases
// published before). So two builds of the same timetable have the same
// id whatever their input's format, and a build that changes only the
// page keeps it.
func ReleaseID(entries []ManifestEntry) string {
	h := sha256.New()
	for _, e := range entries {
		if inReleaseID(e.Kind, e.Encoding) {
			fmt.Fprintf(h, "%s\x00%s\n", e.Path, e.SHA256)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// inReleaseID reports whether a file of kind and encoding counts in
// [ReleaseID].
func inReleaseID(kind, encoding string) bool {
	return encoding == "" && kind != KindRelease && kind != KindWeb && kind != KindSnapshot &&
		kind != KindChangeLog && kind != KindEntityChanges
}

// treeHash is what versions 1 to 3 of the manifest held as Release: a
// hash of the paths and hashes of every file that is not a compressed
// copy.
func treeHash(entries []ManifestEntry) string {
	h := sha256.New()
	for _, e := range entries {
		if e.Encoding == "" {
			fmt.Fprintf(h, "%s\x00%s\n", e.Path, e.SHA256)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ReadManifest reads the manifest of the tree at dir and checks it with
// [ParseManifest]. It returns nil and no error when the tree or its
// manifest does not exist.
func ReadManifest(dir string) (*Manifest, error) {
	name := filepath.Join(dir, ManifestName)
	m, err := loadManifest(name)
	var bad *badManifestError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.As(err, &bad):
		return nil, fmt.Errorf("%s: %w", name, bad.err)
	}
	return m, err
}

// Change counts, for one kind of file, what a build changed.
type Change struct {
	Added, Changed, Removed, Same int
}

// Report says what a build published and how it differs from the tree it
// replaced.
type Report struct {
	Dir      string
	Files    int
	Bytes    int64
	Release  string
	Previous string            // release of the replaced tree, "" for a first build
	Kinds    map[string]Change // per kind of file; precompressed copies as KindCompressed
	// Compress tells how many precompressed copies were made, reused from
	// the previous tree, or left out for not being smaller.
	Compress CompressStats
	// Untouched is true when the tree already held this release byte for
	// byte and was left as it was.
	Untouched bool
	// Target is where the tree was published when Dir is a symbolic link
	// to it, "" otherwise.
	Target string
	// Warnings holds what the operator should know, such as a folder
	// named like a killed build's leftover that was left alone.
	Warnings []string
}

// KindCompressed is the kind under which [Diff] counts the precompressed
// copies of files, whatever their originals' kind.
const KindCompressed = "compressed"

// reportKind is the kind under which Diff counts e.
func reportKind(e ManifestEntry) string {
	if e.Encoding != "" {
		return KindCompressed
	}
	return e.Kind
}

// Diff compares a new manifest with the previous one (nil for none), per
// kind of file. Manifests list their entries in path order, as
// [ParseManifest] checks and [Writer.Commit] and [NewManifest] write
// them: the two lists are walked side by side, without the map of the
// previous entries that cost 50 MB at 30 times the sample, at the moment
// a build holds the most. Lists out of order are compared in order.
func Diff(prev, next *Manifest) map[string]Change {
	var old []ManifestEntry
	if prev != nil {
		old = inPathOrder(prev.Files)
	}
	cur := inPathOrder(next.Files)
	kinds := map[string]Change{}
	count := func(e *ManifestEntry, f func(*Change)) {
		k := reportKind(*e)
		c := kinds[k]
		f(&c)
		kinds[k] = c
	}
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || i < len(old) && old[i].Path < cur[j].Path:
			count(&old[i], func(c *Change) { c.Removed++ })
			i++
		case i == len(old) || cur[j].Path < old[i].Path:
			count(&cur[j], func(c *Change) { c.Added++ })
			j++
		default:
			same := old[i].SHA256 == cur[j].SHA256
			count(&cur[j], func(c *Change) {
				if same {
					c.Same++
				} else {
					c.Changed++
				}
			})
			i++
			j++
		}
	}
	return kinds
}

// inPathOrder returns files when they are in path order, each path once,
// or else a sorted copy of them in which only the last of equal paths is
// kept (as a map of them would).
func inPathOrder(files []ManifestEntry) []ManifestEntry {
	byPath := func(a, b ManifestEntry) int { return strings.Compare(a.Path, b.Path) }
	strict := true
	for k := 1; k < len(files) && strict; k++ {
		strict = files[k-1].Path < files[k].Path
	}
	if strict {
		return files
	}
	sorted := slices.Clone(files)
	slices.SortStableFunc(sorted, byPath)
	out := sorted[:0]
	for k, e := range sorted {
		if k+1 < len(sorted) && sorted[k+1].Path == e.Path {
			continue // a later entry of the same path wins
		}
		out = append(out, e)
	}
	return out
}

// String prints the report as a few lines for the operator.
func (r *Report) String() string {
	var b strings.Builder
	dir := r.Dir
	if r.Target != "" {
		dir += " (→ " + r.Target + ")"
	}
	fmt.Fprintf(&b, "published %d files (%s) to %s, release %.12s", r.Files, humanBytes(r.Bytes), dir, r.Release)
	if r.Previous == "" {
		b.WriteString(" (first build)\n")
	} else if r.Untouched {
		b.WriteString(" (unchanged: output left as it was)\n")
	} else if r.Previous == r.Release {
		if other := r.changedKinds(); len(other) > 0 {
			// The id names the API's files: the page, the record or
			// the snapshot's layout changed without them.
			fmt.Fprintf(&b, " (same release; changed: %s)\n", strings.Join(other, ", "))
		} else {
			b.WriteString(" (unchanged)\n")
		}
	} else {
		fmt.Fprintf(&b, " (was %.12s)\n", r.Previous)
	}
	kinds := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Kinds {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range kinds {
		c := r.Kinds[k]
		fmt.Fprintf(&b, "  %-14s %5d added %5d changed %5d removed %5d unchanged\n", k, c.Added, c.Changed, c.Removed, c.Same)
	}
	if c := r.Compress; c != (CompressStats{}) {
		fmt.Fprintf(&b, "  gzip and brotli copies: %d compressed, %d reused from the previous tree, %d left out (not smaller)\n", c.Compressed, c.Reused, c.Skipped)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// changedKinds returns, sorted, the kinds of which the build added,
// changed or removed files.
func (r *Report) changedKinds() []string {
	var out []string
	for k, c := range r.Kinds {
		if c.Added+c.Changed+c.Removed > 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// PublishOptions tunes [Output.Publish]. The zero value syncs every file.
type PublishOptions struct {
	// NoSync skips fsync of files and folders: faster, but a power loss
	// right after the swap may leave files empty. For tests and benchmarks.
	NoSync bool
	// Workers is how many files are hashed, compressed and written at
	// once; 0 means one more than the CPUs.
	Workers int
	// MaxBytes bounds the bytes of the files put (their compressed copies
	// not counted); 0 means no limit.
	// A release that renders more fails with [ErrTooLarge] as soon as it
	// passes it, before it is all written.
	MaxBytes int64
	// NoCompress skips the precompressed copies of [Precompress], which
	// Publish otherwise adds to files (reusing the previous tree's).
	NoCompress bool
	// Inputs identifies what the tree is made from: the release, the
	// options and the code that renders it, hashed by the caller. It is
	// recorded in the manifest ([Manifest.Inputs]).
	Inputs string
	// Stage, when set, is called as the publication reaches each of its
	// stages ([StageFlush], [StageSwap]): progress, and the tests' way to
	// slow a build down at a chosen moment.
	Stage func(stage string)
}

// The stages of [Output.Publish] told to [PublishOptions.Stage].
const (
	StageFlush = "flush" // the new tree is written; making it durable comes next
	StageSwap  = "swap"  // the new tree is durable; the swap comes next
)

// Publish writes files and their manifest as the tree at dir, atomically;
// it is [OpenOutput] (failing at once when another build holds the lock),
// [Output.Publish] and [Output.Close].
func Publish(dir string, files []File, opt PublishOptions) (*Report, error) {
	out, err := OpenOutput(context.Background(), dir, OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer out.Close()
	return out.Publish(files, opt)
}

// Publish writes files and their manifest as the output's tree,
// atomically, with [Output.Begin], [Writer.Put] for each file and
// [Writer.Commit]. Unless opt.NoCompress, gzip and brotli copies of the
// text files are added (see [Precompress]).
func (o *Output) Publish(files []File, opt PublishOptions) (*Report, error) {
	w, err := o.Begin(opt)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := w.Put(f); err != nil {
			w.Abort()
			return nil, err
		}
	}
	return w.Commit()
}

// sameFileChunk is how much of a file sameFile reads at a time: the
// record of a large release is tens of megabytes, and each worker held a
// buffer of the largest file it compared until the build ended.
const sameFileChunk = 64 << 10

// sameFile reports whether the file name holds exactly data, reading it
// in chunks into buf (made when too small and returned for reuse).
func sameFile(name string, data, buf []byte) ([]byte, bool) {
	fh, err := os.Open(name)
	if err != nil {
		return buf, false
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return buf, false
	}
	if cap(buf) < sameFileChunk {
		buf = make([]byte, sameFileChunk)
	}
	buf = buf[:sameFileChunk]
	for rest := data; ; {
		// Reading past the end of data must find the end of the file.
		n, err := io.ReadFull(fh, buf[:min(len(rest)+1, len(buf))])
		if n > len(rest) || !bytes.Equal(buf[:n], rest[:n]) {
			return buf, false // longer, or other bytes
		}
		rest = rest[n:]
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return buf, len(rest) == 0 // shorter when some is left
		case err != nil:
			return buf, false // unreadable
		}
	}
}

func writeFile(name string, data []byte, sync bool) (err error) {
	return writeFileWith(name, sync, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileWith creates the file name with what fill writes, buffered, as
// writeFile does.
func writeFileWith(name string, sync bool, fill func(io.Writer) error) (err error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := fill(f); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", name, err)
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Content encodings of precompressed copies, as in [File.Encoding] and
// [ManifestEntry.Encoding].
const (
	EncodingGzip   = "gzip"
	EncodingBrotli = "br"
)

// encodings lists the precompressed copies written beside a file, with
// their file name suffix.
var encodings = [...]struct{ name, suffix string }{
	{EncodingGzip, ".gz"},
	{EncodingBrotli, ".br"},
}

// EncodingSuffix returns the file name suffix of a content encoding
// (".gz", ".br"), or "" for an unknown one.
func EncodingSuffix(encoding string) string {
	for _, e := range encodings {
		if e.name == encoding {
			return e.suffix
		}
	}
	return ""
}

// Compression levels: gzip's best, and brotli's 5. On the sample's 19.8
// MB of JSON, brotli 5 gives 1.95 MB in 0.31 s of one core, 6 the same size
// in 0.34 s, 4 7% more bytes, and 11 about 12% fewer in minutes.
const (
	gzipLevel   = gzip.BestCompression
	brotliLevel = 5
)

// compressible reports whether a file gets precompressed copies: the API's
// JSON and the page's text files. Calendar feeds are left to the web
// server's on-the-fly gzip: they are most of the tree's bytes, fetched
// rarely, and compressing them would double the build's time. The
// sidecar's binary snapshot and the manifest are read only by tools.
func compressible(p string) bool {
	switch path.Ext(p) {
	case ".json", ".html", ".js", ".css", ".svg":
		// The manifest and record are for builds, not for clients. Each
		// room's, course's and study plan's changes.json is mostly an
		// empty list, and there are thousands: copies would triple their
		// files for nothing (the web server gzips the larger ones).
		return p != ManifestName && p != RecordName && !(strings.HasPrefix(p, "api/") && path.Base(p) == entityChangesName)
	}
	return false
}

// CompressOptions tunes [Precompress].
type CompressOptions struct {
	// Previous is the tree being replaced ("" for none): a file whose
	// content is unchanged since then reuses the compressed copies listed
	// in its manifest instead of compressing again, after their hashes
	// are checked.
	Previous string
	// Workers is how many files are compressed at once; 0 means the number
	// of CPUs.
	Workers int
}

// CompressStats tells what [Precompress] did.
type CompressStats struct {
	Compressed int // copies made
	Reused     int // copies taken from the previous tree
	Skipped    int // copies not written because they were not smaller
}

// Precompress returns files with a gzip and a brotli copy of each text
// file beside it ("<path>.gz", "<path>.br", with [File.Encoding] set), for
// web servers and CDNs that serve precompressed files. A copy is written
// only when it is smaller than the original. The result is in path order.
func Precompress(files []File, opt CompressOptions) ([]File, CompressStats, error) {
	prev := previousCopies(opt.Previous)
	type job struct {
		i     int
		out   [len(encodings)][]byte
		reuse [len(encodings)]bool
	}
	var todo []int
	for i, f := range files {
		if f.Encoding != "" {
			return nil, CompressStats{}, fmt.Errorf("precompress %s: already a compressed copy", f.Path)
		}
		if compressible(f.Path) {
			todo = append(todo, i)
		}
	}
	results := make([]job, len(todo))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		errMu sync.Mutex
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newCompressor()
			for k := range next {
				f := files[todo[k]]
				r := &results[k]
				r.i = todo[k]
				sum := sha256.Sum256(f.Data)
				for e, enc := range encodings {
					if data, ok := prev.copyOf(f.Path, hex.EncodeToString(sum[:]), enc.name); ok {
						r.out[e], r.reuse[e] = data, true
						continue
					}
					data, err := c.compress(enc.name, f.Data)
					if err != nil {
						errMu.Lock()
						if first == nil {
							first = fmt.Errorf("precompress %s: %w", f.Path, err)
						}
						errMu.Unlock()
						continue
					}
					r.out[e] = data
				}
			}
		}()
	}
	for k := range todo {
		next <- k
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, CompressStats{}, first
	}

	var st CompressStats
	out := slices.Clip(files)
	for _, r := range results {
		f := files[r.i]
		for e, enc := range encodings {
			data := r.out[e]
			if len(data) >= len(f.Data) {
				st.Skipped++
				continue
			}
			if r.reuse[e] {
				st.Reused++
			} else {
				st.Compressed++
			}
			out = append(out, File{Path: f.Path + enc.suffix, Kind: f.Kind, Data: data, Encoding: enc.name})
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, st, nil
}

// compressor holds one worker's reusable encoders.
type compressor struct {
	buf bytes.Buffer
	gz  *gzip.Writer
	// br holds a brotli encoder per window size of windowBits that most
	// files need. An encoder's ring buffer is its window (8 MiB at the
	// default 22 bits) as soon as an input passes 64 KiB, while a window
	// as large as the input compresses it just as well; the few larger
	// files get an encoder of their own, dropped after use.
	br map[int]*brotli.Writer
}

// Brotli window sizes, in bits: the format's smallest, the largest whose
// encoder a worker keeps, and the largest the build uses (the encoder's
// default).
const minWindowBits, keptWindowBits, maxWindowBits = 16, 18, 22

func newCompressor() *compressor {
	c := &compressor{br: map[int]*brotli.Writer{}}
	c.gz, _ = gzip.NewWriterLevel(&c.buf, gzipLevel) // the level is valid
	return c
}

// windowBits returns the brotli window for n bytes: the smallest of at
// least minWindowBits that holds them, kept to two sizes up to
// keptWindowBits, at most maxWindowBits.
func windowBits(n int) int {
	bits := minWindowBits
	for bits < maxWindowBits && 1<<bits < n {
		bits++
	}
	if bits > minWindowBits && bits < keptWindowBits {
		bits = keptWindowBits
	}
	return bits
}

// compress returns data compressed with encoding, in a new slice.
func (c *compressor) compress(encoding string, data []byte) ([]byte, error) {
	c.buf.Reset()
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch encoding {
	case EncodingGzip:
		c.gz.Reset(&c.buf)
		w = c.gz
	case EncodingBrotli:
		bits := windowBits(len(data))
		br := c.br[bits]
		if br == nil {
			br = brotli.NewWriterOptions(&c.buf, brotli.WriterOptions{Quality: brotliLevel, LGWin: bits})
			if bits <= keptWindowBits {
				c.br[bits] = br
			}
		}
		br.Reset(&c.buf)
		w = br
	default:
		return nil, fmt.Errorf("unknown encoding %q", encoding)
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(c.buf.Bytes()), nil
}

// copies are the precompressed files of a previous tree, by the hash of
// their original.
type copies struct {
	dir   string
	sums  map[string]string    // original path → SHA-256
	files map[string]copyEntry // copy path → entry
}

type copyEntry struct {
	sha  string
	size int
}

// previousCopies reads the manifest of the tree at dir; it finds nothing
// when there is no such tree or its manifest is unreadable, which only
// means compressing again.
func previousCopies(dir string) copies {
	c := copies{dir: dir}
	if dir == "" {
		return c
	}
	m, err := ReadManifest(dir)
	if err != nil || m == nil {
		return c
	}
	c.sums = make(map[string]string, len(m.Files))
	c.files = map[string]copyEntry{}
	for _, e := range m.Files {
		if e.Encoding == "" {
			c.sums[e.Path] = e.SHA256
		} else {
			c.files[e.Path] = copyEntry{sha: e.SHA256, size: e.Size}
		}
	}
	return c
}

// copyOf returns the previous tree's copy of the file p in encoding when
// the original had the hash sum then, and the copy on disk still has the
// hash its manifest lists.
func (c copies) copyOf(p, sum, encoding string) ([]byte, bool) {
	if c.sums == nil || c.sums[p] != sum {
		return nil, false
	}
	cp := p + EncodingSuffix(encoding)
	e, ok := c.files[cp]
	if !ok {
		return nil, false
	}
	data, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(cp)))
	if err != nil || len(data) != e.size {
		return nil, false
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != e.sha {
		return nil, false
	}
	return data, true
}

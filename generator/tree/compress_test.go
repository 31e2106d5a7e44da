package tree_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source/sample"
	"occupancy/source/sourcetest"
)

// decompress reads a copy back with a decoder independent of the writer's
// (the standard library's gzip; brotli's reader).
func decompress(t *testing.T, f tree.File) []byte {
	t.Helper()
	var r io.Reader
	switch f.Encoding {
	case tree.EncodingGzip:
		zr, err := gzip.NewReader(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		// Nothing of the moment or the machine: the same original gives
		// the same copy on every build. (The writer stores its zero time,
		// which reads back as 2042-07-14; a fixed value, never the clock.)
		if d := time.Since(zr.ModTime); (d < 48*time.Hour && d > -48*time.Hour) || zr.Name != "" || zr.Comment != "" || zr.Extra != nil {
			t.Errorf("%s: gzip header with time %v, name %q, comment %q, extra %q", f.Path, zr.ModTime, zr.Name, zr.Comment, zr.Extra)
		}
		r = zr
	case tree.EncodingBrotli:
		r = brotli.NewReader(bytes.NewReader(f.Data))
	default:
		t.Fatalf("%s: encoding %q", f.Path, f.Encoding)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	return data
}

func TestPrecompressFixture(t *testing.T) {
	files, err := generator.Render(sourcetest.Fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A tiny JSON file that no compression makes smaller.
	files = append(files, tree.File{Path: "api/tiny.json", Kind: "test", Data: []byte("[]")})
	slices.SortFunc(files, func(a, b tree.File) int { return strings.Compare(a.Path, b.Path) })
	out, st, err := tree.Precompress(files, tree.CompressOptions{})
	if err != nil {
		t.Fatal(err)
	}
	orig := map[string]tree.File{}
	for _, f := range files {
		orig[f.Path] = f
	}
	copies := map[string]bool{}
	for i, f := range out {
		if i > 0 && out[i-1].Path >= f.Path {
			t.Errorf("not in path order: %s before %s", out[i-1].Path, f.Path)
		}
		if f.Encoding == "" {
			if _, ok := orig[f.Path]; !ok {
				t.Errorf("%s: an original that was not given", f.Path)
			}
			continue
		}
		copies[f.Path] = true
		base := strings.TrimSuffix(f.Path, tree.EncodingSuffix(f.Encoding))
		o, ok := orig[base]
		if !ok || base == f.Path {
			t.Errorf("%s (%s): no original %s", f.Path, f.Encoding, base)
			continue
		}
		if f.Kind != o.Kind {
			t.Errorf("%s: kind %q, want the original's %q", f.Path, f.Kind, o.Kind)
		}
		if len(f.Data) >= len(o.Data) {
			t.Errorf("%s: %d bytes, not smaller than the original's %d", f.Path, len(f.Data), len(o.Data))
		}
		if got := decompress(t, f); !bytes.Equal(got, o.Data) {
			t.Errorf("%s does not decompress to %s", f.Path, base)
		}
	}
	// Which files get copies: JSON and page files, both encodings, when
	// they are not tiny; never feeds, the snapshot, or a copy that would
	// not be smaller.
	compressible := 0
	for p, f := range orig {
		text := (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css")) && p != tree.RecordName
		if text {
			compressible++
		}
		for _, suffix := range []string{".gz", ".br"} {
			switch {
			case !text && copies[p+suffix]:
				t.Errorf("%s%s: a copy of a file that is not JSON or a page's", p, suffix)
			case text && len(f.Data) >= 256 && !copies[p+suffix]:
				t.Errorf("%s%s: no copy of a %d-byte file", p, suffix, len(f.Data))
			}
		}
	}
	if copies["api/tiny.json.gz"] || copies["api/tiny.json.br"] {
		t.Error("copies of a 2-byte file")
	}
	if st.Compressed != len(copies) || st.Reused != 0 || st.Skipped != 2*compressible-len(copies) || st.Skipped < 2 {
		t.Errorf("stats %+v, want %d compressed, 0 reused, %d skipped", st, len(copies), 2*compressible-len(copies))
	}
	if len(out) != len(files)+len(copies) {
		t.Errorf("%d files out, want %d originals and %d copies", len(out), len(files), len(copies))
	}

	// Compressing again gives the same bytes: a published copy changes
	// only when its original does (gzip's header holds no time or name).
	again, _, err := tree.Precompress(files, tree.CompressOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(out, again, func(a, b tree.File) bool { return a.Path == b.Path && bytes.Equal(a.Data, b.Data) }) {
		t.Error("two compressions of the same files differ")
	}
	// The copies do not change the release: it names the content.
	if a, b := tree.NewManifest(files).Release, tree.NewManifest(out).Release; a != b {
		t.Errorf("release %s with copies, %s without", b, a)
	}
	// A copy given as input is refused: copies of copies make no sense.
	if _, _, err := tree.Precompress(out, tree.CompressOptions{}); err == nil || !strings.Contains(err.Error(), "already a compressed copy") {
		t.Errorf("precompressing copies: %v", err)
	}
}

// TestPublishCompresses checks the copies in a published tree and their
// reuse: an unchanged file takes its copies from the previous tree, a
// changed one is compressed again, and a damaged copy on disk is never
// reused.
func TestPublishCompresses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	files := synthetic(20, "v1")
	rep, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Compress.Compressed != 40 || rep.Compress.Reused != 0 || rep.Kinds[tree.KindCompressed].Added != 40 {
		t.Errorf("first publish: %+v, kinds %+v", rep.Compress, rep.Kinds)
	}
	m := checkTree(t, dir)
	encodings := map[string]int{}
	for _, e := range m.Files {
		encodings[e.Encoding]++
		if e.Encoding != "" && !strings.HasSuffix(e.Path, tree.EncodingSuffix(e.Encoding)) {
			t.Errorf("manifest: %s has encoding %q", e.Path, e.Encoding)
		}
	}
	if encodings[""] != 20 || encodings["gzip"] != 20 || encodings["br"] != 20 {
		t.Errorf("manifest encodings %v, want 20 each", encodings)
	}

	// One file changed, one copy damaged on disk (its manifest hash no
	// longer matches): both are compressed again, the rest reused.
	files2 := synthetic(20, "v1")
	files2[3] = synthetic(20, "v2")[3]
	damaged := filepath.Join(dir, "api/rooms/R00007/index.json.br")
	if err := os.WriteFile(damaged, []byte("not brotli"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = tree.Publish(dir, files2, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Compress.Compressed != 3 || rep.Compress.Reused != 37 {
		t.Errorf("second publish: %+v, want 3 compressed (a changed file's two copies and a damaged one), 37 reused", rep.Compress)
	}
	if c := rep.Kinds[tree.KindCompressed]; c.Changed != 2 || c.Same != 38 {
		t.Errorf("compressed copies %+v, want 2 changed, 38 unchanged", c)
	}
	checkTree(t, dir)
	data, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	if got := decompress(t, tree.File{Path: damaged, Encoding: "br", Data: data}); !bytes.Equal(got, files2[7].Data) {
		t.Error("the damaged copy was published again")
	}
	if !strings.Contains(rep.String(), "compressed") {
		t.Errorf("report does not mention the copies:\n%s", rep)
	}

	// Without compression, no copies, and the ones on disk go away.
	rep, err = tree.Publish(dir, files2, tree.PublishOptions{NoSync: true, NoCompress: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Kinds[tree.KindCompressed]; c.Removed != 40 {
		t.Errorf("NoCompress: copies %+v, want 40 removed", c)
	}
	if m := checkTree(t, dir); len(m.Files) != 20 {
		t.Errorf("NoCompress: %d files in the manifest, want 20", len(m.Files))
	}
}

// BenchmarkPrecompress measures the copies of the sample's files, from
// nothing and reusing an unchanged previous tree.
//
//	go test -run '^$' -bench Precompress -benchmem ./generator
func BenchmarkPrecompress(b *testing.B) {
	files := sampleFiles(b)
	var n int64
	for _, f := range files {
		n += int64(len(f.Data))
	}
	b.Run("fresh", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			if _, _, err := tree.Precompress(files, tree.CompressOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reused", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "public")
		if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
		b.ResetTimer()
		for b.Loop() {
			_, st, err := tree.Precompress(files, tree.CompressOptions{Previous: dir})
			if err != nil || st.Compressed != 0 {
				b.Fatalf("%+v, %v", st, err)
			}
		}
	})
}

// sampleFiles renders the embedded sample release.
func sampleFiles(tb testing.TB) []tree.File {
	tb.Helper()
	rel, err := sample.Release()
	if err != nil {
		tb.Fatal(err)
	}
	files, err := generator.Render(rel, generator.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

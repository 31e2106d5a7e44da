package tree_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/generator/tree"
)

// fileID is what shows that a file was left alone: the same inode (not
// written again, nor replaced by a copy) with the same modification time.
type fileID struct {
	ino   uint64
	mtime time.Time
}

// fileIDs records the fileID of every regular file under root, by path
// relative to root.
func fileIDs(t *testing.T, root string) map[string]fileID {
	t.Helper()
	ids := map[string]fileID{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		ids[filepath.ToSlash(rel)] = fileID{info.Sys().(*syscall.Stat_t).Ino, info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sameIDs(a, b map[string]fileID) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w.ino != v.ino || !w.mtime.Equal(v.mtime) {
			return false
		}
	}
	return true
}

// noNewTrees fails when a temporary tree is left beside the output dir.
func noNewTrees(t *testing.T, dir string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".new-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("temporary trees left beside %s: %v", dir, left)
	}
}

// openOutput opens dir for a publication, closed at the end of the test.
func openOutput(t *testing.T, dir string) *tree.Output {
	t.Helper()
	out, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

// publishWith publishes files into dir through a writer, one by one, as
// the build does, and returns the report.
func publishWith(t *testing.T, dir string, files []tree.File, opt tree.PublishOptions) *tree.Report {
	t.Helper()
	out := openOutput(t, dir)
	defer out.Close()
	w, err := out.Begin(opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := w.Put(f); err != nil {
			w.Abort()
			t.Fatalf("put %s: %v", f.Path, err)
		}
	}
	rep, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// mixedFiles is a small tree of files of every treatment: JSON worth
// compressing, in nested folders; a JSON file too small to gain from it;
// a calendar feed, never compressed.
func mixedFiles(version string) []tree.File {
	files := []tree.File{
		{Path: "api/tiny.json", Kind: "test", Data: []byte("[]")},
		{Path: "api/rooms/CO1.ics", Kind: tree.KindRoomFeed, Data: []byte("BEGIN:VCALENDAR\r\n" + strings.Repeat("X-PAD:"+version+"\r\n", 50) + "END:VCALENDAR\r\n")},
		{Path: "index.html", Kind: tree.KindWeb, Data: []byte("<!doctype html>" + strings.Repeat("<p>"+version+"</p>", 200))},
	}
	return append(files, synthetic(6, version)...)
}

// TestWriterStreams: files put one by one, in any order, are published
// with a manifest listing exactly them (hash, size, kind), with gzip and
// brotli copies of the text files that compression makes smaller, and
// none with NoCompress.
func TestWriterStreams(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  tree.PublishOptions
	}{
		{"compressed", tree.PublishOptions{NoSync: true}},
		{"one worker", tree.PublishOptions{NoSync: true, Workers: 1}},
		{"synced", tree.PublishOptions{}},
		{"no compress", tree.PublishOptions{NoSync: true, NoCompress: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			files := mixedFiles("a")
			slices.Reverse(files) // not in path order
			out := openOutput(t, dir)
			w, err := out.Begin(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if err := w.Put(f); err != nil {
					t.Fatalf("put %s: %v", f.Path, err)
				}
			}
			want := tree.NewManifest(sortedFiles(files))
			release, err := w.Release()
			if api := tree.ReleaseID(want.Files); err != nil || release != api {
				t.Errorf("Release() = %.12s, %v; want %.12s", release, err, api)
			}
			rep, err := w.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Release != release {
				t.Errorf("the report names release %.12s, Release() %.12s: one release, one id", rep.Release, release)
			}
			if rep.Release != want.Release || rep.Previous != "" || rep.Untouched {
				t.Errorf("report: release %.12s previous %q untouched %v; want release %.12s of a first build", rep.Release, rep.Previous, rep.Untouched, want.Release)
			}
			if err := w.Put(files[0]); err == nil {
				t.Error("Put after Commit accepted")
			}
			if _, err := w.Commit(); err == nil {
				t.Error("a second Commit succeeded")
			}
			w.Abort() // after Commit: a no-op

			m := checkTree(t, dir)
			if m.Version != tree.ManifestVersion || m.Release != want.Release {
				t.Errorf("manifest version %d release %.12s, want %d %.12s", m.Version, m.Release, tree.ManifestVersion, want.Release)
			}
			var originals []tree.ManifestEntry
			copies := map[string]tree.ManifestEntry{}
			for _, e := range m.Files {
				if e.Encoding == "" {
					originals = append(originals, e)
				} else {
					copies[e.Path] = e
				}
			}
			if !slices.Equal(originals, want.Files) {
				t.Errorf("manifest lists\n%v\nwant exactly the files put\n%v", originals, want.Files)
			}
			for _, f := range files {
				for _, enc := range []string{tree.EncodingGzip, tree.EncodingBrotli} {
					p := f.Path + tree.EncodingSuffix(enc)
					e, ok := copies[p]
					delete(copies, p)
					wantCopy := !tc.opt.NoCompress && strings.HasSuffix(f.Path, "index.json") || !tc.opt.NoCompress && f.Path == "index.html"
					if ok != wantCopy {
						t.Errorf("%s: listed %v, want %v", p, ok, wantCopy)
						continue
					}
					if !ok {
						continue
					}
					if e.Encoding != enc || e.Kind != f.Kind {
						t.Errorf("%s: encoding %q kind %q, want %q %q", p, e.Encoding, e.Kind, enc, f.Kind)
					}
					data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
					if err != nil {
						t.Fatal(err)
					}
					if got := decompress(t, tree.File{Path: p, Data: data, Encoding: enc}); !bytes.Equal(got, f.Data) {
						t.Errorf("%s does not decompress to %s", p, f.Path)
					}
				}
			}
			for p := range copies {
				t.Errorf("%s: a copy of no file put", p)
			}
			if !tc.opt.NoCompress && (rep.Compress.Compressed != 14 || rep.Compress.Skipped != 2 || rep.Compress.Reused != 0) {
				t.Errorf("compress stats %+v, want 14 compressed (7 files × 2), 2 skipped (tiny.json), none reused", rep.Compress)
			}
			noNewTrees(t, dir)
		})
	}
}

func sortedFiles(files []tree.File) []tree.File {
	s := slices.Clone(files)
	slices.SortFunc(s, func(a, b tree.File) int { return strings.Compare(a.Path, b.Path) })
	return s
}

// TestWriterRefusesPuts: a file the tree cannot hold is refused by Put,
// and nothing of it reaches the disk, inside the output or beside it.
func TestWriterRefusesPuts(t *testing.T) {
	good := tree.File{Path: "api/rooms/index.json", Kind: tree.KindRooms, Data: []byte(`{"rooms":[]}`)}
	for _, tc := range []struct {
		name   string
		before []tree.File // put first, accepted
		put    tree.File
		commit bool // Commit before the put
	}{
		{name: "empty path", put: tree.File{Path: "", Data: []byte("x")}},
		{name: "dot", put: tree.File{Path: ".", Data: []byte("x")}},
		{name: "absolute", put: tree.File{Path: "/etc/refused.json", Data: []byte("x")}},
		{name: "parent", put: tree.File{Path: "../refused.json", Data: []byte("x")}},
		{name: "inner parent", put: tree.File{Path: "api/../../refused.json", Data: []byte("x")}},
		{name: "inner dot", put: tree.File{Path: "api/./refused.json", Data: []byte("x")}},
		{name: "double slash", put: tree.File{Path: "api//refused.json", Data: []byte("x")}},
		{name: "trailing slash", put: tree.File{Path: "api/", Data: []byte("x")}},
		{name: "backslash", put: tree.File{Path: `api\refused.json`, Data: []byte("x")}},
		{name: "the manifest", put: tree.File{Path: tree.ManifestName, Data: []byte("{}")}},
		{name: "a compressed copy", put: tree.File{Path: "api/refused.json.gz", Data: []byte("x"), Encoding: tree.EncodingGzip}},
		{name: "given twice", before: []tree.File{good}, put: good},
		{name: "after commit", put: good, commit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "public")
			publishWith(t, dir, synthetic(3, "old"), tree.PublishOptions{NoSync: true})
			out := openOutput(t, dir)
			w, err := out.Begin(tree.PublishOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			for _, f := range tc.before {
				if err := w.Put(f); err != nil {
					t.Fatalf("put %s: %v", f.Path, err)
				}
			}
			if tc.commit {
				if _, err := w.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Put(tc.put); err == nil {
				t.Fatalf("Put(%q) accepted", tc.put.Path)
			}
			w.Abort()
			if err := w.Put(good); err == nil {
				t.Error("Put after Abort accepted")
			}
			for _, p := range []string{"refused.json", "etc"} {
				if _, err := os.Lstat(filepath.Join(parent, p)); err == nil {
					t.Errorf("%s written beside the output", p)
				}
			}
			m := checkTree(t, dir)
			for _, e := range m.Files {
				if strings.Contains(e.Path, "refused") {
					t.Errorf("the tree lists %s", e.Path)
				}
			}
			noNewTrees(t, dir)
		})
	}
}

// TestWriterWorkerErrorAborts: a file the workers cannot place (here a
// file and a folder of one name) fails the publication: Commit returns the
// error, the published tree stays as it was and the new one is removed.
func TestWriterWorkerErrorAborts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	publishWith(t, dir, synthetic(3, "old"), tree.PublishOptions{NoSync: true})
	before := snapshotFiles(t, dir)
	out := openOutput(t, dir)
	w, err := out.Begin(tree.PublishOptions{NoSync: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var putErr error
	for _, f := range []tree.File{
		{Path: "api/a", Kind: "test", Data: []byte("a file")},
		{Path: "api/a/b.json", Kind: "test", Data: []byte("under a file")},
		{Path: "api/c.json", Kind: "test", Data: []byte("c")},
	} {
		if err := w.Put(f); err != nil {
			putErr = err
			break
		}
	}
	rep, err := w.Commit()
	if err == nil {
		t.Fatalf("Commit of a tree holding api/a as file and folder succeeded: %v", rep)
	}
	if putErr != nil && !errors.Is(err, putErr) && err.Error() != putErr.Error() {
		t.Logf("Put failed with %v, Commit with %v", putErr, err)
	}
	sameFiles(t, "after a failed Commit", before, snapshotFiles(t, dir))
	noNewTrees(t, dir)
}

// TestWriterLazy: a publication writes nothing until a file differs from
// the published tree. The same files again leave the output untouched (no
// new tree, no swap: every file keeps its inode and time); a changed,
// added or removed file gives a new tree in which every other file,
// compressed copies included, is the published one linked, not written.
func TestWriterLazy(t *testing.T) {
	const inputs = "1111111111111111111111111111111111111111111111111111111111111111"
	changed := func(i int) func([]tree.File) ([]tree.File, string) {
		return func(files []tree.File) ([]tree.File, string) {
			files[i].Data = append(bytes.Clone(files[i].Data), ' ')
			return files, files[i].Path
		}
	}
	for _, tc := range []struct {
		name      string
		inputs    string
		edit      func([]tree.File) ([]tree.File, string) // returns the path that changes, "" for none
		untouched bool
	}{
		{name: "same files", inputs: inputs, edit: func(f []tree.File) ([]tree.File, string) { return f, "" }, untouched: true},
		{name: "same files in another order", inputs: inputs, edit: func(f []tree.File) ([]tree.File, string) { slices.Reverse(f); return f, "" }, untouched: true},
		{name: "same files, other inputs", inputs: strings.Repeat("2", 64), edit: func(f []tree.File) ([]tree.File, string) { return f, "" }},
		{name: "first file changed", inputs: inputs, edit: changed(0)},
		{name: "middle file changed", inputs: inputs, edit: changed(4)},
		{name: "last file changed", inputs: inputs, edit: changed(8)},
		{name: "file added last", inputs: inputs, edit: func(f []tree.File) ([]tree.File, string) {
			return append(f, tree.File{Path: "api/zz.json", Kind: "test", Data: []byte(strings.Repeat(`"zz"`, 100))}), "api/zz.json"
		}},
		{name: "file removed", inputs: inputs, edit: func(f []tree.File) ([]tree.File, string) { return f[1:], f[0].Path }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			first := publishWith(t, dir, mixedFiles("a"), tree.PublishOptions{NoSync: true, Inputs: inputs})
			before, ids := snapshotFiles(t, dir), fileIDs(t, dir)
			dirID, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			files, edited := tc.edit(mixedFiles("a"))
			rep := publishWith(t, dir, files, tree.PublishOptions{NoSync: true, Inputs: tc.inputs})
			if rep.Untouched != tc.untouched {
				t.Errorf("Untouched = %v, want %v", rep.Untouched, tc.untouched)
			}
			if rep.Previous != first.Release {
				t.Errorf("previous release %.12s, want %.12s", rep.Previous, first.Release)
			}
			m := checkTree(t, dir)
			if m.Inputs != tc.inputs {
				t.Errorf("manifest inputs %q, want %q", m.Inputs, tc.inputs)
			}
			noNewTrees(t, dir)
			after := fileIDs(t, dir)
			if tc.untouched {
				sameFiles(t, "same release", before, snapshotFiles(t, dir))
				if !sameIDs(ids, after) {
					t.Errorf("the same release touched files:\n%v\nwas\n%v", after, ids)
				}
				if st, err := os.Stat(dir); err != nil || !os.SameFile(st, dirID) {
					t.Errorf("the same release swapped in a new folder: %v", err)
				}
				return
			}
			if rep.Compress.Compressed != 0 && edited == "" {
				t.Errorf("%d copies compressed again, want all reused", rep.Compress.Compressed)
			}
			for p, id := range ids {
				switch now, ok := after[p]; {
				case p == tree.ManifestName:
				case p == edited || strings.HasPrefix(p, edited+".") && edited != "":
					if ok && now.ino == id.ino {
						t.Errorf("%s changed but kept its inode", p)
					}
				case !ok:
					t.Errorf("%s vanished", p)
				case now.ino != id.ino || !now.mtime.Equal(id.mtime):
					t.Errorf("%s is unchanged but was written again", p)
				}
			}
		})
	}
}

// writeManifestVersion rewrites the manifest of the tree at dir as the
// given version, without Inputs when version is 1, as an older build wrote
// it.
func writeManifestVersion(t *testing.T, dir string, version int) {
	t.Helper()
	m, err := tree.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Version = version
	if version < 2 {
		m.Inputs = ""
	}
	if version < 4 {
		m.Release = tree.TreeHash(m.Files)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tree.ManifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOutputUnchanged: a published tree counts as unchanged for the same
// inputs only while every file it lists has its listed size; its report
// is then the one of a publication of the same files.
func TestOutputUnchanged(t *testing.T) {
	const inputs = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	for _, tc := range []struct {
		name   string
		inputs string                         // given to Unchanged
		change func(t *testing.T, dir string) // on the published tree
		want   bool
	}{
		{name: "same inputs and sizes", inputs: inputs, want: true},
		{name: "same size edit (contents are not read)", inputs: inputs, want: true, change: func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "api/rooms/R00001/index.json"), func(b []byte) []byte { b[len(b)-2] = 'y'; return b })
		}},
		{name: "other inputs", inputs: strings.Repeat("0", 64)},
		{name: "no inputs", inputs: ""},
		{name: "a byte appended", inputs: inputs, change: func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "api/rooms/R00001/index.json"), func(b []byte) []byte { return append(b, '\n') })
		}},
		{name: "truncated", inputs: inputs, change: func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "index.html"), func(b []byte) []byte { return b[:0] })
		}},
		{name: "file removed", inputs: inputs, change: func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, "api/rooms/CO1.ics"))
		}},
		{name: "compressed copy removed", inputs: inputs, change: func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, "api/rooms/R00005/index.json.br"))
		}},
		{name: "version 1 manifest", inputs: inputs, change: func(t *testing.T, dir string) { writeManifestVersion(t, dir, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			files := mixedFiles("a")
			publishWith(t, dir, files, tree.PublishOptions{NoSync: true, Inputs: inputs})
			if tc.change != nil {
				tc.change(t, dir)
			}
			out := openOutput(t, dir)
			if got := out.Unchanged(tc.inputs); got != tc.want {
				t.Fatalf("Unchanged(%.8q) = %v, want %v", tc.inputs, got, tc.want)
			}
			if !tc.want {
				return
			}
			got := out.Untouched()
			out.Close()
			want := publishWith(t, dir, files, tree.PublishOptions{NoSync: true, Inputs: inputs})
			if !want.Untouched {
				return // the edit made the publication write a tree
			}
			if !got.Untouched || got.Release != want.Release || got.Previous != want.Previous || got.Files != want.Files || got.Bytes != want.Bytes || got.Dir != want.Dir || fmt.Sprint(got.Kinds) != fmt.Sprint(want.Kinds) {
				t.Errorf("Untouched() = %+v\nwant the report of publishing the same files, %+v", got, want)
			}
		})
	}
	t.Run("no tree", func(t *testing.T) {
		out := openOutput(t, filepath.Join(t.TempDir(), "public"))
		if out.Unchanged(inputs) || out.Unchanged("") {
			t.Error("Unchanged without a published tree")
		}
	})
}

func edit(t *testing.T, name string, f func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	// Written in place, as an editor might: same inode, new contents.
	if err := os.WriteFile(name, f(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, name string) {
	t.Helper()
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
}

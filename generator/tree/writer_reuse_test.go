package tree_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/generator/tree"
)

// withInputs returns files with the inputs hash in given to those whose
// path starts with prefix.
func withInputs(files []tree.File, prefix, in string) []tree.File {
	out := make([]tree.File, len(files))
	for i, f := range files {
		if strings.HasPrefix(f.Path, prefix) {
			f.Inputs = in
		}
		out[i] = f
	}
	return out
}

// TestWriterReuse: files published with an inputs hash are taken as they
// are, with their compressed copies, by a writer asked to reuse them with
// the same hash: the published tree is the one a Put of the same bytes
// gives, manifest included. Another hash, a file not in place, or a path
// the tree does not list is not reused, and a reused path cannot be put
// or reused again.
func TestWriterReuse(t *testing.T) {
	const in = "0123456789abcdef0123456789abcdef"
	room := "api/rooms/R00001/index.json"
	feed := "api/rooms/CO1.ics"
	files := withInputs(withInputs(mixedFiles("a"), "api/rooms/R00001/", in), feed, in)

	for _, tc := range []struct {
		name   string
		inputs string
		paths  []string
		change func(t *testing.T, dir string) // on the published tree
		want   bool
	}{
		{name: "same inputs", inputs: in, paths: []string{room, feed}, want: true},
		{name: "other inputs", inputs: strings.Repeat("1", 32), paths: []string{room, feed}},
		{name: "one path of other inputs", inputs: in, paths: []string{room, "api/rooms/R00002/index.json"}},
		{name: "a path not published", inputs: in, paths: []string{room, "api/rooms/NEW/index.json"}},
		{name: "no inputs", inputs: "", paths: []string{room}},
		{name: "not a hash of inputs", inputs: in + in, paths: []string{room}},
		{name: "a file not in place", inputs: in, paths: []string{room}, change: func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "index.html"), func(b []byte) []byte { return append(b, '\n') })
		}},
		{name: "its copy removed", inputs: in, paths: []string{room}, change: func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, room+".gz"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			first := publishWith(t, dir, files, tree.PublishOptions{NoSync: true})
			if tc.change != nil {
				tc.change(t, dir)
			}
			out := openOutput(t, dir)
			w, err := out.Begin(tree.PublishOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			ok, err := w.Reuse(tc.inputs, tc.paths...)
			if err != nil || ok != tc.want {
				t.Fatalf("Reuse(%.8q, %v) = %v, %v; want %v", tc.inputs, tc.paths, ok, err, tc.want)
			}
			if !ok {
				return
			}
			for _, p := range tc.paths {
				if err := w.Put(tree.File{Path: p, Kind: "test", Data: []byte("{}")}); err == nil {
					t.Errorf("Put(%s) after Reuse accepted", p)
				}
			}
			if _, err := w.Reuse(tc.inputs, tc.paths...); err == nil {
				t.Error("second Reuse accepted")
			}
			reused := map[string]bool{}
			for _, p := range tc.paths {
				reused[p] = true
			}
			for _, f := range files {
				if !reused[f.Path] {
					if err := w.Put(f); err != nil {
						t.Fatal(err)
					}
				}
			}
			rep, err := w.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Untouched || rep.Release != first.Release {
				t.Errorf("report %+v, want the published tree untouched, release %s", rep, first.Release)
			}
			m := checkTree(t, dir)
			for _, e := range m.Files {
				if reused[strings.TrimSuffix(strings.TrimSuffix(e.Path, ".gz"), ".br")] && e.Encoding == "" && e.Inputs != in {
					t.Errorf("%s: inputs %q after reuse, want %q", e.Path, e.Inputs, in)
				}
			}
			copies := 0
			for _, e := range m.Files {
				if e.Path == room+".gz" || e.Path == room+".br" {
					copies++
				}
			}
			if copies != 2 {
				t.Errorf("%d of the reused file's compressed copies in the manifest, want 2", copies)
			}
		})
	}

	t.Run("reuse counts toward the size limit", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "public")
		publishWith(t, dir, files, tree.PublishOptions{NoSync: true})
		out := openOutput(t, dir)
		w, err := out.Begin(tree.PublishOptions{NoSync: true, MaxBytes: 10})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		if ok, err := w.Reuse(in, room, feed); ok || !errors.Is(err, tree.ErrTooLarge) {
			t.Fatalf("Reuse over the limit = %v, %v; want %v", ok, err, tree.ErrTooLarge)
		}
		if _, err := w.Commit(); err == nil {
			t.Error("Commit after the limit was passed succeeded")
		}
	})
}

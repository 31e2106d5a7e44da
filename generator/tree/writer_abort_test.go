package tree_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/generator/tree"
)

// TestWriterAbort: a publication given up leaves the published tree byte
// for byte, inode for inode as it was, and removes its new tree, whether
// or not it had started one.
func TestWriterAbort(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first bool        // no tree before
		put   []tree.File // before the abort
	}{
		{name: "nothing put", put: nil},
		{name: "only files already published", put: mixedFiles("old")[:5]},
		{name: "a changed file", put: mixedFiles("new")},
		{name: "a new file after published ones", put: append(mixedFiles("old")[:4], tree.File{Path: "api/new.json", Kind: "test", Data: []byte(strings.Repeat(`"new"`, 100))})},
		{name: "first build", first: true, put: mixedFiles("new")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			if !tc.first {
				publishWith(t, dir, mixedFiles("old"), tree.PublishOptions{NoSync: true})
			}
			var before map[string]string
			var ids map[string]fileID
			if !tc.first {
				before, ids = snapshotFiles(t, dir), fileIDs(t, dir)
			}
			out := openOutput(t, dir)
			w, err := out.Begin(tree.PublishOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.put {
				if err := w.Put(f); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := w.Release(); err != nil { // every file processed
				t.Fatal(err)
			}
			w.Abort()
			w.Abort() // twice: harmless
			if tc.first {
				if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("an aborted first build left %s: %v", dir, err)
				}
			} else {
				sameFiles(t, "after Abort", before, snapshotFiles(t, dir))
				if after := fileIDs(t, dir); !sameIDs(ids, after) {
					t.Errorf("after Abort, files were replaced or touched:\n%v\nwas\n%v", after, ids)
				}
			}
			noNewTrees(t, dir)
			if rep, err := w.Commit(); err == nil {
				t.Errorf("Commit after Abort succeeded: %v", rep)
			}
			if !tc.first {
				sameFiles(t, "after Commit after Abort", before, snapshotFiles(t, dir))
			}
			noNewTrees(t, dir)
		})
	}
}

package tree_test

import (
	"errors"
	"path/filepath"
	"testing"

	"occupancy/generator/tree"
)

// TestWriterMaxBytes: a stream of files passing MaxBytes fails with
// ErrTooLarge at the file that passes it (not before: the limit itself is
// allowed), and the published tree stays as it was, with no new tree left
// once the writer is aborted.
func TestWriterMaxBytes(t *testing.T) {
	old := synthetic(5, "old")
	size := int64(len(old[0].Data)) // every synthetic file has this size
	for _, tc := range []struct {
		name    string
		files   []tree.File
		max     int64
		failsAt int // index of the Put that fails, -1 for none
	}{
		{name: "at the limit", files: synthetic(5, "new"), max: 5 * size, failsAt: -1},
		{name: "one byte over", files: synthetic(5, "new"), max: 5*size - 1, failsAt: 4},
		{name: "first file over", files: synthetic(5, "new"), max: size - 1, failsAt: 0},
		{name: "over while the files equal the published ones", files: synthetic(8, "old"), max: 6 * size, failsAt: 6},
		{name: "over after a changed file", files: append(synthetic(1, "new"), synthetic(8, "old")[1:]...), max: 6 * size, failsAt: 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			publishWith(t, dir, old, tree.PublishOptions{NoSync: true})
			before, ids := snapshotFiles(t, dir), fileIDs(t, dir)
			out := openOutput(t, dir)
			w, err := out.Begin(tree.PublishOptions{NoSync: true, MaxBytes: tc.max})
			if err != nil {
				t.Fatal(err)
			}
			failed := -1
			for i, f := range tc.files {
				if err = w.Put(f); err != nil {
					failed = i
					break
				}
			}
			if failed != tc.failsAt {
				t.Fatalf("Put %d failed (%v), want %d", failed, err, tc.failsAt)
			}
			if failed < 0 {
				if _, err := w.Commit(); err != nil {
					t.Fatal(err)
				}
				checkTree(t, dir)
				noNewTrees(t, dir)
				return
			}
			if !errors.Is(err, tree.ErrTooLarge) {
				t.Errorf("error %v, want ErrTooLarge", err)
			}
			if err := w.Put(tree.File{Path: "api/late.json", Data: []byte("1")}); !errors.Is(err, tree.ErrTooLarge) {
				t.Errorf("a Put after passing the limit: %v, want ErrTooLarge", err)
			}
			if rep, err := w.Commit(); !errors.Is(err, tree.ErrTooLarge) {
				t.Errorf("Commit after passing the limit: %v, %v; want ErrTooLarge", rep, err)
			}
			w.Abort()
			sameFiles(t, "after ErrTooLarge", before, snapshotFiles(t, dir))
			if !sameIDs(ids, fileIDs(t, dir)) {
				t.Error("after ErrTooLarge, published files were replaced or touched")
			}
			noNewTrees(t, dir)
		})
	}
	t.Run("Publish", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "public")
		publishWith(t, dir, old, tree.PublishOptions{NoSync: true})
		before := snapshotFiles(t, dir)
		_, err := tree.Publish(dir, synthetic(5, "new"), tree.PublishOptions{NoSync: true, MaxBytes: 2 * size})
		if !errors.Is(err, tree.ErrTooLarge) {
			t.Errorf("Publish: %v, want ErrTooLarge", err)
		}
		sameFiles(t, "after ErrTooLarge", before, snapshotFiles(t, dir))
		noNewTrees(t, dir)
	})
}

package tree_test

import (
	"path/filepath"
	"testing"

	"occupancy/generator/tree"
)

// TestWriterSecondBegin: an output has one writer at a time. A second
// Begin (or Publish) while one is open fails and leaves the open writer's
// new tree alone, so that it still commits; once the first is committed
// or aborted, the next Begin works.
func TestWriterSecondBegin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		end    func(w *tree.Writer) error // ends the first writer before the second Begin; nil leaves it open
		second bool                       // whether the second Begin may succeed
	}{
		{name: "while open"},
		{name: "after Commit", end: func(w *tree.Writer) error { _, err := w.Commit(); return err }, second: true},
		{name: "after Abort", end: func(w *tree.Writer) error { w.Abort(); return nil }, second: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			publishWith(t, dir, synthetic(3, "old"), tree.PublishOptions{NoSync: true})
			out := openOutput(t, dir)
			w1, err := out.Begin(tree.PublishOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w1.Abort()
			one := synthetic(4, "one")
			for _, f := range one {
				if err := w1.Put(f); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := w1.Release(); err != nil { // the new tree exists
				t.Fatal(err)
			}
			if tc.end != nil {
				if err := tc.end(w1); err != nil {
					t.Fatal(err)
				}
			}
			w2, err := out.Begin(tree.PublishOptions{NoSync: true})
			if (err == nil) != tc.second {
				t.Fatalf("second Begin: %v, want success %v", err, tc.second)
			}
			if err == nil {
				two := synthetic(2, "two")
				for _, f := range two {
					if err := w2.Put(f); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := w2.Commit()
				if err != nil {
					t.Fatal(err)
				}
				if m := checkTree(t, dir); m.Release != tree.NewManifest(two).Release || rep.Release != m.Release {
					t.Errorf("published release %.12s, want the second writer's", m.Release)
				}
				noNewTrees(t, dir)
				return
			}
			if _, err := out.Publish(synthetic(2, "two"), tree.PublishOptions{NoSync: true}); err == nil {
				t.Error("Publish while a writer is open succeeded")
			}
			rep, err := w1.Commit()
			if err != nil {
				t.Fatalf("the open writer fails after a second Begin: %v", err)
			}
			if m := checkTree(t, dir); m.Release != tree.NewManifest(one).Release || rep.Release != m.Release {
				t.Errorf("published release %.12s, want the first writer's", m.Release)
			}
			noNewTrees(t, dir)
		})
	}
}

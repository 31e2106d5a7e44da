package tree_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/generator/tree"
)

// generation is a small tree whose files are named by letter: each one's
// bytes are its name and a version, padded to be worth compressing.
func generation(versions map[string]string) []tree.File {
	var files []tree.File
	for name, v := range versions {
		files = append(files, tree.File{Path: name, Kind: "test", Data: []byte(fmt.Sprintf(`{"path":%q,"v":%q,"pad":%q}`, name, v, strings.Repeat("x", 500)))})
	}
	return sortedFiles(files)
}

// standbyOf is the standby tree beside the output folder dir.
func standbyOf(dir string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".standby")
}

// besideOutput lists what is beside the output folder dir, the lock file
// left out (it exists while the output is open).
func besideOutput(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lock") {
			names = append(names, e.Name())
		}
	}
	return names
}

func inodeOf(t *testing.T, name string) uint64 {
	t.Helper()
	st, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// TestStandbyRebuild: the tree a swap takes out is kept as the standby,
// whole; the next build adopts it and updates it in place into its tree:
// files the standby holds with the new bytes, or shares with the
// published tree, keep their inode (neither written nor linked again),
// the others are replaced, never written through: the published tree is
// byte for byte, inode for inode as it was up to the swap. Afterwards the
// published tree is exactly the new release, and the standby exactly the
// previous one.
func TestStandbyRebuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	sbDir := standbyOf(dir)
	a := generation(map[string]string{"api/a.json": "a", "api/b.json": "a", "api/c/d.json": "a", "api/e.json": "a", "api/f.json": "a", "g.json": "a", "api/j.json": "a"})
	publishWith(t, dir, a, tree.PublishOptions{NoSync: true})
	if _, err := os.Lstat(sbDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a first build left a standby: %v", err)
	}
	aIDs := fileIDs(t, dir)

	// B: a.json and j.json changed, b.json removed, h.json added; the
	// rest shared.
	b := generation(map[string]string{"api/a.json": "b", "api/c/d.json": "a", "api/e.json": "a", "api/f.json": "a", "g.json": "a", "api/h.json": "b", "api/j.json": "b"})
	publishWith(t, dir, b, tree.PublishOptions{NoSync: true})
	if m := checkTree(t, sbDir); m.Release != tree.NewManifest(a).Release {
		t.Fatalf("the standby holds release %.12s, want the first build's", m.Release)
	}
	if got := besideOutput(t, dir); !slices.Equal(got, []string{".public.standby", "public"}) {
		t.Errorf("beside the output: %q, want the standby and the output", got)
	}
	if ids := fileIDs(t, sbDir); !sameIDs(withoutManifest(ids), withoutManifest(aIDs)) {
		t.Errorf("the standby's files are not the first tree's, untouched:\n%v\nwas\n%v", ids, aIDs)
	}
	bSnap, bIDs := snapshotFiles(t, dir), fileIDs(t, dir)
	sbIDs := fileIDs(t, sbDir)

	// C: a.json back to A's bytes (the standby has them), b.json back
	// (likewise), e.json changed (shared by A and B: a link to the
	// published file), h.json removed (the standby never had it), i.json
	// added, the folder api/c gone, j.json as published (the standby
	// holds A's: linked from the published tree).
	c := generation(map[string]string{"api/a.json": "a", "api/b.json": "a", "api/e.json": "c", "api/f.json": "a", "g.json": "a", "api/i.json": "c", "api/j.json": "b"})
	var atSwap map[string]string
	var atSwapIDs map[string]fileID
	var adopted bool
	rep := publishWith(t, dir, c, tree.PublishOptions{NoSync: true, Stage: func(stage string) {
		if stage != tree.StageSwap {
			return
		}
		atSwap, atSwapIDs = snapshotFiles(t, dir), fileIDs(t, dir)
		_, err := os.Lstat(sbDir)
		adopted = errors.Is(err, fs.ErrNotExist)
	}})
	if !adopted {
		t.Error("the standby was still at its name at the swap: not adopted")
	}
	// The published tree, up to the swap: nothing written through a link.
	sameFiles(t, "the published tree at the swap", bSnap, atSwap)
	if !sameIDs(bIDs, atSwapIDs) {
		t.Errorf("the published tree's files were touched before the swap:\n%v\nwas\n%v", atSwapIDs, bIDs)
	}
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings: %q", rep.Warnings)
	}
	// After: the new tree, exactly; the previous one as the standby,
	// exactly as it was published.
	if m := checkTree(t, dir); m.Release != tree.NewManifest(c).Release {
		t.Errorf("published release %.12s, want C's", m.Release)
	}
	if m := checkTree(t, sbDir); m.Release != tree.NewManifest(b).Release {
		t.Errorf("the standby holds %.12s, want B's", m.Release)
	}
	sameFiles(t, "the standby after the swap", bSnap, snapshotFiles(t, sbDir))
	if !sameIDs(bIDs, fileIDs(t, sbDir)) {
		t.Error("the standby is not the previous tree, inode for inode")
	}
	if got := besideOutput(t, dir); !slices.Equal(got, []string{".public.standby", "public"}) {
		t.Errorf("beside the output: %q, want the standby and the output", got)
	}
	// Proportional: kept files keep the standby's inode.
	now := fileIDs(t, dir)
	for _, p := range []string{"api/a.json", "api/b.json", "api/f.json", "g.json", "api/a.json.gz", "api/f.json.br"} {
		if now[p].ino != sbIDs[p].ino {
			t.Errorf("%s was written or linked again, not kept from the standby", p)
		}
	}
	if now["api/e.json"].ino == bIDs["api/e.json"].ino || now["api/e.json"].ino == sbIDs["api/e.json"].ino {
		t.Error("api/e.json, changed, kept an old inode")
	}
	for _, p := range []string{"api/j.json", "api/j.json.gz"} {
		if now[p].ino != bIDs[p].ino {
			t.Errorf("%s, as published, is not the published file linked", p)
		}
	}
	for _, p := range []string{"api/c/d.json", "api/c", "api/h.json"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s, not in the release, is published: %v", p, err)
		}
	}
}

func withoutManifest(ids map[string]fileID) map[string]fileID {
	out := map[string]fileID{}
	for k, v := range ids {
		if k != tree.ManifestName {
			out[k] = v
		}
	}
	return out
}

// threeBuilds publishes two generations into dir, so that the first is
// the standby, and returns the third generation to publish.
func threeBuilds(t *testing.T, dir string) []tree.File {
	t.Helper()
	publishWith(t, dir, generation(map[string]string{"api/a.json": "a", "api/b.json": "a", "c.json": "a"}), tree.PublishOptions{NoSync: true})
	publishWith(t, dir, generation(map[string]string{"api/a.json": "b", "api/b.json": "a", "c.json": "a"}), tree.PublishOptions{NoSync: true})
	checkTree(t, standbyOf(dir))
	return generation(map[string]string{"api/a.json": "c", "api/b.json": "c", "c.json": "a", "d.json": "c"})
}

// TestStandbyNotAdopted: a standby that is not wholly the build's (a file
// its manifest does not list, a symbolic link where it lists a file, a
// manifest not the build's, not a folder) is left alone, byte for byte,
// with a warning saying why; the tree the swap takes out is removed
// instead of kept, and the build succeeds. One wholly the build's but
// damaged (a file missing, or of another size) is removed, and the tree
// the swap takes out becomes the standby.
func TestStandbyNotAdopted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, sb string)
		kept   bool   // left alone; otherwise removed and replaced
		want   string // in the warning
	}{
		{name: "a foreign file", kept: true, want: "notes.txt", change: func(t *testing.T, sb string) {
			os.WriteFile(filepath.Join(sb, "api", "notes.txt"), []byte("mine"), 0o644)
		}},
		{name: "a symbolic link in place of a file", kept: true, want: "api/a.json", change: func(t *testing.T, sb string) {
			rm(t, filepath.Join(sb, "api/a.json"))
			os.Symlink("/etc/hostname", filepath.Join(sb, "api/a.json"))
		}},
		{name: "a foreign manifest", kept: true, want: "not the build's", change: func(t *testing.T, sb string) {
			os.WriteFile(filepath.Join(sb, tree.ManifestName), []byte(`{"name":"pwa"}`), 0o644)
		}},
		{name: "a file, not a folder", kept: true, want: "not a folder", change: func(t *testing.T, sb string) {
			os.RemoveAll(sb)
			os.WriteFile(sb, []byte("mine"), 0o644)
		}},
		{name: "a symbolic link to a tree", kept: true, want: "not a folder", change: func(t *testing.T, sb string) {
			os.Rename(sb, sb+"-real")
			os.Symlink(filepath.Base(sb)+"-real", sb)
		}},
		{name: "a file of another size", want: "did not match", change: func(t *testing.T, sb string) {
			// api/a.json differs from the published one: not a link.
			edit(t, filepath.Join(sb, "api/a.json"), func(b []byte) []byte { return append(b, ' ') })
		}},
		{name: "a file missing", want: "did not match", change: func(t *testing.T, sb string) {
			rm(t, filepath.Join(sb, "api/a.json.gz"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			sb := standbyOf(dir)
			next := threeBuilds(t, dir)
			previous := checkTree(t, dir)
			tc.change(t, sb)
			before := snapshotFiles(t, filepath.Dir(sb))
			delete(before, "public/")
			for k := range before {
				if strings.HasPrefix(k, "public/") {
					delete(before, k)
				}
			}
			rep := publishWith(t, dir, next, tree.PublishOptions{NoSync: true})
			if m := checkTree(t, dir); m.Release != tree.NewManifest(next).Release {
				t.Errorf("published %.12s, want the new release", m.Release)
			}
			found := false
			for _, w := range rep.Warnings {
				found = found || strings.Contains(w, tc.want) && strings.Contains(w, sb)
			}
			if !found {
				t.Errorf("no warning names %s and says %q: %q", sb, tc.want, rep.Warnings)
			}
			t.Log(rep.Warnings)
			noNewTrees(t, dir)
			if tc.kept {
				after := snapshotFiles(t, filepath.Dir(sb))
				for k := range after {
					if k == "public/" || strings.HasPrefix(k, "public/") {
						delete(after, k)
					}
				}
				sameFiles(t, "beside the output", before, after)
				return
			}
			// Removed, and the previous tree kept in its place.
			if m := checkTree(t, sb); m.Release != previous.Release {
				t.Errorf("the standby holds %.12s, want the previous tree %.12s", m.Release, previous.Release)
			}
		})
	}
}

// TestStandbyEditedInPlace: a published file edited in place by hand,
// keeping its size, is also the standby's file when the two generations
// share it: the standby passes its size check, but its file is compared,
// not trusted, and the next tree holds the release's bytes.
func TestStandbyEditedInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	next := threeBuilds(t, dir)
	// c.json is the same in all three generations: one inode, shared.
	edit(t, filepath.Join(dir, "c.json"), func(b []byte) []byte { b[len(b)-3] = 'y'; return b })
	publishWith(t, dir, next, tree.PublishOptions{NoSync: true})
	if m := checkTree(t, dir); m.Release != tree.NewManifest(next).Release {
		t.Errorf("published %.12s, want the new release", m.Release)
	}
}

// TestStandbyDeletedByHand: a standby deleted between builds, or a build
// without one, only makes the next build write a whole tree; the tree it
// swaps out becomes the standby again.
func TestStandbyDeletedByHand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	next := threeBuilds(t, dir)
	previous := checkTree(t, dir)
	if err := os.RemoveAll(standbyOf(dir)); err != nil {
		t.Fatal(err)
	}
	rep := publishWith(t, dir, next, tree.PublishOptions{NoSync: true})
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings: %q", rep.Warnings)
	}
	if m := checkTree(t, dir); m.Release != tree.NewManifest(next).Release {
		t.Errorf("published %.12s, want the new release", m.Release)
	}
	if m := checkTree(t, standbyOf(dir)); m.Release != previous.Release {
		t.Errorf("the standby holds %.12s, want the previous tree", m.Release)
	}
	noNewTrees(t, dir)
}

// TestStandbyLeftAlone: opening the output read-only (a plan), a
// publication that leaves the output untouched, an aborted one that never
// needed a new tree and closing the output all leave the standby where
// and as it was; a release inside it is refused.
func TestStandbyLeftAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	threeBuilds(t, dir)
	sb := standbyOf(dir)
	same := generation(map[string]string{"api/a.json": "b", "api/b.json": "a", "c.json": "a"})
	before, ids := snapshotFiles(t, sb), fileIDs(t, sb)
	dirIno := inodeOf(t, sb)
	check := func(what string) {
		t.Helper()
		sameFiles(t, what, before, snapshotFiles(t, sb))
		if !sameIDs(ids, fileIDs(t, sb)) || inodeOf(t, sb) != dirIno {
			t.Errorf("%s: the standby was replaced or touched", what)
		}
		noNewTrees(t, dir)
	}

	ro, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.PrepareStandby()
	ro.FilesInPlace()
	ro.Close()
	check("read-only")

	if rep := publishWith(t, dir, same, tree.PublishOptions{NoSync: true}); !rep.Untouched {
		t.Fatal("the same release again was published anew")
	}
	check("the same release again")

	out := openOutput(t, dir)
	out.PrepareStandby()
	w, err := out.Begin(tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.Put(same[0])
	w.Release()
	w.Abort()
	check("aborted before a new tree")
	out.PrepareStandby()
	out.Close()
	check("claimed, then closed")

	release := filepath.Join(sb, "api")
	if _, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{Input: release}); !errors.Is(err, tree.ErrOverlap) {
		t.Errorf("a release inside the standby: %v, want ErrOverlap", err)
	}
}

// TestStandbyFilesAndFolders: a path that is a file in the standby and a
// folder in the new tree, or the other way round, is brought into line;
// a new tree holding one path as both still fails, and leaves the
// published tree as it was.
func TestStandbyFilesAndFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	a := generation(map[string]string{"api/x": "a", "api/y/z.json": "a", "api/y/w/v.json": "a", "k.json": "a"})
	publishWith(t, dir, a, tree.PublishOptions{NoSync: true})
	publishWith(t, dir, generation(map[string]string{"api/x": "a", "api/y/z.json": "a", "api/y/w/v.json": "a", "k.json": "b"}), tree.PublishOptions{NoSync: true})
	checkTree(t, standbyOf(dir))
	c := generation(map[string]string{"api/x/u.json": "c", "api/y": "c", "k.json": "a"})
	publishWith(t, dir, c, tree.PublishOptions{NoSync: true})
	if m := checkTree(t, dir); m.Release != tree.NewManifest(c).Release {
		t.Errorf("published %.12s, want the new release", m.Release)
	}
	noNewTrees(t, dir)

	before := snapshotFiles(t, dir)
	out := openOutput(t, dir)
	w, err := out.Begin(tree.PublishOptions{NoSync: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []tree.File{
		{Path: "api/x/u.json", Kind: "test", Data: []byte("changed")},
		{Path: "api/y/z.json", Kind: "test", Data: []byte("under api/y")},
		{Path: "api/y", Kind: "test", Data: []byte("a file")},
	} {
		if w.Put(f) != nil {
			break
		}
	}
	if rep, err := w.Commit(); err == nil {
		t.Fatalf("Commit of a tree holding api/y as file and folder succeeded: %v", rep)
	}
	sameFiles(t, "after a failed Commit", before, snapshotFiles(t, dir))
	noNewTrees(t, dir)
}

// TestStandbyKilled kills a build once it has adopted the standby and
// brought part of it into line, or once it has claimed it and not yet
// needed it: the next build removes what is left, writes a whole tree,
// and keeps the tree it swaps out as the standby again.
func TestStandbyKilled(t *testing.T) {
	if dir := os.Getenv("GENERATOR_STANDBY_CHILD"); dir != "" {
		out, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out.PrepareStandby()
		for { // claimed once it has left its name
			if _, err := os.Lstat(standbyOf(dir)); errors.Is(err, fs.ErrNotExist) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if os.Getenv("GENERATOR_STANDBY_WHEN") == "adopted" {
			w, err := out.Begin(tree.PublishOptions{NoSync: true})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			for _, f := range generation(map[string]string{"api/a.json": "k", "api/b.json": "k"}) {
				w.Put(f)
			}
			w.Release() // every file processed: the standby adopted and changed
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	for _, when := range []string{"claimed", "adopted"} {
		t.Run(when, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			next := threeBuilds(t, dir)
			previous := checkTree(t, dir)
			cmd := exec.Command(os.Args[0], "-test.run=^TestStandbyKilled$")
			cmd.Env = append(os.Environ(), "GENERATOR_STANDBY_CHILD="+dir, "GENERATOR_STANDBY_WHEN="+when)
			out, err := cmd.CombinedOutput()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("the child was not killed: %v\n%s", err, out)
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".public.new-*"))
			if len(left) != 1 {
				t.Fatalf("the killed build left %q, want its claimed standby", left)
			}
			if _, err := os.Lstat(standbyOf(dir)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the standby is still at its name: %v", err)
			}
			if m := checkTree(t, dir); m.Release != previous.Release {
				t.Errorf("the killed build changed the published tree")
			}
			rep := publishWith(t, dir, next, tree.PublishOptions{NoSync: true})
			if len(rep.Warnings) > 0 {
				t.Errorf("warnings: %q", rep.Warnings)
			}
			if m := checkTree(t, dir); m.Release != tree.NewManifest(next).Release {
				t.Errorf("published %.12s, want the new release", m.Release)
			}
			if m := checkTree(t, standbyOf(dir)); m.Release != previous.Release {
				t.Errorf("the standby holds %.12s, want the previous tree", m.Release)
			}
			noNewTrees(t, dir)
		})
	}
}

// TestStandbyForeignFileDuringBuild: a file someone puts into the
// published tree while a build runs is never deleted. When the tree the
// swap takes out becomes the standby, the file goes with it, and the next
// build leaves that standby alone, with a warning naming the file. When
// the standby's name is taken, the tree would be deleted after the swap:
// the build checks it again before the swap and refuses, leaving the file
// published.
func TestStandbyForeignFileDuringBuild(t *testing.T) {
	for _, taken := range []bool{false, true} {
		t.Run(fmt.Sprintf("standby name taken=%v", taken), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			next := threeBuilds(t, dir)
			sb := standbyOf(dir)
			if taken {
				os.RemoveAll(sb)
				os.WriteFile(sb, []byte("mine"), 0o644)
			}
			notes := filepath.Join(dir, "api", "notes.txt")
			out := openOutput(t, dir)
			w, err := out.Begin(tree.PublishOptions{NoSync: true, Stage: func(stage string) {
				if stage == tree.StageSwap {
					os.WriteFile(notes, []byte("mine"), 0o644)
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range next {
				w.Put(f)
			}
			_, err = w.Commit()
			out.Close()
			if taken {
				if !errors.Is(err, tree.ErrNotOwned) || !strings.Contains(err.Error(), "api/notes.txt") {
					t.Fatalf("Commit = %v, want ErrNotOwned naming api/notes.txt", err)
				}
				if data, err := os.ReadFile(notes); err != nil || string(data) != "mine" {
					t.Errorf("the file put into the published tree: %q, %v", data, err)
				}
				noNewTrees(t, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kept := filepath.Join(sb, "api", "notes.txt")
			if data, err := os.ReadFile(kept); err != nil || string(data) != "mine" {
				t.Fatalf("the file put into the published tree is not in the standby: %q, %v", data, err)
			}
			rep := publishWith(t, dir, generation(map[string]string{"api/a.json": "d"}), tree.PublishOptions{NoSync: true})
			found := false
			for _, w := range rep.Warnings {
				found = found || strings.Contains(w, "api/notes.txt")
			}
			if !found {
				t.Errorf("no warning names the standby's foreign file: %q", rep.Warnings)
			}
			if data, err := os.ReadFile(kept); err != nil || string(data) != "mine" {
				t.Errorf("the next build touched the standby's foreign file: %q, %v", data, err)
			}
			noNewTrees(t, dir)
		})
	}
}

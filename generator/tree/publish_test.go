package tree_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/snapshot"
	"occupancy/source"
	"occupancy/source/sourcetest"
)

// checkTree verifies that the tree at dir holds exactly the files of its
// manifest, with their hashes, and returns the manifest.
func checkTree(t *testing.T, dir string) *tree.Manifest {
	t.Helper()
	m, err := tree.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func synthetic(n int, version string) []tree.File {
	files := make([]tree.File, n)
	for i := range files {
		files[i] = tree.File{
			Path: fmt.Sprintf("api/rooms/R%05d/index.json", i),
			Kind: tree.KindRoom,
			Data: []byte(fmt.Sprintf(`{"name":"R%05d","v":%q,"pad":%q}`, i, version, strings.Repeat("x", 2000))),
		}
	}
	return files
}

func TestPublishReportsChanges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	files, err := generator.Render(sourcetest.Fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Previous != "" || rep.Kinds[tree.KindRoom].Added != 3 || rep.Kinds[tree.KindCourse].Added != 3 {
		t.Errorf("first build report: %+v", rep)
	}
	m1 := checkTree(t, dir)

	// Same release again: nothing changes, the release id is stable, and
	// the tree is left as it was (same folder, same files).
	stBefore, _ := os.Stat(filepath.Join(dir, tree.ManifestName))
	rep, err = tree.Publish(dir, files, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Previous != rep.Release || rep.Kinds[tree.KindRoom].Same != 3 || rep.Kinds[tree.KindRoom].Changed != 0 || !rep.Untouched {
		t.Errorf("unchanged build report: %+v", rep)
	}
	if stAfter, _ := os.Stat(filepath.Join(dir, tree.ManifestName)); !os.SameFile(stBefore, stAfter) || !stAfter.ModTime().Equal(stBefore.ModTime()) {
		t.Error("an unchanged release rewrote the tree")
	}
	// A file damaged on disk makes the same release publish again.
	os.WriteFile(filepath.Join(dir, "api/rooms/CO1/index.json"), []byte("{}"), 0o644)
	if rep, err = tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil || rep.Untouched {
		t.Fatalf("republish over a damaged tree: untouched=%v, %v", rep != nil && rep.Untouched, err)
	}
	checkTree(t, dir)

	// Drop a room, change another.
	raw := sourcetest.FixtureRaw()
	raw.Rooms.Rows[2].Available = "no"
	raw.Rooms.Rows[0].Capacity = "300"
	rel2, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	files2, _ := generator.Render(rel2, generator.Options{})
	rep, err = tree.Publish(dir, files2, tree.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Kinds[tree.KindRoom]
	if got.Removed != 1 || got.Changed != 1 || got.Same != 1 || got.Added != 0 || rep.Previous != m1.Release {
		t.Errorf("room changes = %+v (previous %s), want 1 removed, 1 changed, 1 same", got, rep.Previous)
	}
	if _, err := os.Stat(filepath.Join(dir, "api/rooms/GC_A1_416/index.json")); !os.IsNotExist(err) {
		t.Errorf("removed room still published: %v", err)
	}
	checkTree(t, dir)
	if s := rep.String(); !strings.Contains(s, "room") || !strings.Contains(s, "1 removed") {
		t.Errorf("report text lacks the room line:\n%s", s)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".public.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary trees left behind: %v", leftovers)
	}
}

// TestPublishReleaseLine: the report names the release by the id the
// snapshot carries, keeps it when only the page changed (and says what
// changed), and names the previous one when the API's files changed.
func TestPublishReleaseLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	files, err := generator.Render(sourcetest.Fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	snap := readSnapshot(t, dir)
	if first.Release != snap.Release {
		t.Fatalf("the report names release %.12s, the snapshot %.12s", first.Release, snap.Release)
	}
	if line := firstLine(first.String()); !strings.Contains(line, fmt.Sprintf("release %.12s (first build)", snap.Release)) {
		t.Errorf("first build: %q", line)
	}

	page := slices.Clone(files)
	for i, f := range page {
		if f.Path == tree.WebIndexPath {
			page[i].Data = append(slices.Clip(f.Data), "<!-- another page -->"...)
		}
	}
	rep, err := tree.Publish(dir, page, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if line := firstLine(rep.String()); rep.Release != first.Release || rep.Untouched ||
		!strings.Contains(line, fmt.Sprintf("release %.12s (same release; changed: compressed, web)", first.Release)) {
		t.Errorf("page changed: release %.12s (first %.12s), untouched %v: %q", rep.Release, first.Release, rep.Untouched, line)
	}

	raw := sourcetest.FixtureRaw()
	raw.Rooms.Rows[0].Capacity = "300"
	rel2, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	files2, err := generator.Render(rel2, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = tree.Publish(dir, files2, tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if snap := readSnapshot(t, dir); rep.Release != snap.Release || rep.Release == first.Release {
		t.Errorf("room changed: release %.12s, snapshot %.12s, first %.12s", rep.Release, snap.Release, first.Release)
	}
	if line := firstLine(rep.String()); !strings.Contains(line, fmt.Sprintf("release %.12s (was %.12s)", rep.Release, first.Release)) {
		t.Errorf("room changed: %q", line)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// readSnapshot reads the snapshot of the tree at dir.
func readSnapshot(t *testing.T, dir string) *snapshot.Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, tree.SnapshotName))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPublishKilled kills a child process that publishes a large tree at
// random moments, and checks each time that the output is one whole tree:
// the previous one or the new one, never a mixture or nothing.
func TestPublishKilled(t *testing.T) {
	if dir := os.Getenv("GENERATOR_PUBLISH_CHILD"); dir != "" {
		_, err := tree.Publish(dir, synthetic(1500, os.Getenv("GENERATOR_PUBLISH_VERSION")), tree.PublishOptions{Workers: 2})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "public")
	old, err := tree.Publish(dir, synthetic(1500, "v0"), tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// make test kills 5 builds; make soak (OCCUPANCY_SOAK=1) kills 50.
	kills := 5
	if os.Getenv("OCCUPANCY_SOAK") != "" {
		kills = 50
	}
	releases := map[string]string{old.Release: "v0"}
	for i := 1; i <= kills+1; i++ {
		version := "v" + strconv.Itoa(i)
		releases[tree.NewManifest(synthetic(1500, version)).Release] = version
	}
	child := func(version string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPublishKilled$")
		cmd.Env = append(os.Environ(), "GENERATOR_PUBLISH_CHILD="+dir, "GENERATOR_PUBLISH_VERSION="+version)
		return cmd
	}
	// One build left to finish tells how long a build takes.
	start := time.Now()
	if out, err := child("v1").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted child build: %v\n%s", err, out)
	}
	full := time.Since(start)
	if m := checkTree(t, dir); releases[m.Release] != "v1" {
		t.Fatalf("finished build left release %q, want v1", releases[m.Release])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	current := "v1"
	completed := 0
	for i := 2; i <= kills+1; i++ {
		version := "v" + strconv.Itoa(i)
		cmd := child(version)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill anywhere from the start to a little after the usual end.
		delay := time.Duration(rng.Int64N(int64(full) * 6 / 5))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		m := checkTree(t, dir)
		got, ok := releases[m.Release]
		if !ok || (got != current && got != version) {
			t.Fatalf("after a kill at %v: tree holds release %q, want %s or %s", delay, got, current, version)
		}
		if got == version {
			completed++
		}
		current = got
	}
	t.Logf("a build takes %v; %d of %d killed builds had finished", full, completed, kills)
	// A normal build afterwards cleans up and succeeds.
	if _, err := tree.Publish(dir, synthetic(10, "final"), tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dir)
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".public.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("leftovers after a clean build: %v", leftovers)
	}
}

// TestPublishReusesUnchangedFiles: a rebuild hard-links files whose bytes
// did not change instead of writing them again, rewrites the others, and
// never trusts the old manifest alone (a file edited by hand is rewritten).
func TestPublishReusesUnchangedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	files := synthetic(20, "a")
	if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	inode := func(path string) uint64 {
		t.Helper()
		st, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		return st.Sys().(*syscall.Stat_t).Ino
	}
	before := map[string]uint64{}
	for _, f := range files {
		before[f.Path] = inode(f.Path)
	}
	// Edit one published file by hand behind the manifest's back.
	edited := files[3].Path
	if err := os.WriteFile(filepath.Join(dir, edited), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := files[5].Path
	files[5].Data = []byte(`{"changed":true}`)
	if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dir)
	for _, f := range files {
		same := inode(f.Path) == before[f.Path]
		switch f.Path {
		case edited, changed:
			if same {
				t.Errorf("%s was reused though its content differs", f.Path)
			}
		default:
			if !same {
				t.Errorf("%s was written again though unchanged", f.Path)
			}
		}
	}
}

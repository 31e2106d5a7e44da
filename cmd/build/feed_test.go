package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/generator"
	"occupancy/generator/tree"
)

// TestChangeFeed follows the change feed over successive builds into one
// folder: empty after a first build, a set per release that changes
// something (chained to the release it replaced, listed on the course it
// concerns, reported by the build and by -plan), carried unchanged by a
// rebuild that changes nothing, cut to -keep-changes, refused when it
// was tampered with, and gone with -keep-changes 0.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	in, out := filepath.Join(root, "release"), filepath.Join(root, "public")
	raw := rebuildRelease()
	writeRelease(t, in, raw)
	args := func(extra ...string) []string {
		return append([]string{"-no-compress", "-in", in, "-out", out}, extra...)
	}
	mustBuild := func(extra ...string) string {
		t.Helper()
		stdout, stderr, err := build(t, args(extra...)...)
		if err != nil {
			t.Fatalf("build %q: %v\n%s", extra, err, stderr)
		}
		return stdout
	}
	read := func(p string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	changeLog := func() *generator.ChangeLog {
		t.Helper()
		log, err := generator.ParseChangeLog(read(tree.ChangeLogPath))
		if err != nil {
			t.Fatal(err)
		}
		return log
	}
	manifest := func() *tree.Manifest {
		t.Helper()
		m, err := tree.ParseManifest(read(tree.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// A first build: nothing to compare with, an empty feed, a file for
	// every course.
	if stdout := mustBuild(); !strings.Contains(stdout, "change feed: nothing to list before a release replaces this one") {
		t.Errorf("first build's report:\n%s", stdout)
	}
	first := manifest().Release
	if log := changeLog(); len(log.Releases) != 0 || log.Keep != 20 {
		t.Fatalf("first build: %+v, want no release and keep 20", log)
	}
	if got := string(read(tree.EntityChangesPath("courses", "CS-305"))); got != `{"releases":[]}` {
		t.Errorf("first build: CS-305's changes %s", got)
	}

	// A session changes room: -plan says so, the build lists it.
	raw.Sessions.Rows[0].Rooms = "INM202"
	writeRelease(t, in, raw)
	stdout, _, err := build(t, "-plan", "-in", in, "-out", out)
	if err != nil || !strings.Contains(stdout, "change feed: 1 changes of this release would be listed in api/changes") {
		t.Errorf("plan: %v\n%s", err, stdout)
	}
	if stdout := mustBuild(); !strings.Contains(stdout, "change feed: 1 changes of this release listed in api/changes") {
		t.Errorf("second build's report:\n%s", stdout)
	}
	second := manifest().Release
	log := changeLog()
	if len(log.Releases) != 1 || log.Releases[0].Release != second || log.Releases[0].Previous != first || log.Releases[0].Counts.Moved != 1 {
		t.Fatalf("second build: %+v, want one move from %s to %s", log, first, second)
	}
	set := read(log.Releases[0].Path)
	var ec generator.EntityChanges
	course := raw.Sessions.Rows[0].Course
	if err := json.Unmarshal(read(tree.EntityChangesPath("courses", course)), &ec); err != nil || len(ec.Releases) != 1 ||
		ec.Releases[0].Release != second || ec.Releases[0].Changes[0].Change != "moved" {
		t.Errorf("%s's changes: %+v, %v", course, ec, err)
	}

	// The same release with another option: a new tree, the same feed.
	mustBuild("-rfc3339")
	if log := changeLog(); len(log.Releases) != 1 || string(read(log.Releases[0].Path)) != string(set) {
		t.Errorf("a rebuild of the same release changed the feed: %+v", log)
	}

	// Another change with -keep-changes 1: the older set goes.
	raw.Sessions.Rows[0].Start = "07:15"
	writeRelease(t, in, raw)
	mustBuild("-rfc3339", "-keep-changes", "1")
	if log := changeLog(); len(log.Releases) != 1 || log.Releases[0].Previous == first || log.Keep != 1 {
		t.Errorf("keep 1: %+v", log)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(tree.ChangeSetPath(changeLogID(t, set))))); !os.IsNotExist(err) {
		t.Errorf("the set no longer kept is still in the tree: %v", err)
	}

	// A feed changed by hand is refused, and the tree left as it was.
	before := read(tree.ManifestName)
	p := filepath.Join(out, filepath.FromSlash(tree.ChangeLogPath))
	if err := os.WriteFile(p, []byte(`{"keep":1,"releases":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	raw.Sessions.Rows[0].Start = "06:15"
	writeRelease(t, in, raw)
	if _, stderr, err := build(t, args("-rfc3339")...); err == nil || !strings.Contains(err.Error(), "-keep-changes 0") {
		t.Errorf("a tampered feed: %v\n%s", err, stderr)
	}
	if string(read(tree.ManifestName)) != string(before) {
		t.Error("a refused build changed the manifest")
	}

	// -keep-changes 0 forgets the feed (the tampered file with it).
	mustBuild("-rfc3339", "-keep-changes", "0")
	for _, p := range []string{tree.ChangeLogPath, tree.EntityChangesPath("courses", course)} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(p))); !os.IsNotExist(err) {
			t.Errorf("-keep-changes 0: %s: %v", p, err)
		}
	}
}

// changeLogID returns the id of a change set's file.
func changeLogID(t *testing.T, set []byte) string {
	t.Helper()
	var s generator.ChangeSet
	if err := json.Unmarshal(set, &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

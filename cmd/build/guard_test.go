package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
)

// TestCompareNamesOfAnOlderTree: a tree published before builds recorded
// their release is compared by the names its manifest lists, so a release
// that loses most rooms is still caught.
func TestCompareNamesOfAnOlderTree(t *testing.T) {
	var files []tree.File
	for i := range 40 {
		name := fmt.Sprintf("R%02d", i)
		files = append(files,
			tree.File{Path: "api/rooms/" + name + "/index.json", Kind: tree.KindRoom, Data: []byte("{}")},
			tree.File{Path: "api/rooms/" + name + ".ics", Kind: "room.ics", Data: []byte("x")})
	}
	files = append(files,
		tree.File{Path: "api/courses/CS-101/index.json", Kind: tree.KindCourse, Data: []byte("{}")},
		tree.File{Path: "api/rooms/index.json", Kind: tree.KindRooms, Data: []byte("[]")})
	slicesSortFiles(files)
	m := tree.NewManifest(files)
	rel := &source.Release{
		Rooms:   []source.Room{{Name: "R00", Available: true}, {Name: "NEW", Available: true}},
		Courses: []source.Course{{Code: "CS-101", Name: "changed name"}},
	}
	c := compareNames(m, rel)
	rooms := c.Kind("rooms")
	if rooms == nil || rooms.Before != 40 || rooms.After != 2 || len(rooms.Removed) != 39 || len(rooms.Added) != 1 {
		t.Fatalf("rooms: %+v", rooms)
	}
	if courses := c.Kind("courses"); courses == nil || len(courses.Changed) != 0 || courses.Before != 1 {
		t.Errorf("courses (names only, nothing changed): %+v", courses)
	}
	if c.Kind("sessions") != nil {
		t.Error("sessions compared though the old tree does not tell them")
	}
	losses := c.Losses(0.3, minRemoved)
	if len(losses) != 1 || losses[0].Kind != "rooms" {
		t.Errorf("losses = %v", losses)
	}
}

// TestOlderTreeWithoutRecord: over a tree without release.json, the build
// warns that it compares names only, and publishes.
func TestOlderTreeWithoutRecord(t *testing.T) {
	t.Parallel()
	rel, err := source.Check(rebuildRelease())
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Render(rel, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var older []tree.File
	for _, f := range files {
		if f.Path != tree.RecordName {
			older = append(older, f)
		}
	}
	out := filepath.Join(t.TempDir(), "public")
	if _, err := tree.Publish(out, older, tree.PublishOptions{NoSync: true, NoCompress: true}); err != nil {
		t.Fatal(err)
	}
	raw := rebuildRelease()
	raw.Rooms.Rows[0].Capacity = "321"
	src := writeRelease(t, filepath.Join(t.TempDir(), "release"), raw)
	_, stderr, err := build(t, "-no-compress", "-in", src, "-out", out)
	if err != nil || !strings.Contains(stderr, "did not record its release") {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !bytes.Contains(mustRead(t, filepath.Join(out, tree.RecordName)), []byte(`"capacity":321`)) {
		t.Error("the new tree does not record its release")
	}
}

func slicesSortFiles(files []tree.File) {
	slices.SortFunc(files, func(a, b tree.File) int { return strings.Compare(a.Path, b.Path) })
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

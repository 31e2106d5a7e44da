package generator_test

import (
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"net/url"
	"occupancy/generator/tree"
	"os"
	"path/filepath"
	"strings"
	"testing"

	atom "github.com/gorilla/feeds"

	"occupancy/generator"
	"occupancy/source"
)

// TestHostileNamesPublish renders and publishes a release whose room names
// and course codes hold every character that source allows in a name
// (spaces, accents, '%', '#', '=', inner dots, a 200-byte name) and checks
// that every file lands inside the output folder, that each entity gets a
// file of its own holding that entity, and that no two share one, also
// when file names are compared without case.
func TestHostileNamesPublish(t *testing.T) {
	names := []string{
		"Salle 1", "Café", "CAFE", "100%", "a%2Fb", "%2e%2e", "a=b&c", "a#b", "a..b", "...x",
		"~user", "$HOME", "+", "a b\u00a0c", "名前", strings.Repeat("é", 100),
	}
	raw := fixtureRaw()
	for i, n := range names {
		raw.Rooms.Rows = append(raw.Rooms.Rows, source.RoomRow{Line: 100 + i, Name: n, Type: "lab"})
		raw.Courses.Rows = append(raw.Courses.Rows, source.CourseRow{Line: 100 + i, Code: n, Name: "course " + n})
	}
	rel, err := check(raw)
	if err != nil {
		t.Fatal(err)
	}
	// With the change feed: each name gets its changes.json and Atom
	// feed, and is named in the release's changes.
	files, err := generator.Render(rel, generator.Options{
		Changes: source.Compare(fixture(t), rel), Previous: "p", KeepChanges: 20, Date: changeDate})
	if err != nil {
		t.Fatal(err)
	}
	atoms := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Path, tree.AtomExt) {
			continue
		}
		atoms++
		var feed atom.AtomFeed
		if err := xml.Unmarshal(f.Data, &feed); err != nil {
			t.Errorf("%s: %v", f.Path, err)
		} else if _, err := url.Parse(feed.Link.Href); err != nil || strings.Contains(feed.Link.Href, " ") {
			t.Errorf("%s: link %q: %v", f.Path, feed.Link.Href, err)
		}
	}
	if atoms < 2*len(names) {
		t.Errorf("%d Atom feeds, want one per hostile room and course at least", atoms)
	}
	dir := filepath.Join(t.TempDir(), "out", "public")
	if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Verify(dir); err != nil {
		t.Fatal(err)
	}

	// Nothing was written outside the output folder: its parent holds it
	// alone.
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "public" {
		t.Errorf("the output's parent holds %v", entries)
	}

	// Every file is inside dir, and no two paths are equal without case.
	folded := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || !filepath.IsLocal(rel) && rel != "." {
			t.Errorf("%s is outside %s", p, dir)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("%s is a symbolic link", rel)
		}
		key := strings.ToLower(source.FoldName(rel))
		if prev, dup := folded[key]; dup {
			t.Errorf("%s and %s differ only by case", prev, rel)
		}
		folded[key] = rel
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Each entity has its own file, at the path a client reaches by
	// escaping the name into the URL, holding that entity.
	for _, kind := range []struct {
		folder, field string
	}{{"rooms", "name"}, {"courses", "code"}} {
		for _, n := range names {
			u := "/api/" + kind.folder + "/" + url.PathEscape(n)
			unescaped, err := url.PathUnescape(u)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, filepath.FromSlash(tree.URLPath(unescaped)))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("GET %s: %v", u, err)
				continue
			}
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if v[kind.field] != n {
				t.Errorf("GET %s serves %s %q, want %q", u, kind.field, v[kind.field], n)
			}
			// The calendar feed, beside the folder.
			if feed, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tree.FeedPath(kind.folder, n)))); err != nil || !strings.HasPrefix(string(feed), "BEGIN:VCALENDAR\r\n") {
				t.Errorf("GET %s.ics: %v", u, err)
			}
		}
		// One folder per entity, no more.
		sub, err := os.ReadDir(filepath.Join(dir, "api", kind.folder))
		if err != nil {
			t.Fatal(err)
		}
		want := 2*len(names) + 3 // a folder and a calendar feed each, plus index.json and its .gz and .br
		switch kind.folder {
		case "rooms":
			want += 2 * 3 // the fixture's available rooms
		case "courses":
			want += 2 * 3
		}
		if len(sub) != want {
			t.Errorf("api/%s holds %d entries, want %d", kind.folder, len(sub), want)
		}
	}
}

package generator_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	atom "github.com/gorilla/feeds"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/sourcetest"
)

// changeDate is when the golden pair's second release is published.
var changeDate = time.Date(2026, 12, 7, 6, 30, 0, 0, time.UTC)

// oldChangeRaw is the fixture with what the next release takes away: a
// room and a course of its own, and a longer weekly session.
func oldChangeRaw() *source.Raw {
	raw := sourcetest.FixtureRaw()
	raw.Rooms.Rows = append(raw.Rooms.Rows, source.RoomRow{Name: "TMP9", Type: "SALLE DE COURS", Capacity: "20"})
	raw.Courses.Rows = append(raw.Courses.Rows, source.CourseRow{Code: "OLD-100", Name: "Retired course"})
	raw.Sessions.Rows[3].Weeks = "1-4" // MATH-101 cours, Friday in CO1
	return raw
}

// newChangeRaw is oldChangeRaw with every kind of change the feed
// reports: a semester's skip dates, a room's capacity and building, a
// room added, removed and hidden, a teacher's page, a course renamed,
// added and removed, a study plan's courses, a plan added and removed,
// sessions moved to another room, another time and (from week 3) another
// room, added and removed, a booking moved to another date, an event
// removed and another added.
func newChangeRaw() *source.Raw {
	raw := oldChangeRaw()
	raw.Semesters.Rows[0].SkipDates = "2026-09-21..2026-09-25"
	raw.Rooms.Rows[0].Capacity, raw.Rooms.Rows[0].Building = "300", "CM"
	raw.Rooms.Rows[2].Available = "false"                // GC_A1_416 hidden
	raw.Rooms.Rows = slices.Delete(raw.Rooms.Rows, 4, 5) // TMP9
	raw.Rooms.Rows = append(raw.Rooms.Rows, source.RoomRow{Name: "INM202", Type: "SALLE DE COURS", Capacity: "60"})
	raw.Teachers.Rows[0].PeopleURL = "https://people.epfl.ch/jane.doe2"
	raw.Courses.Rows[2].Name = "Free course, renamed"
	raw.Courses.Rows = slices.Delete(raw.Courses.Rows, 3, 4) // OLD-100
	raw.Courses.Rows = append(raw.Courses.Rows, source.CourseRow{Code: "CS-206", Name: "Parallelism", Teachers: "Jane Doe"})
	raw.StudyPlans.Rows[0].Courses = "MATH-101;CS-305;CS-206"
	raw.StudyPlans.Rows = slices.Delete(raw.StudyPlans.Rows, 1, 2) // IN-BA6
	raw.StudyPlans.Rows = append(raw.StudyPlans.Rows, source.StudyPlanRow{
		UnitCode: "IN-MA1", UnitName: "Informatique - Master semestre 1", Section: "IN", Promo: "MA1",
		Semester: "Semestre d'automne 2026-2027", Courses: "CS-206", ID: "0123456789abcdef01234567"})
	raw.Sessions.Rows[0].Rooms = "CO1"                                       // CS-305 cours: another room
	raw.Sessions.Rows[1].Weekday, raw.Sessions.Rows[1].Start = "We", "13:15" // CS-305 exercice: another time
	raw.Sessions.Rows[1].End = "15:00"
	raw.Sessions.Rows[3].Weeks = "1-2" // MATH-101 cours: CO1 until week 2, INM202 from week 3
	split := raw.Sessions.Rows[3]
	split.Weeks, split.Rooms = "3-4", "INM202"
	raw.Sessions.Rows = slices.Delete(raw.Sessions.Rows, 4, 5) // HUM-200 cours
	raw.Sessions.Rows = append(raw.Sessions.Rows, split,
		source.SessionRow{Course: "CS-206", Label: "cours", Weekday: "Tue", Start: "08:15", End: "10:00", Rooms: "INM202", Semester: "Semestre d'automne 2026-2027"})
	raw.Bookings.Rows[0].Date = "2026-09-30"                   // MATH-101 exam: another date
	raw.Bookings.Rows = slices.Delete(raw.Bookings.Rows, 1, 2) // the forum
	raw.Bookings.Rows = append(raw.Bookings.Rows, source.BookingRow{Date: "2026-10-01", Start: "12:00", End: "13:00", Rooms: "BC01", Name: "Conseil de section"})
	return raw
}

func checked(t testing.TB, raw *source.Raw) *source.Release {
	t.Helper()
	rel, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// changeFiles renders the second release of the golden pair with an
// older set in its history, and returns its change feed's files.
func changeFiles(t *testing.T, keep int) []tree.File {
	t.Helper()
	first, old, new := sourcetest.Fixture(t), checked(t, oldChangeRaw()), checked(t, newChangeRaw())
	older := generator.NewChangeSet(source.Compare(first, old), strings.Repeat("b", 64), strings.Repeat("a", 64), changeDate.Add(-24*time.Hour))
	if older == nil {
		t.Fatal("the fixture and oldChangeRaw compare as the same")
	}
	files, err := generator.Render(new, generator.Options{
		Changes: source.Compare(old, new), Previous: strings.Repeat("b", 64),
		History: []*generator.ChangeSet{older}, KeepChanges: keep, Date: changeDate,
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(files, func(f tree.File) bool {
		return f.Kind != tree.KindChangeLog && f.Kind != tree.KindEntityChanges
	})
}

// TestChangesGolden pins the change feed of a pair of releases with every
// kind of change, and an older release kept in its history. Run `go test
// ./generator -run TestChangesGolden -update` to rewrite them, and review
// the diff.
func TestChangesGolden(t *testing.T) {
	checkGolden(t, filepath.Join("testdata", "changes"), changeFiles(t, 20), "go test ./generator -run TestChangesGolden -update")
}

// TestChangeSetKinds checks the golden pair's set in fields: every kind
// of change is there once, with what it concerns and its days.
func TestChangeSetKinds(t *testing.T) {
	old, new := checked(t, oldChangeRaw()), checked(t, newChangeRaw())
	s := generator.NewChangeSet(source.Compare(old, new), "new", "old", changeDate)
	type key struct{ typ, change string }
	got := map[key][]string{}
	for _, ch := range s.Changes {
		got[key{ch.Type, ch.Change}] = append(got[key{ch.Type, ch.Change}], ch.Text)
	}
	for _, want := range []struct {
		typ, change string
		n           int
	}{
		{"semester", "changed", 1},
		{"room", "added", 1}, {"room", "removed", 2}, {"room", "changed", 1},
		{"teacher", "changed", 1},
		{"course", "added", 1}, {"course", "removed", 1}, {"course", "changed", 1},
		{"studyplan", "added", 1}, {"studyplan", "removed", 1}, {"studyplan", "changed", 1},
		{"session", "added", 2}, {"session", "removed", 1}, {"session", "moved", 3},
		{"booking", "added", 1}, {"booking", "removed", 1}, {"booking", "moved", 1},
	} {
		if n := len(got[key{want.typ, want.change}]); n != want.n {
			t.Errorf("%s %s: %d changes, want %d: %q", want.typ, want.change, n, want.n, got[key{want.typ, want.change}])
		}
	}
	find := func(text string) *generator.Change {
		for i := range s.Changes {
			if strings.Contains(s.Changes[i].Text, text) {
				return &s.Changes[i]
			}
		}
		t.Fatalf("no change says %q in %q", text, got)
		return nil
	}
	// A room change of a weekly session: one move, both rooms, every day.
	ch := find("CS-305 cours Monday 08:15–10:00")
	if ch.Change != "moved" || !slices.Equal(ch.Rooms, []string{"BC01", "CO1"}) || !slices.Equal(ch.Courses, []string{"CS-305"}) ||
		!slices.Equal(ch.StudyPlans, []string{"6b090e389c963b7fee731dbe"}) ||
		!slices.Equal(ch.Before.Rooms, []string{"BC01", "CO1"}) || !slices.Equal(ch.After.Rooms, []string{"CO1"}) ||
		!slices.Equal(ch.Dates, []string{"2026-09-07", "2026-09-14", "2026-09-28"}) {
		t.Errorf("room change: %+v", ch)
	}
	// From week 3 in another room: the weeks of the first row change
	// (its last two days), and a session is added from week 3.
	ch = find("MATH-101 cours Friday 14:15–16:00 (Semestre d'automne 2026-2027): weeks 1-4 → weeks 1-2")
	if !slices.Equal(ch.Dates, []string{"2026-09-25", "2026-10-02"}) {
		t.Errorf("weeks change: days %q, want the two it loses", ch.Dates)
	}
	ch = find("Added: MATH-101 cours Friday 14:15–16:00 in INM202")
	if ch.After.Weeks != "3-4" || !slices.Equal(ch.Dates, []string{"2026-10-02"}) || !strings.HasSuffix(ch.Text, "(on 2026-10-02)") {
		t.Errorf("added from week 3: %+v (week 3 is a skipped week)", ch)
	}
	ch = find("MATH-101 exam")
	if ch.Change != "moved" || !slices.Equal(ch.Dates, []string{"2026-09-29", "2026-09-30"}) {
		t.Errorf("booking move: %+v", ch)
	}
	ch = find("Changed: CO1")
	if !reflect.DeepEqual(ch.Fields, []generator.Field{{Field: "capacity", Before: "250", After: "300"}, {Field: "building", Before: "CO", After: "CM"}}) ||
		!slices.Equal(ch.Rooms, []string{"CO1"}) {
		t.Errorf("room details: %+v", ch)
	}
	ch = find("Changed: IN-BA5")
	if f := ch.Fields[0]; f.Field != "courses" || !slices.Equal(f.Added, []string{"CS-206"}) || !slices.Equal(ch.Courses, []string{"CS-206"}) {
		t.Errorf("plan membership: %+v", ch)
	}
	if s.Counts != (generator.Counts{Added: 6, Removed: 6, Changed: 5, Moved: 4}) {
		t.Errorf("counts %+v", s.Counts)
	}
}

// TestChangesReplay is the property of the change feed: applying a set's
// session and booking changes (remove what it removed, add what it added,
// replace what it moved) to the old release gives the new one, for
// releases changed at random.
func TestChangesReplay(t *testing.T) {
	base := checked(t, oldChangeRaw())
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		old := mutate(rng, base, 4)
		new := mutate(rng, old, 1+rng.IntN(8))
		s := generator.NewChangeSet(source.Compare(old, new), "new", "old", changeDate)
		if s == nil {
			if !equalMultisets(sessionKeys(old), sessionKeys(new)) || !equalMultisets(bookingKeys(old), bookingKeys(new)) {
				t.Fatalf("seed %d: no change set for releases that differ", seed)
			}
			continue
		}
		for _, typ := range []string{"session", "booking"} {
			have := sessionKeys(old)
			want := sessionKeys(new)
			if typ == "booking" {
				have, want = bookingKeys(old), bookingKeys(new)
			}
			for _, ch := range s.Changes {
				if ch.Type != typ {
					continue
				}
				if ch.Before != nil {
					k := itemKey(ch.Before)
					i := slices.Index(have, k)
					if i < 0 {
						t.Fatalf("seed %d: %s lists %q, which the old release does not hold", seed, ch.Change, k)
					}
					have = slices.Delete(have, i, i+1)
				}
				if ch.After != nil {
					have = append(have, itemKey(ch.After))
				}
			}
			if !equalMultisets(have, want) {
				t.Fatalf("seed %d: the %ss of the old release with the changes applied differ from the new release's:\n got %q\nwant %q\nchanges: %+v", seed, typ, sorted(have), sorted(want), s.Changes)
			}
		}
	}
}

// mutate returns a copy of rel with n random changes to its sessions and
// bookings: rooms, times, weekdays, weeks, dates, labels changed, items
// removed, duplicated or added.
func mutate(rng *rand.Rand, rel *source.Release, n int) *source.Release {
	out := *rel
	out.Sessions = slices.Clone(rel.Sessions)
	out.Bookings = slices.Clone(rel.Bookings)
	rooms := []string{"CO1", "BC01", "GC_A1_416", "TMP9"}
	for range n {
		if rng.IntN(2) == 0 && len(out.Sessions) > 0 {
			i := rng.IntN(len(out.Sessions))
			s := out.Sessions[i]
			switch rng.IntN(7) {
			case 0:
				s.Rooms = []string{rooms[rng.IntN(len(rooms))]}
			case 1:
				s.Start, s.End = source.Clock(8*60+rng.IntN(4)*60), source.Clock(10*60+rng.IntN(4)*60)
			case 2:
				s.Weekday = time.Weekday(1 + rng.IntN(5))
			case 3:
				from := 1 + rng.IntN(3)
				s.Weeks = []source.WeekRange{{From: from, To: from + rng.IntN(2)}}
			case 4:
				out.Sessions = slices.Delete(out.Sessions, i, i+1)
				continue
			case 5:
				out.Sessions = append(out.Sessions, s) // a duplicate
				continue
			case 6:
				s.Label = []string{"cours", "exercice", "tp"}[rng.IntN(3)]
			}
			out.Sessions[i] = s
			continue
		}
		if len(out.Bookings) == 0 {
			continue
		}
		i := rng.IntN(len(out.Bookings))
		b := out.Bookings[i]
		switch rng.IntN(4) {
		case 0:
			b.Date = b.Date.AddDate(0, 0, 1+rng.IntN(3))
		case 1:
			b.Rooms = []string{rooms[rng.IntN(len(rooms))]}
		case 2:
			out.Bookings = slices.Delete(out.Bookings, i, i+1)
			continue
		case 3:
			out.Bookings = append(out.Bookings, b)
			continue
		}
		out.Bookings[i] = b
	}
	return &out
}

// itemKey is what identifies a session or booking in a change.
func itemKey(it *generator.Item) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s|%q|%q|%s", it.Course, it.Label, it.Semester, it.Weekday, it.Date,
		it.Start, it.End, strings.Join(it.Rooms, "+"), it.Weeks, it.Name, it.Description, "")
}

func sessionKeys(rel *source.Release) []string {
	var out []string
	for _, s := range rel.Sessions {
		rooms := slices.Clone(s.Rooms)
		slices.Sort(rooms)
		it := &generator.Item{Course: s.Course, Label: s.Label, Semester: s.Semester, Weekday: s.Weekday.String(),
			Start: s.Start.String(), End: s.End.String(), Rooms: slices.Compact(rooms), Weeks: plainWeeks(s.Weeks)}
		out = append(out, itemKey(it))
	}
	return out
}

// plainWeeks writes weeks the simple way, one by one merged: the
// reference for the generator's week ranges.
func plainWeeks(weeks []source.WeekRange) string {
	in := map[int]bool{}
	for _, w := range weeks {
		for x := w.From; x <= w.To; x++ {
			in[x] = true
		}
	}
	var parts []string
	for x := 0; x <= 60; x++ {
		if !in[x] || in[x-1] {
			continue
		}
		y := x
		for in[y+1] {
			y++
		}
		if y == x {
			parts = append(parts, fmt.Sprint(x))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", x, y))
		}
	}
	return strings.Join(parts, ",")
}

func bookingKeys(rel *source.Release) []string {
	var out []string
	for _, b := range rel.Bookings {
		rooms := slices.Clone(b.Rooms)
		slices.Sort(rooms)
		it := &generator.Item{Course: b.Course, Label: b.Label, Name: b.Name, Description: b.Description,
			Date: b.Date.Format(time.DateOnly), Start: b.Start.String(), End: b.End.String(), Rooms: slices.Compact(rooms)}
		out = append(out, itemKey(it))
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func equalMultisets(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

// TestChangeFeedsAtom parses every Atom feed of the golden pair with the
// Atom library's types and checks what RFC 4287 requires of it: ids that
// are absolute IRIs, unique within a feed and the same in every build, a
// title and an RFC 3339 updated date on the feed and each entry, an
// author, and entries newest first.
func TestChangeFeedsAtom(t *testing.T) {
	files := changeFiles(t, 20)
	again := changeFiles(t, 20)
	uuid := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	feeds, entries := 0, 0
	for i, f := range files {
		if !strings.HasSuffix(f.Path, tree.AtomExt) {
			continue
		}
		feeds++
		if !bytes.Equal(f.Data, again[i].Data) {
			t.Errorf("%s: two renders differ", f.Path)
		}
		var feed atom.AtomFeed
		if err := xml.Unmarshal(f.Data, &feed); err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		// The library's entry reads its links back under another name.
		var links struct {
			Entries []struct {
				Links []atom.AtomLink `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(f.Data, &links); err != nil || len(links.Entries) != len(feed.Entries) {
			t.Fatalf("%s: links of %d entries: %v", f.Path, len(links.Entries), err)
		}
		for i := range feed.Entries {
			feed.Entries[i].Links = links.Entries[i].Links
		}
		if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || feed.XMLName.Local != "feed" {
			t.Errorf("%s: root %v, want the Atom namespace's feed", f.Path, feed.XMLName)
		}
		if !uuid.MatchString(feed.Id) || feed.Title == "" || feed.Author == nil || feed.Author.Name == "" || feed.Link == nil {
			t.Errorf("%s: feed id %q, title %q, author %v, link %v", f.Path, feed.Id, feed.Title, feed.Author, feed.Link)
		}
		updated, err := time.Parse(time.RFC3339, feed.Updated)
		if err != nil {
			t.Errorf("%s: updated %q: %v", f.Path, feed.Updated, err)
		}
		ids := map[string]bool{}
		last := updated
		for _, e := range feed.Entries {
			entries++
			if !uuid.MatchString(e.Id) || ids[e.Id] || e.Title == "" || e.Content == nil || e.Content.Type != "html" ||
				len(e.Links) != 1 || e.Links[0].Rel != "alternate" || !strings.HasPrefix(e.Links[0].Href, "../") {
				t.Errorf("%s: entry id %q (seen %t), title %q, content %v, links %v", f.Path, e.Id, ids[e.Id], e.Title, e.Content, e.Links)
			}
			ids[e.Id] = true
			at, err := time.Parse(time.RFC3339, e.Updated)
			if err != nil || at.After(last) {
				t.Errorf("%s: entry updated %q after %s or invalid: %v", f.Path, e.Updated, last, err)
			}
			last = at
		}
	}
	if feeds < 10 || entries < 10 {
		t.Errorf("%d feeds with %d entries checked, want the golden pair's", feeds, entries)
	}
}

// TestEntityChanges checks who gets a changes.json: every published room,
// course and study plan (an empty list when nothing concerns it), and
// those a kept change removed, but not a room the release hides.
func TestEntityChanges(t *testing.T) {
	files := changeFiles(t, 20)
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	read := func(p string) *generator.EntityChanges {
		data, ok := byPath[p]
		if !ok {
			t.Errorf("%s: not rendered", p)
			return &generator.EntityChanges{}
		}
		var ec generator.EntityChanges
		if err := json.Unmarshal(data, &ec); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return &ec
	}
	for _, tc := range []struct {
		collection, name string
		releases         int // releases listed
	}{
		{"rooms", "CO1", 2}, {"rooms", "INM202", 1}, {"rooms", "TMP9", 2}, {"rooms", "BC01", 1},
		{"courses", "CS-206", 1}, {"courses", "OLD-100", 2}, {"courses", "HUM-200", 1},
		{"studyplans", "6b090e389c963b7fee731dbe", 2}, {"studyplans", "9002ed1a347eb5ba8d161f40", 1},
	} {
		t.Run(tc.collection+"/"+tc.name, func(t *testing.T) {
			ec := read(tree.EntityChangesPath(tc.collection, tc.name))
			if len(ec.Releases) != tc.releases {
				t.Fatalf("%d releases, want %d: %+v", len(ec.Releases), tc.releases, ec)
			}
			if _, ok := byPath[tree.EntityFeedPath(tc.collection, tc.name)]; !ok {
				t.Error("no feed")
			}
			for _, r := range ec.Releases {
				if len(r.Changes) == 0 {
					t.Errorf("release %s listed with no change", r.ID)
				}
			}
		})
	}
	if _, ok := byPath[tree.EntityChangesPath("rooms", "GC_A1_416")]; ok {
		t.Error("a hidden room has a changes.json")
	}
}

// TestChangeSetsKept checks the history's bounds: the newest sets up to
// KeepChanges, none at all with 0.
func TestChangeSetsKept(t *testing.T) {
	old, new := checked(t, oldChangeRaw()), checked(t, newChangeRaw())
	var history []*generator.ChangeSet
	for i := range 25 {
		s := generator.NewChangeSet(source.Compare(new, old), fmt.Sprintf("%064x", i+1), fmt.Sprintf("%064x", i), changeDate.Add(-time.Duration(i+1)*time.Hour))
		history = append(history, s)
	}
	for _, keep := range []int{0, 1, 3, 20} {
		files, err := generator.Render(new, generator.Options{Changes: source.Compare(old, new), Previous: "x", History: history, KeepChanges: keep, Date: changeDate})
		if err != nil {
			t.Fatal(err)
		}
		var log *generator.ChangeLog
		sets := 0
		for _, f := range files {
			switch {
			case f.Path == tree.ChangeLogPath:
				if log, err = generator.ParseChangeLog(f.Data); err != nil {
					t.Fatal(err)
				}
			case strings.HasPrefix(f.Path, tree.ChangesDir+"/") && f.Path != tree.ChangeFeedPath:
				sets++
			}
		}
		if keep == 0 {
			if log != nil || sets != 0 {
				t.Errorf("keep 0: %d set files and a list %v, want no feed", sets, log)
			}
			continue
		}
		if log == nil || len(log.Releases) != keep || sets != keep || log.Keep != keep {
			t.Fatalf("keep %d: %d sets listed, %d files", keep, len(log.Releases), sets)
		}
		if log.Releases[0].Date != changeDate.Format(time.RFC3339) || keep > 1 && log.Releases[1].ID != history[0].ID {
			t.Errorf("keep %d: not newest first: %+v", keep, log.Releases)
		}
	}

	// The budget of changes: whole releases, newest first, the newest
	// always.
	perSet := len(history[0].Changes)
	for _, tc := range []struct{ budget, want int }{{1, 1}, {perSet, 1}, {2*perSet - 1, 1}, {2 * perSet, 2}, {5*perSet + 3, 5}} {
		files, err := generator.Render(new, generator.Options{Changes: source.Compare(old, new), Previous: "x", History: history,
			KeepChanges: 20, MaxKeptChanges: tc.budget, Date: changeDate})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Path != tree.ChangeLogPath {
				continue
			}
			log, err := generator.ParseChangeLog(f.Data)
			if err != nil || len(log.Releases) != tc.want {
				t.Errorf("budget %d changes (%d per release): %d releases kept, want %d (%v)", tc.budget, perSet, len(log.Releases), tc.want, err)
			}
		}
	}
}

// TestParseChangeLog checks that a change feed read back from a tree is
// refused when it names what a build never writes.
func TestParseChangeLog(t *testing.T) {
	good := generator.ChangeSummary{ID: "0123456789ab", Release: "r", Date: "d", Path: tree.ChangeSetPath("0123456789ab")}
	for _, tc := range []struct {
		name, log string
		ok        bool
	}{
		{"good", `{"keep":20,"releases":[{"id":"0123456789ab","path":"api/changes/0123456789ab.json"}]}`, true},
		{"empty", `{"keep":20,"releases":[]}`, true},
		{"not JSON", `{"keep":`, false},
		{"id with a slash", `{"releases":[{"id":"../../etc/pa","path":"api/changes/../../etc/pa.json"}]}`, false},
		{"path elsewhere", `{"releases":[{"id":"0123456789ab","path":"index.html"}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := generator.ParseChangeLog([]byte(tc.log))
			if (err == nil) != tc.ok {
				t.Errorf("error %v, want ok %t", err, tc.ok)
			}
		})
	}
	for _, tc := range []struct {
		name, set string
		ok        bool
	}{
		{"good", `{"id":"0123456789ab","release":"r","date":"d","changes":[{"rooms":["CO1"]}]}`, true},
		{"another release", `{"id":"0123456789ab","release":"q","date":"d"}`, false},
		{"room with a slash", `{"id":"0123456789ab","release":"r","date":"d","changes":[{"rooms":["../x"]}]}`, false},
		{"course dot-dot", `{"id":"0123456789ab","release":"r","date":"d","changes":[{"courses":[".."]}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := generator.ParseChangeSet([]byte(tc.set), good)
			if (err == nil) != tc.ok {
				t.Errorf("error %v, want ok %t", err, tc.ok)
			}
		})
	}
}

// FuzzParseChangeLog checks that reading back a change feed never
// panics, and that what it accepts names only files of the feed.
func FuzzParseChangeLog(f *testing.F) {
	f.Add([]byte(`{"keep":20,"releases":[{"id":"0123456789ab","path":"api/changes/0123456789ab.json"}]}`))
	f.Add([]byte(`{"id":"0123456789ab","release":"r","date":"d","changes":[{"rooms":["CO1"],"courses":["x"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if l, err := generator.ParseChangeLog(data); err == nil {
			for _, r := range l.Releases {
				if !strings.HasPrefix(r.Path, tree.ChangesDir+"/") || strings.Contains(r.Path[len(tree.ChangesDir)+1:], "/") {
					t.Errorf("accepted path %q", r.Path)
				}
			}
		}
		var probe generator.ChangeSet
		if json.Unmarshal(data, &probe) != nil {
			return
		}
		if s, err := generator.ParseChangeSet(data, probe.ChangeSummary); err == nil {
			for _, ch := range s.Changes {
				for _, name := range slices.Concat(ch.Rooms, ch.Courses, ch.StudyPlans) {
					if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
						t.Errorf("accepted name %q", name)
					}
				}
			}
		}
	})
}

// TestChangeFeedLeavesTheRestAlone checks that the feed adds files and
// changes none: with and without it, every other file of the tree (the
// calendar feeds with their UIDs, the snapshot with the release id, the
// page's configuration) has the same bytes.
func TestChangeFeedLeavesTheRestAlone(t *testing.T) {
	old, new := checked(t, oldChangeRaw()), checked(t, newChangeRaw())
	without, err := generator.Render(new, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	with, err := generator.Render(new, generator.Options{Changes: source.Compare(old, new), Previous: "p", KeepChanges: 20, Date: changeDate})
	if err != nil {
		t.Fatal(err)
	}
	rest := slices.DeleteFunc(slices.Clone(with), func(f tree.File) bool {
		return f.Kind == tree.KindChangeLog || f.Kind == tree.KindEntityChanges
	})
	if len(rest) == len(with) || len(rest) != len(without) {
		t.Fatalf("%d files with the feed, %d of them not the feed's, %d without it", len(with), len(rest), len(without))
	}
	for i := range rest {
		if rest[i].Path != without[i].Path || !bytes.Equal(rest[i].Data, without[i].Data) {
			t.Errorf("%s: differs with the feed", rest[i].Path)
		}
	}
}

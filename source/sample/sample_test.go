package sample_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/sample"
)

// counts is the size of each sheet of a release.
type counts struct {
	semesters, rooms, teachers, courses, plans, sessions, bookings int
}

func countsOf(raw *source.Raw) counts {
	return counts{
		len(raw.Semesters.Rows), len(raw.Rooms.Rows), len(raw.Teachers.Rows), len(raw.Courses.Rows),
		len(raw.StudyPlans.Rows), len(raw.Sessions.Rows), len(raw.Bookings.Rows),
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, scale := range []int{1, 3} {
		a, b := sample.Generate(scale), sample.Generate(scale)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("Generate(%d) differs between two calls", scale)
		}
	}
	if !reflect.DeepEqual(sample.Generate(0), sample.Generate(1)) {
		t.Error("Generate(0) differs from Generate(1)")
	}
}

func TestGenerateReturnsNewRaw(t *testing.T) {
	a := sample.Generate(1)
	a.Rooms.Rows[0].Name = "changed"
	a.Rooms.Header["name"] = 99
	b := sample.Generate(1)
	if b.Rooms.Rows[0].Name == "changed" || b.Rooms.Header["name"] != 1 {
		t.Error("Generate shares state between calls")
	}
}

func TestScaleOneCounts(t *testing.T) {
	got := countsOf(sample.Generate(1))
	t.Logf("scale 1: %+v", got)
	checks := []struct {
		what     string
		n        int
		min, max int
	}{
		{"semesters", got.semesters, 2, 2},
		{"rooms", got.rooms, 190, 220},
		{"teachers", got.teachers, 550, 750},
		{"courses", got.courses, 1900, 2100},
		{"study plans", got.plans, 370, 430},
		{"sessions", got.sessions, 1500, 2300},
		{"bookings", got.bookings, 3000, 4500},
	}
	for _, c := range checks {
		if c.n < c.min || c.n > c.max {
			t.Errorf("%s: got %d, want %d to %d", c.what, c.n, c.min, c.max)
		}
	}
}

func TestScaleTen(t *testing.T) {
	one, ten := sample.Generate(1), sample.Generate(10)
	c1, c10 := countsOf(one), countsOf(ten)
	t.Logf("scale 10: %+v", c10)
	if c10.semesters != 2 {
		t.Errorf("semesters: got %d, want 2", c10.semesters)
	}
	ratios := []struct {
		what   string
		n1, nN int
	}{
		{"rooms", c1.rooms, c10.rooms},
		{"teachers", c1.teachers, c10.teachers},
		{"courses", c1.courses, c10.courses},
		{"study plans", c1.plans, c10.plans},
		{"sessions", c1.sessions, c10.sessions},
		{"bookings", c1.bookings, c10.bookings},
	}
	for _, r := range ratios {
		if f := float64(r.nN) / float64(r.n1); f < 9 || f > 11 {
			t.Errorf("%s: scale 10 has %d, %.2f times scale 1 (%d), want about 10", r.what, r.nN, f, r.n1)
		}
	}
	if p := validate(ten); len(p) > 0 {
		t.Errorf("scale 10 has %d problems, first: %s", len(p), strings.Join(p[:min(len(p), 10)], "\n"))
	}

	// Block 0 of every scale is the sample: every sheet of scale 1 is a
	// prefix of the same sheet at scale 10.
	prefix := func(name string, a, b any) {
		va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
		if va.Len() > vb.Len() || !reflect.DeepEqual(va.Interface(), vb.Slice(0, va.Len()).Interface()) {
			t.Errorf("%s of scale 1 is not a prefix of scale 10", name)
		}
	}
	prefix("rooms", one.Rooms.Rows, ten.Rooms.Rows)
	prefix("teachers", one.Teachers.Rows, ten.Teachers.Rows)
	prefix("courses", one.Courses.Rows, ten.Courses.Rows)
	prefix("studyplans", one.StudyPlans.Rows, ten.StudyPlans.Rows)
	prefix("sessions", one.Sessions.Rows, ten.Sessions.Rows)
	prefix("bookings", one.Bookings.Rows, ten.Bookings.Rows)
	if !reflect.DeepEqual(one.Semesters, ten.Semesters) {
		t.Error("semesters differ between scales")
	}

	// Block 10 names end in -10; names of block 0 have no such suffix.
	if last := ten.Rooms.Rows[len(ten.Rooms.Rows)-1].Name; !strings.HasSuffix(last, "-10") {
		t.Errorf("last room of scale 10 is %q, want a name ending in -10", last)
	}
	if last := ten.Courses.Rows[len(ten.Courses.Rows)-1].Code; !strings.HasSuffix(last, "-10") {
		t.Errorf("last course of scale 10 is %q, want a code ending in -10", last)
	}
}

func TestValid(t *testing.T) {
	for _, scale := range []int{1, 2} {
		p := validate(sample.Generate(scale))
		for _, s := range p[:min(len(p), 20)] {
			t.Errorf("scale %d: %s", scale, s)
		}
		if len(p) > 20 {
			t.Errorf("scale %d: … and %d more problems", scale, len(p)-20)
		}
	}
}

// TestCheck runs the build's own checks on the sample.
func TestCheck(t *testing.T) {
	for _, scale := range []int{1, 3} {
		t.Run(fmt.Sprintf("scale %d", scale), func(t *testing.T) {
			rel, err := source.Check(sample.Generate(scale))
			if err != nil {
				t.Fatalf("scale %d: %v", scale, err)
			}
			raw := sample.Generate(scale)
			got := []int{len(rel.Semesters), len(rel.Rooms), len(rel.Teachers), len(rel.Courses), len(rel.StudyPlans), len(rel.Sessions), len(rel.Bookings)}
			want := []int{len(raw.Semesters.Rows), len(raw.Rooms.Rows), len(raw.Teachers.Rows), len(raw.Courses.Rows), len(raw.StudyPlans.Rows), len(raw.Sessions.Rows), len(raw.Bookings.Rows)}
			if !slices.Equal(got, want) {
				t.Errorf("scale %d: decoded %v rows, want %v", scale, got, want)
			}
			if scale == 1 {
				// The campus size: about 25,000 dated course sessions (weekly
				// sessions expanded, plus dated course bookings) and 2,000
				// events.
				var weekly, dated, events int
				for _, o := range rel.Occurrences() {
					switch {
					case o.Semester != "":
						weekly++
					case o.Course != "":
						dated++
					default:
						events++
					}
				}
				t.Logf("scale 1: %d weekly occurrences, %d dated course sessions, %d events", weekly, dated, events)
				if n := weekly + dated; n < 23000 || n > 28000 {
					t.Errorf("scale 1: %d dated course sessions in all, want about 25,000", n)
				}
				if events < 1800 || events > 2200 {
					t.Errorf("scale 1: %d events, want about 2,000", events)
				}
			}
		})
	}
}

// TestValidateCatches makes sure the checks above can fail.
func TestValidateCatches(t *testing.T) {
	breakers := map[string]func(*source.Raw){
		"unknown room":      func(r *source.Raw) { r.Sessions.Rows[0].Rooms = "NOPE1" },
		"duplicate room":    func(r *source.Raw) { r.Rooms.Rows[1].Name = r.Rooms.Rows[0].Name },
		"off-step time":     func(r *source.Raw) { r.Sessions.Rows[0].Start = "08:10" },
		"end before start":  func(r *source.Raw) { r.Bookings.Rows[0].End = "00:15" },
		"unknown teacher":   func(r *source.Raw) { r.Courses.Rows[0].Teachers = "Nobody Here" },
		"unknown course":    func(r *source.Raw) { r.StudyPlans.Rows[0].Courses += ";XX-999" },
		"slash in name":     func(r *source.Raw) { r.Rooms.Rows[0].Name = "CO/1" },
		"bad weekday":       func(r *source.Raw) { r.Sessions.Rows[0].Weekday = "Funday" },
		"skip outside":      func(r *source.Raw) { r.Semesters.Rows[0].SkipDates = "2027-01-04" },
		"bad date":          func(r *source.Raw) { r.Bookings.Rows[0].Date = "2027-02-30" },
		"unknown semester":  func(r *source.Raw) { r.Sessions.Rows[0].Semester = "Semestre d'été" },
		"course and event":  func(r *source.Raw) { r.Bookings.Rows[0].Course = r.Courses.Rows[0].Code },
		"dot dot course":    func(r *source.Raw) { r.Courses.Rows[0].Code = ".." },
		"uppercase plan id": func(r *source.Raw) { r.StudyPlans.Rows[0].ID = "6B090E389C963B7FEE731DBE" },
	}
	for name, breakIt := range breakers {
		t.Run(name, func(t *testing.T) {
			raw := sample.Generate(1)
			breakIt(raw)
			if len(validate(raw)) == 0 {
				t.Errorf("%s: validate found no problem", name)
			}
		})
	}
}

func TestTables(t *testing.T) {
	raw := sample.Generate(2)
	type meta struct {
		file, sheet string
		found       bool
		header      map[string]int
		lines       []int
	}
	lines := func(n int, line func(int) int) []int {
		var bad []int
		for i := range n {
			if l := line(i); l != 0 {
				bad = append(bad, l)
			}
		}
		return bad
	}
	got := map[string]meta{
		"semesters":  {raw.Semesters.File, raw.Semesters.Sheet, raw.Semesters.Found, raw.Semesters.Header, lines(len(raw.Semesters.Rows), func(i int) int { return raw.Semesters.Rows[i].Line })},
		"rooms":      {raw.Rooms.File, raw.Rooms.Sheet, raw.Rooms.Found, raw.Rooms.Header, lines(len(raw.Rooms.Rows), func(i int) int { return raw.Rooms.Rows[i].Line })},
		"teachers":   {raw.Teachers.File, raw.Teachers.Sheet, raw.Teachers.Found, raw.Teachers.Header, lines(len(raw.Teachers.Rows), func(i int) int { return raw.Teachers.Rows[i].Line })},
		"courses":    {raw.Courses.File, raw.Courses.Sheet, raw.Courses.Found, raw.Courses.Header, lines(len(raw.Courses.Rows), func(i int) int { return raw.Courses.Rows[i].Line })},
		"studyplans": {raw.StudyPlans.File, raw.StudyPlans.Sheet, raw.StudyPlans.Found, raw.StudyPlans.Header, lines(len(raw.StudyPlans.Rows), func(i int) int { return raw.StudyPlans.Rows[i].Line })},
		"sessions":   {raw.Sessions.File, raw.Sessions.Sheet, raw.Sessions.Found, raw.Sessions.Header, lines(len(raw.Sessions.Rows), func(i int) int { return raw.Sessions.Rows[i].Line })},
		"bookings":   {raw.Bookings.File, raw.Bookings.Sheet, raw.Bookings.Found, raw.Bookings.Header, lines(len(raw.Bookings.Rows), func(i int) int { return raw.Bookings.Rows[i].Line })},
	}
	if len(raw.Warnings) != 0 {
		t.Errorf("Warnings: got %q, want none", raw.Warnings)
	}
	for _, spec := range source.Sheets {
		m := got[spec.Name]
		want := map[string]int{}
		for i, c := range spec.Columns {
			want[source.NormalizeHeader(c.Name)] = i + 1
		}
		if m.file != "sample/"+spec.Name+".csv" || m.sheet != spec.Name || !m.found {
			t.Errorf("%s: File %q, Sheet %q, Found %v", spec.Name, m.file, m.sheet, m.found)
		}
		if !reflect.DeepEqual(m.header, want) {
			t.Errorf("%s: Header %v, want %v", spec.Name, m.header, want)
		}
		if len(m.lines) > 0 {
			t.Errorf("%s: rows have Line set: %v", spec.Name, m.lines[:min(5, len(m.lines))])
		}
	}
}

// TestRealism checks the variety the brief of the sample asks for.
func TestRealism(t *testing.T) {
	raw := sample.Generate(1)
	count := func(n int, f func(int) bool) int {
		k := 0
		for i := range n {
			if f(i) {
				k++
			}
		}
		return k
	}
	rooms, sessions, bookings, plans := raw.Rooms.Rows, raw.Sessions.Rows, raw.Bookings.Rows, raw.StudyPlans.Rows
	nr, ns, nb, nc := len(rooms), len(sessions), len(bookings), len(raw.Courses.Rows)
	type want struct {
		what     string
		got      int
		min, max int
	}
	semesterOf := map[string]string{}
	for _, s := range raw.Semesters.Rows {
		semesterOf[s.Name] = s.Type
	}
	inFall, inSpring := map[string]bool{}, map[string]bool{}
	for _, p := range plans {
		for _, c := range strings.Split(p.Courses, ";") {
			if semesterOf[p.Semester] == "fall" {
				inFall[c] = true
			} else {
				inSpring[c] = true
			}
		}
	}
	courses := raw.Courses.Rows
	startsAt := func(suffix string) int {
		return count(ns, func(i int) bool { return strings.HasSuffix(sessions[i].Start, suffix) })
	}
	checks := []want{
		{"rooms not available", count(nr, func(i int) bool { return rooms[i].Available == "false" }), 3, 3},
		{"rooms marked available", count(nr, func(i int) bool { return rooms[i].Available == "true" }), 10, nr},
		{"rooms without capacity", count(nr, func(i int) bool { return rooms[i].Capacity == "" }), 3, nr / 5},
		{"rooms with a building", count(nr, func(i int) bool { return rooms[i].Building != "" }), 3, nr / 4},
		{"rooms on level 0", count(nr, func(i int) bool { return rooms[i].Level == "0" }), 10, nr},
		{"rooms below ground", count(nr, func(i int) bool { return strings.HasPrefix(rooms[i].Level, "-") }), 2, nr},
		{"rooms without level", count(nr, func(i int) bool { return rooms[i].Level == "" }), 3, nr / 4},
		{"rooms without coordinates", count(nr, func(i int) bool { return rooms[i].Latitude == "" }), 1, 10},
		{"rooms without link", count(nr, func(i int) bool { return rooms[i].Link == "" }), 3, nr / 4},
		{"rooms named with - or _", count(nr, func(i int) bool { return strings.ContainsAny(rooms[i].Name, "-_") }), 3, nr},
		{"unknown rooms", count(nr, func(i int) bool { return rooms[i].Type == "unknown" }), 3, nr / 10},
		{"teachers without URL", count(len(raw.Teachers.Rows), func(i int) bool { return raw.Teachers.Rows[i].PeopleURL == "" }), 2, 40},
		{"courses without credits", count(len(courses), func(i int) bool { return courses[i].Credits == "" }), 3, 80},
		{"courses in French", count(len(courses), func(i int) bool { return courses[i].Language == "French" }), 100, 500},
		{"courses without teacher", count(len(courses), func(i int) bool { return courses[i].Teachers == "" }), 3, nc / 10},
		{"courses with several teachers", count(len(courses), func(i int) bool { return strings.Contains(courses[i].Teachers, ";") }), nc / 10, nc / 2},
		{"courses in no plan", count(len(courses), func(i int) bool { return !inFall[courses[i].Code] && !inSpring[courses[i].Code] }), 10, nc / 3},
		{"courses in fall and spring plans", count(len(courses), func(i int) bool { return inFall[courses[i].Code] && inSpring[courses[i].Code] }), 10, 300},
		{"plans with an id", count(len(plans), func(i int) bool { return plans[i].ID != "" }), 5, 20},
		{"plans without promo", count(len(plans), func(i int) bool { return plans[i].Promo == "" }), 2, len(plans) / 2},
		{"sessions starting at :15", startsAt(":15"), ns * 8 / 10, ns},
		{"sessions starting at :00, :30 or :45", startsAt(":00") + startsAt(":30") + startsAt(":45"), 10, ns / 10},
		{"sessions in several rooms", count(ns, func(i int) bool { return strings.Contains(sessions[i].Rooms, ";") }), 50, ns / 2},
		{"sessions without room", count(ns, func(i int) bool { return sessions[i].Rooms == "" }), 10, ns / 10},
		{"sessions restricted to weeks", count(ns, func(i int) bool { return sessions[i].Weeks != "" }), 20, ns / 5},
		{"sessions on Monday", count(ns, func(i int) bool { return weekdayForm[sessions[i].Weekday] == 1 }), ns / 10, ns / 3},
		{"exams", count(nb, func(i int) bool { return bookings[i].Label == "exam" }), 100, nb},
		{"events", count(nb, func(i int) bool { return bookings[i].Name != "" }), 1800, 2200},
		{"events off the 15-minute grid", count(nb, func(i int) bool { return bookings[i].Name != "" && offGrid(bookings[i].Start, bookings[i].End) }), 100, nb / 10},
		{"events all day in 3 to 6 rooms", count(nb, func(i int) bool { return allDay(bookings[i].Start, bookings[i].End, bookings[i].Rooms) }), 10, 100},
		{"sessions all day in 3 to 6 rooms", count(ns, func(i int) bool { return allDay(sessions[i].Start, sessions[i].End, sessions[i].Rooms) }), 2, 10},
		{"dated course sessions other than exams", count(nb, func(i int) bool { return bookings[i].Course != "" && bookings[i].Label != "exam" }), 500, nb},
		{"events with a description", count(nb, func(i int) bool { return bookings[i].Description != "" }), 100, nb},
		{"bookings in several rooms", count(nb, func(i int) bool { return strings.Contains(bookings[i].Rooms, ";") }), 20, nb},
		{"bookings on the first Monday of 2027", count(nb, func(i int) bool { return bookings[i].Date == "2027-01-04" }), 3, 20},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: got %d, want %d to %d", c.what, c.got, c.min, c.max)
		}
	}
	variety := func(what string, values []string, want ...string) {
		for _, w := range want {
			if !slices.Contains(values, w) {
				t.Errorf("%s: no %q among the values", what, w)
			}
		}
	}
	var types, labels, days, names []string
	for _, r := range rooms {
		types = append(types, r.Type)
	}
	for _, s := range sessions {
		labels = append(labels, s.Label)
		days = append(days, s.Weekday)
	}
	for _, b := range bookings {
		names = append(names, b.Name)
	}
	variety("room types", types, "AUDITOIRE", "SALLE DE COURS", "SALLE INFORMATIQUE", "LABORATOIRE", "unknown")
	variety("session labels", labels, "cours", "exercice", "projet")
	variety("weekdays", days, "Monday", "Mon", "lundi", "Ma")
	variety("event names", names, "Evénements", "Réservation académique", "Réservation ponctuelle")
}

// offGrid reports whether a start or an end is off the quarter-hour grid.
func offGrid(start, end string) bool {
	s, _ := parseClock(start)
	e, _ := parseClock(end)
	return s%15 != 0 || e%15 != 0
}

// allDay reports whether a booking runs 08:00–18:00 in 3 to 6 rooms.
func allDay(start, end, rooms string) bool {
	n := len(strings.Split(rooms, ";"))
	return start == "08:00" && end == "18:00" && n >= 3 && n <= 6
}

// TestBackToBack checks that some rooms are booked back-to-back all day,
// every weekday of both semesters: on EPFL's hours (08:15–10:00,
// 10:15–12:00, … 17:15–19:00, a quarter-hour apart) or in two-hour blocks
// that touch (08:00–10:00, 10:00–12:00, … 18:00–20:00).
func TestBackToBack(t *testing.T) {
	raw := sample.Generate(1)
	type key struct {
		sem, room string
		day       time.Weekday
	}
	spans := map[key][][2]int{}
	for _, s := range raw.Sessions.Rows {
		if s.Weeks != "" {
			continue
		}
		start, _ := parseClock(s.Start)
		end, _ := parseClock(s.End)
		for _, r := range strings.Split(s.Rooms, ";") {
			k := key{s.Semester, r, weekdayForm[s.Weekday]}
			spans[k] = append(spans[k], [2]int{start, end})
		}
	}
	// fullDay reports whether the spans cover from to until with gaps of
	// at most gap minutes, and whether some of them touch.
	fullDay := func(spans [][2]int, from, until, gap int) (full, touch bool) {
		slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
		at := from
		for _, s := range spans {
			if s[0] > at+gap {
				return false, false
			}
			touch = touch || s[0] == at && at != from
			at = max(at, s[1])
		}
		return at >= until, touch
	}
	spaced, touching := map[string]int{}, map[string]int{}
	for k, s := range spans {
		if full, _ := fullDay(s, 495, 1140, 15); full {
			spaced[k.room]++
		}
		if full, touch := fullDay(s, 480, 1200, 0); full && touch {
			touching[k.room]++
		}
	}
	count := func(days map[string]int) (n int) {
		for _, d := range days {
			if d == 2*5 {
				n++
			}
		}
		return n
	}
	if n := count(spaced); n < 2 {
		t.Errorf("%d rooms booked on EPFL's hours from 08:15 to 19:00 every weekday, want at least 2", n)
	}
	if n := count(touching); n < 1 {
		t.Errorf("%d rooms booked in touching blocks from 08:00 to 20:00 every weekday, want at least 1", n)
	}
}

// TestFewDoubleBookings checks that weekly sessions seldom share a room in
// the same slot (legal, but unrealistic in bulk).
func TestFewDoubleBookings(t *testing.T) {
	raw := sample.Generate(1)
	type key struct {
		sem, room string
		day       int
	}
	used := map[key][][2]int{}
	shared := 0
	for _, s := range raw.Sessions.Rows {
		start, _ := parseClock(s.Start)
		end, _ := parseClock(s.End)
		clash := false
		for _, r := range strings.Split(s.Rooms, ";") {
			if r == "" {
				continue
			}
			k := key{s.Semester, r, int(weekdayForm[s.Weekday])}
			for _, iv := range used[k] {
				if start < iv[1] && iv[0] < end {
					clash = true
				}
			}
			used[k] = append(used[k], [2]int{start, end})
		}
		if clash {
			shared++
		}
	}
	t.Logf("%d of %d sessions share a room with an earlier one", shared, len(raw.Sessions.Rows))
	if shared > len(raw.Sessions.Rows)/50 {
		t.Errorf("%d of %d sessions share a room in the same slot, want at most 2%%", shared, len(raw.Sessions.Rows))
	}
}

func TestEmbeddedUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := sample.WriteCSV(dir, sample.Generate(1)); err != nil {
		t.Fatal(err)
	}
	const hint = "run `go generate ./source/sample`"
	var want []string
	for _, spec := range source.Sheets {
		name := spec.Name + ".csv"
		want = append(want, name)
		fresh, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := fs.ReadFile(sample.Files(), name)
		if err != nil {
			t.Errorf("embedded %s: %v; %s", name, err, hint)
			continue
		}
		if !bytes.Equal(fresh, embedded) {
			t.Errorf("embedded %s is out of date (%d bytes, Generate(1) gives %d); %s", name, len(embedded), len(fresh), hint)
		}
	}
	entries, err := fs.ReadDir(sample.Files(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	total := 0
	for _, e := range entries {
		got = append(got, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		total += int(info.Size())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("embedded files: got %q, want %q; %s", got, want, hint)
	}
	if total > 1200000 {
		t.Errorf("embedded files total %d bytes, want at most 1.2 MB", total)
	}
}

// TestFilesMatchGenerate reads the embedded files back with encoding/csv,
// independently of WriteCSV, and compares them with Generate(1).
func TestFilesMatchGenerate(t *testing.T) {
	raw := sample.Generate(1)
	want := map[string][][]string{}
	add := func(sheet string, row []string) { want[sheet] = append(want[sheet], row) }
	for _, r := range raw.Semesters.Rows {
		add("semesters", []string{r.Name, r.Type, r.StartDate, r.EndDate, r.SkipDates})
	}
	for _, r := range raw.Rooms.Rows {
		add("rooms", []string{r.Name, r.Type, r.Capacity, r.Building, r.Level, r.Latitude, r.Longitude, r.Link, r.Available})
	}
	for _, r := range raw.Teachers.Rows {
		add("teachers", []string{r.Name, r.PeopleURL})
	}
	for _, r := range raw.Courses.Rows {
		add("courses", []string{r.Code, r.Name, r.Credits, r.Language, r.EduURL, r.Teachers})
	}
	for _, r := range raw.StudyPlans.Rows {
		add("studyplans", []string{r.UnitCode, r.UnitName, r.Section, r.Promo, r.Semester, r.Courses, r.ID})
	}
	for _, r := range raw.Sessions.Rows {
		add("sessions", []string{r.Course, r.Label, r.Weekday, r.Start, r.End, r.Rooms, r.Semester, r.Weeks})
	}
	for _, r := range raw.Bookings.Rows {
		add("bookings", []string{r.Date, r.Start, r.End, r.Rooms, r.Course, r.Label, r.Name, r.Description})
	}
	for _, spec := range source.Sheets {
		data, err := fs.ReadFile(sample.Files(), spec.Name+".csv")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("\r")) || !bytes.HasSuffix(data, []byte("\n")) {
			t.Errorf("%s: want LF line ends and a final newline", spec.Name)
		}
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		var header []string
		for _, c := range spec.Columns {
			header = append(header, c.Name)
		}
		if !slices.Equal(recs[0], header) {
			t.Errorf("%s: header %q, want %q", spec.Name, recs[0], header)
		}
		if !reflect.DeepEqual(recs[1:], want[spec.Name]) {
			t.Errorf("%s: the embedded records differ from Generate(1)", spec.Name)
		}
	}
}

func TestWriteCSVMissingDir(t *testing.T) {
	err := sample.WriteCSV(filepath.Join(t.TempDir(), "missing"), sample.Generate(1))
	if err == nil {
		t.Error("WriteCSV into a missing folder: no error")
	}
}

func TestWriteCSVSkipsAbsentSheets(t *testing.T) {
	raw := sample.Generate(1)
	raw.Bookings = source.Table[source.BookingRow]{}
	dir := t.TempDir()
	if err := sample.WriteCSV(dir, raw); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"courses.csv", "rooms.csv", "semesters.csv", "sessions.csv", "studyplans.csv", "teachers.csv"}
	if !slices.Equal(names, want) {
		t.Errorf("files written: %q, want %q (no temporary files, no bookings)", names, want)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, scale := range []int{1, 10} {
		b.Run(fmt.Sprint("scale=", scale), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sample.Generate(scale)
			}
		})
	}
}

func ExampleFiles() {
	entries, _ := fs.ReadDir(sample.Files(), ".")
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// bookings.csv
	// courses.csv
	// rooms.csv
	// semesters.csv
	// sessions.csv
	// studyplans.csv
	// teachers.csv
}

func ExampleGenerate() {
	raw := sample.Generate(1)
	for _, s := range raw.Semesters.Rows {
		fmt.Println(s.Name, s.Type, s.StartDate, s.EndDate)
	}
	fmt.Println(raw.Rooms.Rows[0].Name, raw.Rooms.File, raw.Rooms.Header["name"])
	// Output:
	// Semestre d'automne 2026-2027 fall 2026-09-07 2026-12-18
	// Semestre de printemps 2027 spring 2027-02-15 2027-05-28
	// CO1 sample/rooms.csv 1
}

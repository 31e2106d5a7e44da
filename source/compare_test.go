package source_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/sample"
)

const (
	cmpFall   = "Semestre d'automne 2026-2027"
	cmpSpring = "Semestre de printemps 2027"
)

// comparePair is a small release and its next version, with a change of
// every kind.
func comparePair() (old, new *source.Release) {
	old = &source.Release{
		Semesters: []source.Semester{
			{Name: cmpFall, Type: source.Fall, Start: recDate("2026-09-07"), End: recDate("2026-12-18"), Row: 2},
			{Name: cmpSpring, Type: source.Spring, Start: recDate("2027-02-15"), End: recDate("2027-05-28"), Row: 3},
		},
		Rooms: []source.Room{
			{Name: "CO1", Type: "AUDITOIRE", Capacity: recInt(120), Building: "CO", Level: recInt(0), Available: true},
			{Name: "CO2", Type: "AUDITOIRE", Capacity: recInt(250), Building: "CO", Available: true},
			{Name: "BC01", Type: "SALLE DE COURS", Building: "BC", Available: true},
			{Name: "GONE", Type: "SALLE DE COURS", Available: true},
			{Name: "OLD1", Type: "SALLE DE COURS"},
		},
		Teachers: []source.Teacher{{Name: "Jane Doe", PeopleURL: "https://people.epfl.ch/jane"}, {Name: "Jean Dupont"}},
		Courses: []source.Course{
			{Code: "CS-101", Name: "Programming", Credits: recFloat(4), Teachers: []string{"Jane Doe"}},
			{Code: "CS-999", Name: "Gone", Teachers: []string{"Jean Dupont"}},
			{Code: "MATH-101", Name: "Analysis I", Credits: recFloat(6)},
		},
		StudyPlans: []source.StudyPlan{
			{ID: "6b090e389c963b7fee731dbe", UnitCode: "IN-BA5", UnitName: "Informatique BA5", Semester: cmpFall, Courses: []string{"CS-101", "CS-999"}},
			{ID: source.StudyPlanID("IN-BA6", cmpSpring), UnitCode: "IN-BA6", UnitName: "Informatique BA6", Semester: cmpSpring, Courses: []string{"CS-101"}},
		},
		Sessions: []source.Session{
			{Course: "CS-101", Label: "cours", Weekday: time.Monday, Start: 495, End: 600, Rooms: []string{"CO1"}, Semester: cmpFall, Row: 2},
			{Course: "CS-101", Label: "exercice", Weekday: time.Tuesday, Start: 615, End: 720, Rooms: []string{"CO2"}, Semester: cmpFall, Row: 3},
			{Course: "MATH-101", Label: "cours", Weekday: time.Friday, Start: 855, End: 960, Rooms: []string{"CO1"}, Semester: cmpFall, Row: 4},
			{Course: "MATH-101", Label: "cours", Weekday: time.Friday, Start: 855, End: 960, Rooms: []string{"CO1"}, Semester: cmpFall, Row: 5},
			{Course: "CS-999", Label: "cours", Weekday: time.Thursday, Start: 495, End: 600, Rooms: []string{"CO1", "BC01"}, Semester: cmpFall, Row: 6},
			{Course: "CS-101", Label: "cours", Weekday: time.Monday, Start: 495, End: 600, Rooms: []string{"CO1"}, Semester: cmpSpring, Weeks: []source.WeekRange{{1, 7}}, Row: 7},
			{Course: "MATH-101", Label: "exercice", Weekday: time.Wednesday, Start: 480, End: 600, Rooms: []string{"CO2", "CO1"}, Semester: cmpSpring, Weeks: []source.WeekRange{{1, 2}, {3, 3}, {5, 6}}, Row: 8},
		},
		Bookings: []source.Booking{
			{Date: recDate("2026-12-21"), Start: 540, End: 720, Rooms: []string{"CO1"}, Course: "MATH-101", Label: "exam", Row: 2},
			{Date: recDate("2026-10-05"), Start: 1080, End: 1200, Rooms: []string{"CO2"}, Label: "event", Name: "Evénements", Description: "Forum", Row: 3},
			{Date: recDate("2026-11-02"), Start: 720, End: 780, Rooms: []string{"BC01"}, Label: "event", Name: "Conseil", Row: 4},
		},
	}
	new = &source.Release{
		Semesters: []source.Semester{
			{Name: cmpFall, Type: source.Fall, Start: recDate("2026-09-07"), End: recDate("2026-12-19"), Row: 2},
			{Name: cmpSpring, Type: source.Spring, Start: recDate("2027-02-15"), End: recDate("2027-05-28"), Row: 4},
		},
		Rooms: []source.Room{
			{Name: "CO1", Type: "AUDITOIRE", Capacity: recInt(150), Building: "CO", Level: recInt(1), Available: true},
			{Name: "CO2", Type: "AUDITOIRE", Capacity: recInt(250), Building: "CO", Available: true},
			{Name: "BC01", Type: "SALLE DE COURS", Building: "BC"},
			{Name: "OLD1", Type: "SALLE DE COURS", Available: true},
			{Name: "NEW1", Type: "SALLE DE COURS", Available: true},
		},
		Teachers: []source.Teacher{{Name: "Jane Doe", PeopleURL: "https://people.epfl.ch/jane.doe"}, {Name: "Jean Dupont"}, {Name: "Ann Lee"}},
		Courses: []source.Course{
			{Code: "CS-101", Name: "Programming", Credits: recFloat(4), Teachers: []string{"Jane Doe", "Ann Lee"}},
			{Code: "MATH-101", Name: "Analysis I", Credits: recFloat(6)},
		},
		StudyPlans: []source.StudyPlan{
			{ID: "6b090e389c963b7fee731dbe", UnitCode: "IN-BA5", UnitName: "Informatique BA5", Semester: cmpFall, Courses: []string{"CS-101", "MATH-101"}},
			{ID: source.StudyPlanID("IN-BA6", cmpSpring), UnitCode: "IN-BA6", UnitName: "Informatique BA6", Semester: cmpSpring, Courses: []string{"CS-101"}},
		},
		Sessions: []source.Session{
			{Course: "MATH-101", Label: "exercice", Weekday: time.Wednesday, Start: 480, End: 600, Rooms: []string{"CO1", "CO2"}, Semester: cmpSpring, Weeks: []source.WeekRange{{5, 6}, {1, 3}}, Row: 2},
			{Course: "CS-101", Label: "cours", Weekday: time.Monday, Start: 495, End: 600, Rooms: []string{"CO2"}, Semester: cmpFall, Row: 3},
			{Course: "CS-101", Label: "exercice", Weekday: time.Wednesday, Start: 795, End: 900, Rooms: []string{"CO2"}, Semester: cmpFall, Row: 4},
			{Course: "MATH-101", Label: "cours", Weekday: time.Friday, Start: 855, End: 960, Rooms: []string{"CO1"}, Semester: cmpFall, Row: 5},
			{Course: "CS-101", Label: "cours", Weekday: time.Monday, Start: 495, End: 600, Rooms: []string{"CO1"}, Semester: cmpSpring, Weeks: []source.WeekRange{{1, 14}}, Row: 6},
			{Course: "MATH-101", Label: "tp", Weekday: time.Thursday, Start: 1035, End: 1140, Semester: cmpSpring, Row: 7},
		},
		Bookings: []source.Booking{
			{Date: recDate("2026-10-05"), Start: 1080, End: 1200, Rooms: []string{"CO2"}, Label: "event", Name: "Evénements", Description: "Forum", Row: 2},
			{Date: recDate("2026-12-22"), Start: 540, End: 720, Rooms: []string{"CO1"}, Course: "MATH-101", Label: "exam", Row: 3},
			{Date: recDate("2027-01-15"), Start: 1020, End: 1080, Rooms: []string{"CO2"}, Label: "event", Name: "Réservation académique", Description: "Soutenance de thèse", Row: 4},
		},
	}
	return old, new
}

func TestCompareEveryKind(t *testing.T) {
	old, new := comparePair()
	c := source.Compare(old, new)
	want := `semesters  2 → 2: 1 changed
    changed: Semestre d'automne 2026-2027: end_date 2026-12-18 → 2026-12-19
rooms      4 → 4: +2 added, -2 removed, 1 changed
    added: NEW1
    added: OLD1 (no longer hidden)
    removed: BC01 (hidden)
    removed: GONE
    changed: CO1: capacity 120 → 150; level 0 → 1
teachers   2 → 3: +1 added, 1 changed
    added: Ann Lee
    changed: Jane Doe: people_url "https://people.epfl.ch/jane" → "https://people.epfl.ch/jane.doe"
courses    3 → 2: -1 removed, 1 changed
    removed: CS-999
    changed: CS-101: teachers +Ann Lee
studyplans 2 → 2: 1 changed
    changed: IN-BA5 Semestre d'automne 2026-2027 (id 6b090e389c963b7fee731dbe): courses +MATH-101, -CS-999
sessions   7 → 6: +1 added, -2 removed, 3 moved
    added: MATH-101 tp Thursday 17:15–19:00, no room (Semestre de printemps 2027)
    removed: CS-999 cours Thursday 08:15–10:00 in BC01+CO1 (Semestre d'automne 2026-2027)
    removed: MATH-101 cours Friday 14:15–16:00 in CO1 (Semestre d'automne 2026-2027)
    moved: CS-101 cours Monday 08:15–10:00 (Semestre d'automne 2026-2027): CO1 → CO2
    moved: CS-101 cours Monday 08:15–10:00 (Semestre de printemps 2027): weeks 1-7 → weeks 1-14
    moved: CS-101 exercice Tuesday 10:15–12:00 (Semestre d'automne 2026-2027): Tuesday 10:15–12:00 → Wednesday 13:15–15:00
bookings   3 → 3: +1 added, -1 removed, 1 moved
    added: Réservation académique "Soutenance de thèse" 2027-01-15 17:00–18:00 in CO2
    removed: Conseil 2026-11-02 12:00–13:00 in BC01
    moved: MATH-101 exam 2026-12-21 09:00–12:00: 2026-12-21 → 2026-12-22`
	if got := c.Summary(10); got != want {
		t.Errorf("Summary:\n%s\nwant:\n%s", got, want)
	}
	if got := c.Summary(1); !strings.Contains(got, "    added: NEW1\n    … and 1 more\n    removed: BC01 (hidden)\n    … and 1 more\n    changed: CO1") {
		t.Errorf("Summary(1):\n%s", got)
	}
	if got, want := c.Summary(0), "semesters  2 → 2: 1 changed\nrooms      4 → 4: +2 added"; !strings.HasPrefix(got, want) || strings.Contains(got, "\n    ") {
		t.Errorf("Summary(0):\n%s", got)
	}
	moves := c.Kind("sessions").Moved
	if len(moves) != 3 || moves[0].Old != 0 || moves[0].New != 1 || moves[1].Old != 5 || moves[1].New != 4 || moves[2].Old != 1 || moves[2].New != 2 {
		t.Errorf("session moves %+v", moves)
	}
	if m := c.Kind("bookings").Moved; len(m) != 1 || m[0].Old != 0 || m[0].New != 1 {
		t.Errorf("booking moves %+v", m)
	}
	if got := c.Summary(10); got != source.Compare(old, new).Summary(10) {
		t.Error("Summary is not deterministic")
	}
	if c.Unchanged() || c.First || c.Kind("nothing") != nil {
		t.Error("Unchanged, First or Kind is wrong")
	}
	if got := c.Losses(0.2, 1); !reflect.DeepEqual(got, []source.Loss{
		{Kind: "rooms", Before: 4, Removed: 2, After: 4},
		{Kind: "courses", Before: 3, Removed: 1, After: 2},
		{Kind: "sessions", Before: 7, Removed: 2, After: 6},
	}) {
		t.Errorf("Losses(0.2, 1) = %v", got)
	}

	// Back again: every change reversed.
	back := source.Compare(new, old)
	for i, k := range back.Kinds {
		f := c.Kinds[i]
		if k.Before != f.After || k.After != f.Before || len(k.Added) != len(f.Removed) || len(k.Removed) != len(f.Added) ||
			len(k.Changed) != len(f.Changed) || len(k.Moved) != len(f.Moved) {
			t.Errorf("%s backwards: %+v, forwards %+v", k.Kind, k, f)
		}
	}
}

// A session pairs with one that keeps its time before one that keeps its
// rooms, and with one that keeps its rooms before one later in the sheet.
func TestCompareMovePreferences(t *testing.T) {
	s := func(wd time.Weekday, start source.Clock, room string, weeks ...source.WeekRange) source.Session {
		return source.Session{Course: "C", Label: "cours", Semester: "S", Weekday: wd, Start: start, End: start + 105, Rooms: []string{room}, Weeks: weeks}
	}
	for _, tc := range []struct {
		name     string
		old, new []source.Session
		want     []string // From → To, sorted as Moved is
	}{
		{"room change before order",
			[]source.Session{s(time.Monday, 495, "A"), s(time.Tuesday, 615, "B")},
			[]source.Session{s(time.Tuesday, 615, "C"), s(time.Monday, 495, "D")},
			[]string{"A → D", "B → C"}},
		{"same time and rooms first",
			[]source.Session{s(time.Monday, 495, "A", source.WeekRange{1, 3}), s(time.Monday, 495, "B")},
			[]source.Session{s(time.Monday, 495, "B", source.WeekRange{2, 2}), s(time.Monday, 495, "A", source.WeekRange{1, 4})},
			[]string{"weeks 1-3 → weeks 1-4", "every week → weeks 2"}},
		{"time change before order",
			[]source.Session{s(time.Monday, 495, "A"), s(time.Tuesday, 615, "B")},
			[]source.Session{s(time.Friday, 855, "B"), s(time.Thursday, 495, "A")},
			[]string{"Monday 08:15–10:00 → Thursday 08:15–10:00", "Tuesday 10:15–12:00 → Friday 14:15–16:00"}},
		{"rest in order",
			[]source.Session{s(time.Monday, 495, "A"), s(time.Tuesday, 615, "B")},
			[]source.Session{s(time.Friday, 855, "C"), s(time.Thursday, 495, "D")},
			[]string{"Monday 08:15–10:00, A → Friday 14:15–16:00, C", "Tuesday 10:15–12:00, B → Thursday 08:15–10:00, D"}},
		{"other course is no move",
			[]source.Session{s(time.Monday, 495, "A")},
			[]source.Session{{Course: "D", Label: "cours", Semester: "S", Weekday: time.Monday, Start: 495, End: 600, Rooms: []string{"B"}}},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := source.Compare(&source.Release{Sessions: tc.old}, &source.Release{Sessions: tc.new}).Kind("sessions")
			var got []string
			for _, m := range k.Moved {
				got = append(got, m.From+" → "+m.To)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("moves %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCompareBookingPreferences(t *testing.T) {
	b := func(date string, start source.Clock, room string) source.Booking {
		return source.Booking{Date: recDate(date), Start: start, End: start + 60, Rooms: []string{room}, Label: "event", Name: "Conseil"}
	}
	old := []source.Booking{b("2026-10-01", 600, "A"), b("2026-10-08", 600, "A"), b("2026-10-15", 600, "A")}
	new := []source.Booking{b("2026-10-22", 600, "A"), b("2026-10-15", 660, "A"), b("2026-10-08", 600, "B")}
	k := source.Compare(&source.Release{Bookings: old}, &source.Release{Bookings: new}).Kind("bookings")
	var got []string
	for _, m := range k.Moved {
		got = append(got, fmt.Sprintf("%d→%d %s → %s", m.Old, m.New, m.From, m.To))
	}
	want := []string{"0→0 2026-10-01 → 2026-10-22", "1→2 A → B", "2→1 10:00–11:00 → 11:00–12:00"}
	if !slices.Equal(got, want) || len(k.Added)+len(k.Removed) > 0 {
		t.Errorf("moves %q, want %q; %+v", got, want, k)
	}
}

func TestCompareNil(t *testing.T) {
	rel, err := sample.Release()
	if err != nil {
		t.Fatal(err)
	}
	c := source.Compare(nil, rel)
	if !c.First || len(c.Kinds) != 7 {
		t.Fatalf("First %v, %d kinds", c.First, len(c.Kinds))
	}
	for _, k := range c.Kinds {
		if k.Before != 0 || len(k.Added) != k.After || k.After == 0 || len(k.Removed)+len(k.Changed)+len(k.Moved) > 0 {
			t.Errorf("%s: before %d, after %d, %d added, %d removed, %d changed, %d moved",
				k.Kind, k.Before, k.After, len(k.Added), len(k.Removed), len(k.Changed), len(k.Moved))
		}
	}
	if rooms := c.Kind("rooms"); rooms.After >= len(rel.Rooms) {
		t.Errorf("%d rooms published of %d: unavailable rooms count", rooms.After, len(rel.Rooms))
	}
	summary := c.Summary(2)
	if !strings.HasPrefix(summary, "no published release to compare with: everything is new\nsemesters  0 → 2: +2 added\n") {
		t.Errorf("Summary:\n%s", summary)
	}
	if l := c.Losses(0, 0); l != nil {
		t.Errorf("Losses of a first build: %v", l)
	}

	same := source.Compare(rel, withoutRows(rel))
	if !same.Unchanged() || same.Summary(5) != "no change: the release is the same as the published one" {
		t.Errorf("a release differs from itself:\n%s", same.Summary(5))
	}

	gone := source.Compare(rel, nil)
	if gone.First || len(gone.Losses(1, 1<<30)) != 7 {
		t.Errorf("emptying every sheet: %v", gone.Losses(1, 1<<30))
	}
	if empty := source.Compare(nil, nil); !empty.Unchanged() || empty.Summary(1) != "no published release to compare with: everything is new" {
		t.Errorf("Compare(nil, nil):\n%s", empty.Summary(1))
	}
}

func TestLosses(t *testing.T) {
	changes := func(kind string, before, removed, added, moved int) *source.Changes {
		k := source.KindChanges{Kind: kind, Before: before, After: before - removed + added,
			Removed: make([]string, removed), Added: make([]string, added), Moved: make([]source.Move, moved)}
		return &source.Changes{Kinds: []source.KindChanges{{Kind: "semesters", Before: 2, After: 2}, k}}
	}
	for _, tc := range []struct {
		name     string
		c        *source.Changes
		share    float64
		minCount int
		want     []source.Loss
	}{
		{"at the share", changes("sessions", 100, 50, 0, 0), 0.5, 1, nil},
		{"over the share", changes("sessions", 100, 51, 0, 0), 0.5, 1, []source.Loss{{"sessions", 100, 51, 49}}},
		{"over the share, added back", changes("courses", 100, 51, 60, 0), 0.5, 1, []source.Loss{{"courses", 100, 51, 109}}},
		{"under minCount", changes("rooms", 4, 3, 0, 0), 0.5, 5, nil},
		{"at minCount", changes("studyplans", 4, 3, 0, 0), 0.5, 3, []source.Loss{{"studyplans", 4, 3, 1}}},
		{"teachers are not counted", changes("teachers", 10, 9, 0, 0), 0.1, 1, nil},
		{"bookings are not counted", changes("bookings", 10, 9, 0, 0), 0.1, 1, nil},
		{"nothing removed", changes("sessions", 10, 0, 0, 0), -1, 0, nil},
		{"moves are not removals", changes("sessions", 10, 0, 0, 10), 0, 1, nil},
		{"emptied", changes("teachers", 3, 3, 0, 0), 1, 100, []source.Loss{{"teachers", 3, 3, 0}}},
		{"emptied sessions", changes("sessions", 1, 1, 0, 0), 1, 100, []source.Loss{{"sessions", 1, 1, 0}}},
		{"empty before and after", changes("bookings", 0, 0, 0, 0), 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Losses(tc.share, tc.minCount); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Losses(%v, %d) = %v, want %v", tc.share, tc.minCount, got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		loss source.Loss
		want string
	}{
		{source.Loss{"sessions", 1300, 1290, 10}, "sessions: 1,290 of 1,300 removed (99%)"},
		{source.Loss{"sessions", 1300, 1299, 1}, "sessions: 1,299 of 1,300 removed (99%)"},
		{source.Loss{"rooms", 1000, 1000, 3}, "rooms: 1,000 of 1,000 removed (100%)"},
		{source.Loss{"courses", 1234567, 1000, 1233567}, "courses: 1,000 of 1,234,567 removed (under 1%)"},
		{source.Loss{"sessions", 1300, 1300, 0}, "sessions: emptied (1,300 before, none after)"},
		{source.Loss{"teachers", 3, 3, 0}, "teachers: emptied (3 before, none after)"},
	} {
		name := fmt.Sprintf("String %s %d before %d removed %d after", tc.loss.Kind, tc.loss.Before, tc.loss.Removed, tc.loss.After)
		t.Run(name, func(t *testing.T) {
			if got := tc.loss.String(); got != tc.want {
				t.Errorf("%+v: %q, want %q", tc.loss, got, tc.want)
			}
		})
	}

	// Every session moved: nothing lost.
	old, _ := comparePair()
	moved := withoutRows(old)
	for i := range moved.Sessions {
		moved.Sessions[i].Rooms = []string{"ELSEWHERE"}
	}
	c := source.Compare(old, moved)
	if k := c.Kind("sessions"); len(k.Moved) != len(old.Sessions) || c.Losses(0, 0) != nil {
		t.Errorf("%d of %d sessions moved; losses %v", len(k.Moved), len(old.Sessions), c.Losses(0, 0))
	}
}

// TestCompareProperty checks Compare against plain multiset arithmetic on
// random pairs of releases drawn from a small pool, so that equal items,
// repeats and moves are common: the old items less the removed and moved
// ones are the new ones less the added and moved ones; applying the
// listed changes to the old items gives the new ones; nothing is removed
// and added again; and a group keeps no removed item while it has an
// added one.
func TestCompareProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var seen [2]struct{ same, added, removed, moved int }
	for iter := range 1000 {
		// Sessions.
		var pool []source.Session
		rooms := [][]string{nil, {"R1"}, {"R2"}, {"R1", "R2"}, {"R2", "R1"}, {"R1", "R1"}}
		weeks := [][]source.WeekRange{nil, {{1, 7}}, {{1, 3}, {4, 7}}, {{4, 7}, {1, 3}}, {{2, 2}}}
		for range 1 + rng.IntN(8) {
			start := source.Clock(480 + 120*rng.IntN(2))
			pool = append(pool, source.Session{
				Course: []string{"A", "A", "A", "B"}[rng.IntN(4)], Label: []string{"cours", "cours", "cours", "tp"}[rng.IntN(4)],
				Semester: []string{"S", "S", "S", "T"}[rng.IntN(4)], Weekday: time.Weekday(1 + rng.IntN(2)),
				Start: start, End: start + source.Clock(60+45*rng.IntN(2)),
				Rooms: rooms[rng.IntN(len(rooms))], Weeks: weeks[rng.IntN(len(weeks))],
			})
		}
		oldS := drawFrom(rng, pool)
		newS := nextFrom(rng, oldS, pool)
		k := source.Compare(&source.Release{Sessions: oldS}, &source.Release{Sessions: newS}).Kind("sessions")
		checkMatching(t, iter, k, pool, oldS, newS, sessionIdentity, func(s *source.Session) string {
			return s.Course + "|" + s.Label + "|" + s.Semester
		}, func(p []source.Session) *source.Release { return &source.Release{Sessions: p} })

		// Bookings.
		var bpool []source.Booking
		for range 1 + rng.IntN(8) {
			b := source.Booking{
				Date:  recDate("2026-10-01").AddDate(0, 0, rng.IntN(2)),
				Start: source.Clock(600 + 60*rng.IntN(2)), End: 780,
				Rooms: rooms[1+rng.IntN(len(rooms)-1)], Label: "event", Name: []string{"Conseil", "Conseil", "Conseil", "Forum"}[rng.IntN(4)],
				Description: []string{"", "x"}[rng.IntN(2)],
			}
			if rng.IntN(2) == 0 {
				b.Course, b.Label, b.Name = "A", []string{"exam", "exam", "exam", "cours"}[rng.IntN(4)], ""
			}
			bpool = append(bpool, b)
		}
		oldB := drawFrom(rng, bpool)
		newB := nextFrom(rng, oldB, bpool)
		kb := source.Compare(&source.Release{Bookings: oldB}, &source.Release{Bookings: newB}).Kind("bookings")
		checkMatching(t, iter, kb, bpool, oldB, newB, bookingIdentity, func(b *source.Booking) string {
			if b.Course != "" {
				return "course|" + b.Course + "|" + b.Label
			}
			return "event|" + b.Name
		}, func(p []source.Booking) *source.Release { return &source.Release{Bookings: p} })
		if t.Failed() {
			return
		}
		for i, k := range []*source.KindChanges{k, kb} {
			seen[i].added += len(k.Added)
			seen[i].removed += len(k.Removed)
			seen[i].moved += len(k.Moved)
			seen[i].same += k.Before - len(k.Removed) - len(k.Moved)
		}
	}
	for i, s := range seen {
		if min(s.same, s.added, s.removed, s.moved) < 200 {
			t.Errorf("kind %d: too few of some outcome to test much: %+v", i, s)
		}
	}
	t.Logf("sessions %+v, bookings %+v", seen[0], seen[1])
}

// drawFrom returns up to 10 items of pool, repeats likely.
func drawFrom[T any](rng *rand.Rand, pool []T) []T {
	var out []T
	for range rng.IntN(11) {
		out = append(out, pool[rng.IntN(len(pool))])
	}
	return out
}

// nextFrom returns a next version of items: either new items drawn from
// pool, or items with some replaced by items of pool, some dropped, some
// added, in another order.
func nextFrom[T any](rng *rand.Rand, items, pool []T) []T {
	if rng.IntN(3) == 0 {
		return drawFrom(rng, pool)
	}
	var out []T
	for _, it := range items {
		switch rng.IntN(6) {
		case 0, 1:
			out = append(out, pool[rng.IntN(len(pool))])
		case 2:
		default:
			out = append(out, it)
		}
	}
	for range rng.IntN(3) {
		out = append(out, pool[rng.IntN(len(pool))])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sessionIdentity spells what makes a session, plainly: rooms as a set
// and weeks as the set of week numbers.
func sessionIdentity(s *source.Session) string {
	roomSet := map[string]bool{}
	for _, r := range s.Rooms {
		roomSet[r] = true
	}
	weekSet := map[int]bool{}
	for _, w := range s.Weeks {
		for n := w.From; n <= w.To; n++ {
			weekSet[n] = true
		}
	}
	return fmt.Sprint(s.Course, s.Label, s.Semester, s.Weekday, s.Start, s.End, roomSet, weekSet)
}

func bookingIdentity(b *source.Booking) string {
	roomSet := map[string]bool{}
	for _, r := range b.Rooms {
		roomSet[r] = true
	}
	return fmt.Sprint(b.Date.Format(time.DateOnly), b.Start, b.End, roomSet, b.Course, b.Label, b.Name, b.Description)
}

func checkMatching[T any](t *testing.T, iter int, k *source.KindChanges, pool, old, new []T,
	identity, group func(*T) string, release func([]T) *source.Release) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("iteration %d, %s: %s\nold %+v\nnew %+v\nchanges %+v", iter, k.Kind, fmt.Sprintf(format, args...), old, new, k)
	}
	// How Compare names each item, and the identity behind the name.
	named := map[string]string{}
	for i := range pool {
		one := source.Compare(nil, release(pool[i:i+1])).Kind(k.Kind).Added[0]
		if id, seen := named[one]; seen && id != identity(&pool[i]) {
			fail("%q names two items: %s and %s", one, id, identity(&pool[i]))
		}
		named[one] = identity(&pool[i])
	}
	count := func(items []T) map[string]int {
		m := map[string]int{}
		for i := range items {
			m[identity(&items[i])]++
		}
		return m
	}
	oldCount, newCount := count(old), count(new)
	if k.Before != len(old) || k.After != len(new) || len(k.Changed) > 0 {
		fail("counts %d → %d, %d changed", k.Before, k.After, len(k.Changed))
	}
	same := len(old) - len(k.Removed) - len(k.Moved)
	if same < 0 || same != len(new)-len(k.Added)-len(k.Moved) {
		fail("old less removed and moved is %d, new less added and moved %d", same, len(new)-len(k.Added)-len(k.Moved))
	}

	// Apply the changes to the old items.
	got := count(old)
	take := func(id, why string) {
		if got[id]--; got[id] < 0 {
			fail("%s %s, which is not there", why, id)
		}
	}
	for _, r := range k.Removed {
		take(named[r], "removes")
	}
	usedOld, usedNew := map[int]bool{}, map[int]bool{}
	movesIn := map[string]int{}
	for _, m := range k.Moved {
		if m.Old < 0 || m.Old >= len(old) || m.New < 0 || m.New >= len(new) || usedOld[m.Old] || usedNew[m.New] {
			fail("move %+v out of range or repeated", m)
			return
		}
		usedOld[m.Old], usedNew[m.New] = true, true
		o, n := &old[m.Old], &new[m.New]
		if group(o) != group(n) || identity(o) == identity(n) || m.What == "" || m.From == "" || m.To == "" || m.From == m.To {
			fail("move %+v pairs %+v with %+v", m, *o, *n)
		}
		take(identity(o), "moves")
		got[identity(n)]++
		movesIn[group(o)]++
	}
	for _, a := range k.Added {
		got[named[a]]++
	}
	for id, n := range got {
		if n != newCount[id] {
			fail("applying the changes gives %d of %s, the new release has %d", n, id, newCount[id])
		}
	}

	// Plain multiset differences: what only one side has, by group.
	onlyOld, onlyNew := map[string]int{}, map[string]int{}
	inOld := count(old)
	diff := 0
	for i := range old {
		id := identity(&old[i])
		if oldCount[id] > newCount[id] {
			onlyOld[group(&old[i])]++
			oldCount[id]--
			diff++
		}
	}
	for i := range new {
		id := identity(&new[i])
		if newCount[id] > inOld[id] {
			onlyNew[group(&new[i])]++
			newCount[id]--
		}
	}
	if diff != len(k.Removed)+len(k.Moved) {
		fail("%d items only in the old release, %d removed and moved", diff, len(k.Removed)+len(k.Moved))
	}
	for g, n := range onlyOld {
		if want := min(n, onlyNew[g]); movesIn[g] != want {
			fail("group %s: %d moves, want %d", g, movesIn[g], want)
		}
	}
}

// movedSample returns a copy of rel with one weekly session in twenty
// moved: to another room, or an hour later.
func movedSample(rel *source.Release) *source.Release {
	out := withoutRows(rel)
	for i := 0; i < len(out.Sessions); i += 20 {
		s := &out.Sessions[i]
		if i%40 == 0 || s.End > 23*60 {
			s.Rooms = []string{rel.Rooms[i%len(rel.Rooms)].Name}
		} else {
			s.Start, s.End = s.Start+60, s.End+60
		}
	}
	return out
}

func TestCompareSampleMoved(t *testing.T) {
	rel, err := sample.Release()
	if err != nil {
		t.Fatal(err)
	}
	c := source.Compare(rel, movedSample(rel))
	k := c.Kind("sessions")
	if n := (len(rel.Sessions) + 19) / 20; len(k.Moved) > n || len(k.Moved) < n*9/10 || len(k.Added) != len(k.Removed) || len(k.Added) > n/10 {
		t.Errorf("%d sessions moved, %d added, %d removed; want about %d moved", len(k.Moved), len(k.Added), len(k.Removed), n)
	}
	if c.Losses(0.01, 1) != nil {
		t.Errorf("losses: %v", c.Losses(0.01, 1))
	}
	t.Log(c.Summary(3))
}

func BenchmarkCompare(b *testing.B) {
	rel, err := sample.Release()
	if err != nil {
		b.Fatal(err)
	}
	moved := movedSample(rel)
	b.ReportAllocs()
	for b.Loop() {
		source.Compare(rel, moved)
	}
}

// mixRelease returns old with the sheets whose bit is set in mask taken
// from new, in sheet order: bit 0 semesters … bit 6 bookings.
func mixRelease(old, new *source.Release, mask int) *source.Release {
	mix := *old
	take := []func(){
		func() { mix.Semesters = new.Semesters },
		func() { mix.Rooms = new.Rooms },
		func() { mix.Teachers = new.Teachers },
		func() { mix.Courses = new.Courses },
		func() { mix.StudyPlans = new.StudyPlans },
		func() { mix.Sessions = new.Sessions },
		func() { mix.Bookings = new.Bookings },
	}
	for k, f := range take {
		if mask&(1<<k) != 0 {
			f()
		}
	}
	return &mix
}

// compareDecoded is CompareRecord's plain reference: decode the whole old
// record, then compare.
func compareDecoded(oldRecord []byte, new *source.Release) (*source.Changes, error) {
	old, err := source.UnmarshalRelease(oldRecord)
	if err != nil {
		return nil, err
	}
	return source.Compare(old, new), nil
}

// checkCompareRecord checks that CompareRecord gives what decoding the
// whole old record and comparing gives, error or changes.
func checkCompareRecord(t *testing.T, what string, oldRecord []byte, new *source.Release) *source.Changes {
	t.Helper()
	newRecord, err := source.MarshalRelease(new)
	if err != nil {
		t.Fatal(err)
	}
	want, wantErr := compareDecoded(oldRecord, new)
	got, err := source.CompareRecord(oldRecord, new, newRecord)
	switch {
	case (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error():
		t.Errorf("%s: error %v, want %v", what, err, wantErr)
	case err == nil && (got.First != want.First || !reflect.DeepEqual(got.Kinds, want.Kinds)):
		t.Errorf("%s: changes differ from a full decode's:\n got %+v\nwant %+v", what, got.Kinds, want.Kinds)
	}
	return got
}

func TestCompareRecordSheets(t *testing.T) {
	old, new := comparePair()
	// Text that looks like the record's own brackets and quotes, in a
	// sheet that differs and in one that does not.
	old.Courses[1].Name = `tricky ]}"[{\ "rooms":[]`
	new.Teachers[1].Name = `Jean "\]}" Dupont`
	old.Teachers[1].Name = new.Teachers[1].Name
	for i := range old.Courses {
		if slices.Contains(old.Courses[i].Teachers, "Jean Dupont") {
			old.Courses[i].Teachers = []string{new.Teachers[1].Name}
		}
	}
	oldRecord, err := source.MarshalRelease(old)
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, oldRecord, "", "  "); err != nil {
		t.Fatal(err)
	}
	for mask := range 1 << 7 {
		mix := mixRelease(old, new, mask)
		c := checkCompareRecord(t, fmt.Sprintf("sheets %07b from the new release", mask), oldRecord, mix)
		if c != nil && (mask == 0) != c.Unchanged() {
			t.Errorf("sheets %07b: unchanged %v", mask, c.Unchanged())
		}
		// A record laid out otherwise is read in full.
		checkCompareRecord(t, fmt.Sprintf("indented, sheets %07b", mask), indented.Bytes(), mix)
	}
}

func TestCompareRecordErrors(t *testing.T) {
	old, new := comparePair()
	oldRecord, err := source.MarshalRelease(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"value in a changed sheet", `"weekday":"thursday"`, `"weekday":"thursdai"`, "sessions[4].weekday"},
		{"syntax in a changed sheet", `"label":"exam"`, `"label":"exam`, "offset"},
		{"unknown field in a changed sheet", `"code":"CS-999",`, `"code":"CS-999","floor":1,`, "floor"},
		{"another version", `"version":1`, `"version":2`, "version 2"},
		{"data after the record", `]}`, `]} {}`, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(oldRecord), tc.from, tc.to, 1)
			if bad == string(oldRecord) {
				t.Fatalf("%q is not in the record", tc.from)
			}
			// Only the sessions differ, and the sheet the damage is in
			// with them (unless it is the sessions).
			mix := mixRelease(old, new, 1<<5)
			checkCompareRecord(t, tc.name, []byte(bad), mix)
			if _, err := source.CompareRecord([]byte(bad), mix, must(source.MarshalRelease(mix))); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCompareSameList checks that a sheet compared with itself, the same
// list in memory, counts as a copy of it does.
func TestCompareSameList(t *testing.T) {
	old, _ := comparePair()
	copied := withoutRows(old)
	copied.Rooms = slices.Clone(old.Rooms)
	got, want := source.Compare(old, old), source.Compare(old, copied)
	if !reflect.DeepEqual(got.Kinds, want.Kinds) {
		t.Errorf("a release with itself: %+v, with a copy: %+v", got.Kinds, want.Kinds)
	}
	if k := got.Kind("rooms"); k.Before != 4 || k.After != 4 {
		t.Errorf("rooms %d → %d, want the 4 available ones", k.Before, k.After)
	}
}

// FuzzCompareRecord checks that CompareRecord agrees with decoding the
// whole record and comparing, on any old record.
func FuzzCompareRecord(f *testing.F) {
	old, new := comparePair()
	for _, rel := range []*source.Release{old, new, mixRelease(old, new, 1<<5)} {
		f.Add(must(source.MarshalRelease(rel)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCompareRecord(t, "fuzzed record", data, new)
	})
}

func BenchmarkCompareRecord(b *testing.B) {
	rel, err := sample.Release()
	if err != nil {
		b.Fatal(err)
	}
	moved := withoutRows(rel)
	moved.Sessions = movedSample(rel).Sessions
	oldRecord, newRecord := must(source.MarshalRelease(rel)), must(source.MarshalRelease(moved))
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			must(compareDecoded(oldRecord, moved))
		}
	})
	b.Run("by-sheet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			must(source.CompareRecord(oldRecord, moved, newRecord))
		}
	})
}

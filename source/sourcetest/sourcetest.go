// Package sourcetest holds test helpers shared by the readers' tests
// (source/csv and source/xlsx): comparing reported problems and reaching a
// sheet's rows by name; and the small release behind the generator's
// golden files ([FixtureRaw]).
package sourcetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
)

// CheckErrors checks that err is a *source.Errors holding want, in order
// (file, sheet, row, column, value and sentinel), or nil when want is
// empty.
func CheckErrors(tb testing.TB, err error, want []*source.ParseError) {
	tb.Helper()
	if len(want) == 0 {
		if err != nil {
			tb.Errorf("error = %v, want none", err)
		}
		return
	}
	var es *source.Errors
	if !errors.As(err, &es) {
		tb.Fatalf("error = %v (%T), want a *source.Errors", err, err)
	}
	if len(es.List) != len(want) {
		tb.Errorf("got %d problems, want %d:\n%v", len(es.List), len(want), err)
	}
	for i := range min(len(es.List), len(want)) {
		g, w := es.List[i], want[i]
		if g.File != w.File || g.Sheet != w.Sheet || g.Row != w.Row || g.Column != w.Column || g.Value != w.Value || !errors.Is(g.Err, w.Err) {
			tb.Errorf("problem %d = %#v\n\t(%v)\nwant %#v\n\t(%v)", i, *g, g, *w, w)
		}
	}
}

// RowsOf returns the rows of the sheet named, as a slice of its row type.
func RowsOf(raw *source.Raw, sheet string) any { return source.Spec(sheet).Rows(raw) }

// CheckLines checks that the rows of every table of raw have increasing
// physical lines after the header row.
func CheckLines(tb testing.TB, raw *source.Raw) {
	tb.Helper()
	v := reflect.ValueOf(raw).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() != reflect.Struct {
			continue
		}
		rows := v.Field(i).FieldByName("Rows")
		last := 1
		for j := range rows.Len() {
			line := int(rows.Index(j).FieldByName("Line").Int())
			if line <= last {
				tb.Fatalf("%s row %d has line %d after %d", v.Type().Field(i).Name, j, line, last)
			}
			last = line
		}
	}
}

func rows[R any](sheet string, rs []R, setLine func(*R, int)) source.Table[R] {
	for i := range rs {
		setLine(&rs[i], i+2)
	}
	return source.Table[R]{File: "fixture.xlsx", Sheet: sheet, Found: true, Rows: rs}
}

// FixtureRaw is the small release behind the generator's golden files: two semesters,
// a room out of service, a room of unknown capacity and coordinates, a
// course in plans of both semesters, a course in no plan, a weekly session
// in two rooms, one in an unavailable room, a dated exam and an event.
func FixtureRaw() *source.Raw {
	return &source.Raw{
		Semesters: rows("semesters", []source.SemesterRow{
			{Name: "Semestre d'automne 2026-2027", Type: "fall", StartDate: "2026-09-07", EndDate: "2026-10-02", SkipDates: "2026-09-21..2026-09-22"},
			{Name: "Semestre de printemps 2027", Type: "spring", StartDate: "2027-03-22", EndDate: "2027-04-02"},
		}, func(r *source.SemesterRow, l int) { r.Line = l }),
		Rooms: rows("rooms", []source.RoomRow{
			{Name: "CO1", Type: "AUDITOIRE", Capacity: "250", Level: "0", Latitude: "46.52012", Longitude: "6.56521", Link: "https://plan.epfl.ch/?room==CO%201"},
			{Name: "BC01", Type: "SALLE DE COURS", Capacity: "40", Level: "-1", Latitude: "46.51857", Longitude: "6.56182"},
			{Name: "GC_A1_416", Type: "unknown", Capacity: "0"},
			{Name: "OLD1", Type: "SALLE DE COURS", Available: "false"},
		}, func(r *source.RoomRow, l int) { r.Line = l }),
		Teachers: rows("teachers", []source.TeacherRow{
			{Name: "Jane Doe", PeopleURL: "https://people.epfl.ch/jane.doe"},
			{Name: "Jean Dupont"},
		}, func(r *source.TeacherRow, l int) { r.Line = l }),
		Courses: rows("courses", []source.CourseRow{
			{Code: "CS-305", Name: "Software engineering", Credits: "4", Language: "English", EduURL: "https://edu.epfl.ch/coursebook/en/software-engineering-CS-305", Teachers: "Jane Doe;Jean Dupont"},
			{Code: "MATH-101", Name: "Analysis I", Credits: "6", Language: "French", Teachers: "Jean Dupont"},
			{Code: "HUM-200", Name: "Free course <&> \"quoted\""},
		}, func(r *source.CourseRow, l int) { r.Line = l }),
		StudyPlans: rows("studyplans", []source.StudyPlanRow{
			{UnitCode: "IN-BA5", UnitName: "Informatique - Bachelor semestre 5", Section: "IN", Promo: "BA5", Semester: "Semestre d'automne 2026-2027", Courses: "MATH-101;CS-305", ID: "6b090e389c963b7fee731dbe"},
			{UnitCode: "IN-BA6", UnitName: "Informatique - Bachelor semestre 6", Section: "IN", Semester: "Semestre de printemps 2027", Courses: "CS-305"},
		}, func(r *source.StudyPlanRow, l int) { r.Line = l }),
		Sessions: rows("sessions", []source.SessionRow{
			{Course: "CS-305", Label: "cours", Weekday: "Monday", Start: "08:15", End: "10:00", Rooms: "CO1;BC01", Semester: "Semestre d'automne 2026-2027", Weeks: "1-2,4"},
			{Course: "CS-305", Label: "exercice", Weekday: "Ma", Start: "10:15", End: "12:00", Rooms: "BC01;OLD1", Semester: "Semestre d'automne 2026-2027", Weeks: "2"},
			{Course: "CS-305", Label: "projet", Weekday: "lundi", Start: "13:15", End: "15:00", Rooms: "GC_A1_416", Semester: "Semestre de printemps 2027", Weeks: "2"},
			{Course: "MATH-101", Label: "cours", Weekday: "Fri", Start: "14:15", End: "16:00", Rooms: "CO1", Semester: "Semestre d'automne 2026-2027", Weeks: "1"},
			{Course: "HUM-200", Label: "cours", Weekday: "Thu", Start: "17:15", End: "19:00", Semester: "Semestre de printemps 2027", Weeks: "1"},
		}, func(r *source.SessionRow, l int) { r.Line = l }),
		Bookings: rows("bookings", []source.BookingRow{
			{Date: "2026-09-29", Start: "08:00", End: "11:00", Rooms: "CO1", Course: "MATH-101", Label: "exam"},
			{Date: "2026-10-05", Start: "18:00", End: "20:00", Rooms: "BC01;CO1", Name: "Réservation ponctuelle", Description: "Forum EPFL"},
		}, func(r *source.BookingRow, l int) { r.Line = l }),
	}
}

// Fixture is [FixtureRaw], checked.
func Fixture(tb testing.TB) *source.Release {
	tb.Helper()
	rel, err := source.Check(FixtureRaw())
	if err != nil {
		tb.Fatal(err)
	}
	return rel
}

// WriterRaw is the release behind the writers' tests (source/csv and
// source/xlsx): every sheet used, values that look like numbers and dates
// ("0300", "4.5", "2025-09-08"), values that need CSV quoting (commas,
// quotes, a line break). Lines are those the rows get when read back from
// either format.
func WriterRaw() *source.Raw {
	return &source.Raw{
		Semesters: source.Table[source.SemesterRow]{Rows: []source.SemesterRow{
			{Line: 2, Name: "fall2025", Type: "fall", StartDate: "2025-09-08", EndDate: "2025-12-19", SkipDates: "2025-10-20..2025-10-24, 2025-11-11"},
			{Line: 3, Name: "spring2026", Type: "spring", StartDate: "2026-02-16", EndDate: "2026-05-29"},
		}},
		Rooms: source.Table[source.RoomRow]{Rows: []source.RoomRow{
			{Line: 2, Name: "BC01", Type: "office", Capacity: "4", Building: "BC", Level: "0", Latitude: "46.518", Longitude: "6.561", Link: "https://example.org/?a=1,2", Available: "yes"},
			{Line: 3, Name: "CE 1 1", Type: `say "auditorium"`, Capacity: "0300"},
		}},
		Teachers: source.Table[source.TeacherRow]{Rows: []source.TeacherRow{
			{Line: 2, Name: "Ada Lovelace", PeopleURL: "https://people.example.org/ada"},
		}},
		Courses: source.Table[source.CourseRow]{Rows: []source.CourseRow{
			{Line: 2, Code: "CS-101", Name: "Intro, part 1", Credits: "4.5", Language: "en", EduURL: "https://edu.example.org/cs-101", Teachers: "Ada Lovelace"},
		}},
		StudyPlans: source.Table[source.StudyPlanRow]{Rows: []source.StudyPlanRow{
			{Line: 2, UnitCode: "IN-BA5", UnitName: "Informatique", Section: "IN", Promo: "BA5", Semester: "fall2025", Courses: "CS-101", ID: "0123456789abcdef01234567"},
		}},
		Sessions: source.Table[source.SessionRow]{Rows: []source.SessionRow{
			{Line: 2, Course: "CS-101", Label: "cours", Weekday: "Monday", Start: "08:15", End: "10:00", Rooms: "BC01,CE 1 1", Semester: "fall2025", Weeks: "1-6,8-14"},
			{Line: 3, Course: "CS-101", Label: "exercice", Weekday: "Tue", Start: "10:15", End: "12:00", Rooms: "BC01"},
		}},
		Bookings: source.Table[source.BookingRow]{Rows: []source.BookingRow{
			{Line: 2, Date: "2025-10-01", Start: "18:00", End: "20:00", Rooms: "CE 1 1", Name: "Talk", Description: "Two lines:\nfirst, then second"},
		}},
	}
}

// RowsOnly is a cmp option that compares tables on their rows only,
// ignoring where they were read from.
var RowsOnly = cmp.FilterPath(func(p cmp.Path) bool {
	if sf, ok := p.Last().(cmp.StructField); ok {
		switch sf.Name() {
		case "File", "Sheet", "Found", "Header", "Serials":
			return true
		}
	}
	return false
}, cmp.Ignore())

package xlsx_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/xlsx"
)

// sample returns a release using every sheet. Lines are those the rows get
// when read back; values look like numbers and dates, and some need CSV
// quoting.
func sample() *source.Raw {
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

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := xlsx.Write(&again, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("two writes of the same release differ")
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"semesters", "rooms", "teachers", "courses", "studyplans", "sessions", "bookings"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	header, err := f.GetRows("semesters")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := header[0], []string{"name", "type", "start_date", "end_date", "skip_dates"}; !slices.Equal(got, want) {
		t.Errorf("semesters header = %q, want %q", got, want)
	}
	for _, cell := range []string{"C2", "A1"} {
		typ, err := f.GetCellType("rooms", cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("rooms!%s has type %v, want a string", cell, typ)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := xlsx.Read(&buf, "t.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, ignoreTableMeta); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestSameAsCSV checks that the two formats give the same Raw for the same
// content, apart from the file names and Serials.
func TestSameAsCSV(t *testing.T) {
	for name, raw := range map[string]*source.Raw{
		"Sample":   sample(),
		"Empty":    {},
		"Problems": {Rooms: source.Table[source.RoomRow]{Rows: []source.RoomRow{{Name: "BC01"}, {Capacity: "3"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "release")
			if err := csv.WriteDir(dir, raw); err != nil {
				t.Fatal(err)
			}
			fromCSV, errCSV := csv.ReadDir(dir, csv.Options{})
			var buf bytes.Buffer
			if err := xlsx.Write(&buf, raw); err != nil {
				t.Fatal(err)
			}
			fromXLSX, errXLSX := xlsx.Read(&buf, "t.xlsx", xlsx.Options{})
			if diff := cmp.Diff(fromCSV, fromXLSX, ignoreFiles); diff != "" {
				t.Errorf("CSV and XLSX differ (-csv +xlsx):\n%s", diff)
			}
			if (errCSV == nil) != (errXLSX == nil) {
				t.Errorf("errors differ: CSV %v, XLSX %v", errCSV, errXLSX)
			}
		})
	}
}

// ignoreTableMeta compares tables on their rows only.
var ignoreTableMeta = cmp.FilterPath(func(p cmp.Path) bool {
	if sf, ok := p.Last().(cmp.StructField); ok {
		switch sf.Name() {
		case "File", "Sheet", "Found", "Header", "Serials":
			return true
		}
	}
	return false
}, cmp.Ignore())

// ignoreFiles ignores what tells the formats apart.
var ignoreFiles = cmp.FilterPath(func(p cmp.Path) bool {
	if sf, ok := p.Last().(cmp.StructField); ok {
		switch sf.Name() {
		case "File", "Serials":
			return true
		}
	}
	return false
}, cmp.Ignore())

package csv_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/csv"
)

// sample returns a release using every sheet, with values that need
// quoting. Lines are those the rows get when read back.
func sample() *source.Raw {
	return &source.Raw{
		Semesters: source.Table[source.SemesterRow]{Rows: []source.SemesterRow{
			{Line: 2, Name: "fall2025", Type: "fall", StartDate: "2025-09-08", EndDate: "2025-12-19", SkipDates: "2025-10-20..2025-10-24, 2025-11-11"},
			{Line: 3, Name: "spring2026", Type: "spring", StartDate: "2026-02-16", EndDate: "2026-05-29"},
		}},
		Rooms: source.Table[source.RoomRow]{Rows: []source.RoomRow{
			{Line: 2, Name: "BC01", Type: "office", Capacity: "4", Building: "BC", Level: "0", Latitude: "46.518", Longitude: "6.561", Link: "https://example.org/?a=1,2", Available: "yes"},
			{Line: 3, Name: "CE 1 1", Type: `say "auditorium"`, Capacity: "300"},
		}},
		Teachers: source.Table[source.TeacherRow]{Rows: []source.TeacherRow{
			{Line: 2, Name: "Ada Lovelace", PeopleURL: "https://people.example.org/ada"},
		}},
		Courses: source.Table[source.CourseRow]{Rows: []source.CourseRow{
			{Line: 2, Code: "CS-101", Name: "Intro, part 1", Credits: "4", Language: "en", EduURL: "https://edu.example.org/cs-101", Teachers: "Ada Lovelace"},
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
			{Line: 4, Date: "2025-10-02", Start: "12:00", End: "13:00", Rooms: "BC01", Course: "CS-101", Label: "exam"},
		}},
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	if err := csv.WriteDir(dir, sample()); err != nil {
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
	want := []string{"bookings.csv", "courses.csv", "rooms.csv", "semesters.csv", "sessions.csv", "studyplans.csv", "teachers.csv"}
	if !slices.Equal(names, want) {
		t.Errorf("files = %q, want %q", names, want)
	}
	for name, want := range map[string]string{
		"rooms.csv": "name,type,capacity,building,level,latitude,longitude,link,available\n" +
			"BC01,office,4,BC,0,46.518,6.561,\"https://example.org/?a=1,2\",yes\n" +
			"CE 1 1,\"say \"\"auditorium\"\"\",300,,,,,,\n",
		"bookings.csv": "date,start,end,rooms,course,label,name,description\n" +
			"2025-10-01,18:00,20:00,CE 1 1,,,Talk,\"Two lines:\nfirst, then second\"\n" +
			"2025-10-02,12:00,13:00,BC01,CS-101,exam,,\n",
		"semesters.csv": "name,type,start_date,end_date,skip_dates\n" +
			"fall2025,fall,2025-09-08,2025-12-19,\"2025-10-20..2025-10-24, 2025-11-11\"\n" +
			"spring2026,spring,2026-02-16,2026-05-29,\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s =\n%s\nwant\n%s", name, got, want)
		}
	}

	// Writing again gives the same bytes.
	dir2 := t.TempDir()
	if err := csv.WriteDir(dir2, sample()); err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if string(a) != string(b) {
			t.Errorf("%s differs between two writes", name)
		}
	}
}

func TestWriteDirEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := csv.WriteDir(dir, &source.Raw{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "studyplans.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "unit_code,unit_name,section,promo,semester,courses,id\n"; string(got) != want {
		t.Errorf("studyplans.csv = %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "release")
	want := sample()
	if err := csv.WriteDir(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := csv.ReadDir(dir, csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, ignoreTableMeta); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	for _, tab := range []struct {
		file  string
		found bool
	}{{got.Semesters.File, got.Semesters.Found}, {got.Bookings.File, got.Bookings.Found}} {
		if !tab.found || filepath.Dir(tab.file) != dir {
			t.Errorf("table %s: Found %v", tab.file, tab.found)
		}
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

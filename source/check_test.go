package source_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
)

// table returns a found sheet of rows numbered from line 2.
func table[R any](sheet string, rows []R, setLine func(*R, int)) source.Table[R] {
	for i := range rows {
		setLine(&rows[i], i+2)
	}
	return source.Table[R]{File: "t.xlsx", Sheet: sheet, Found: true, Rows: rows}
}

// validRaw is a small release that Check accepts; each test breaks one
// thing in it.
func validRaw() *source.Raw {
	return &source.Raw{
		Semesters: table("semesters", []source.SemesterRow{
			{Name: "Fall 2026", Type: "fall", StartDate: "2026-09-07", EndDate: "2026-12-18", SkipDates: "2026-10-19..2026-10-23; 2026-11-11"},
			{Name: "Spring 2027", Type: "Spring", StartDate: "2027-02-15", EndDate: "2027-05-28"},
		}, func(r *source.SemesterRow, l int) { r.Line = l }),
		Rooms: table("rooms", []source.RoomRow{
			{Name: "CO1", Type: "AUDITOIRE", Capacity: "250", Level: "0", Latitude: "46.52", Longitude: "6.565", Link: "https://plan.example/CO1"},
			{Name: "GC_A1_416", Type: "SALLE DE COURS", Capacity: "0", Building: " GC ", Level: ""},
			{Name: "OLD1", Type: "unknown", Available: "false"},
		}, func(r *source.RoomRow, l int) { r.Line = l }),
		Teachers: table("teachers", []source.TeacherRow{
			{Name: "Jane Doe", PeopleURL: "https://people.example/jane.doe"},
			{Name: "Jean Dupont"},
		}, func(r *source.TeacherRow, l int) { r.Line = l }),
		Courses: table("courses", []source.CourseRow{
			{Code: "CS-305", Name: "Software engineering", Credits: "4", Language: "English", Teachers: "Jane Doe; Jean Dupont"},
			{Code: "MATH-101", Name: "Analysis I", Credits: ""},
		}, func(r *source.CourseRow, l int) { r.Line = l }),
		StudyPlans: table("studyplans", []source.StudyPlanRow{
			{UnitCode: "IN-BA5", UnitName: "Informatique - Bachelor semestre 5", Section: "IN", Promo: "BA5", Semester: "Fall 2026", Courses: "CS-305;MATH-101"},
			{UnitCode: "IN-BA6", UnitName: "Informatique - Bachelor semestre 6", Semester: "Spring 2027", Courses: "CS-305", ID: "6B090E389C963B7FEE731DBE"},
		}, func(r *source.StudyPlanRow, l int) { r.Line = l }),
		Sessions: table("sessions", []source.SessionRow{
			{Course: "CS-305", Label: "cours", Weekday: "lundi", Start: "08:15", End: "10:00", Rooms: "CO1;GC_A1_416", Semester: "Fall 2026", Weeks: "1-6,8-14"},
			{Course: "MATH-101", Label: "exercice", Weekday: "Ma", Start: "13:15", End: "15:00", Semester: "Spring 2027"},
		}, func(r *source.SessionRow, l int) { r.Line = l }),
		Bookings: table("bookings", []source.BookingRow{
			{Date: "2026-12-21", Start: "09:00", End: "12:00", Rooms: "CO1", Course: "CS-305", Label: "exam"},
			{Date: "2026-10-05", Start: "18:00", End: "20:00", Rooms: "GC_A1_416", Name: "Evénements", Description: "Forum"},
		}, func(r *source.BookingRow, l int) { r.Line = l }),
	}
}

func ptr[T any](v T) *T { return &v }

func TestCheckValid(t *testing.T) {
	rel, err := source.Check(validRaw())
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) source.Date { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	want := &source.Release{
		Semesters: []source.Semester{
			{Name: "Fall 2026", Type: "fall", Start: day(2026, 9, 7), End: day(2026, 12, 18), Row: 2,
				Skip: []source.DateRange{{day(2026, 10, 19), day(2026, 10, 23)}, {day(2026, 11, 11), day(2026, 11, 11)}}},
			{Name: "Spring 2027", Type: "spring", Start: day(2027, 2, 15), End: day(2027, 5, 28), Row: 3},
		},
		Rooms: []source.Room{
			{Name: "CO1", Type: "AUDITOIRE", Capacity: ptr(250), Building: "CO", Level: ptr(0), Coordinates: &[2]float64{46.52, 6.565}, Link: "https://plan.example/CO1", Available: true},
			{Name: "GC_A1_416", Type: "SALLE DE COURS", Building: "GC", Available: true},
			{Name: "OLD1", Type: "unknown", Building: "OLD", Available: false},
		},
		Teachers: []source.Teacher{{Name: "Jane Doe", PeopleURL: "https://people.example/jane.doe"}, {Name: "Jean Dupont"}},
		Courses: []source.Course{
			{Code: "CS-305", Name: "Software engineering", Credits: ptr(4.0), Language: "English", Teachers: []string{"Jane Doe", "Jean Dupont"}},
			{Code: "MATH-101", Name: "Analysis I"},
		},
		StudyPlans: []source.StudyPlan{
			{ID: source.StudyPlanID("IN-BA5", "Fall 2026"), UnitCode: "IN-BA5", UnitName: "Informatique - Bachelor semestre 5", Section: "IN", Promo: "BA5", Semester: "Fall 2026", Courses: []string{"CS-305", "MATH-101"}},
			{ID: "6b090e389c963b7fee731dbe", UnitCode: "IN-BA6", UnitName: "Informatique - Bachelor semestre 6", Semester: "Spring 2027", Courses: []string{"CS-305"}},
		},
		Sessions: []source.Session{
			{Course: "CS-305", Label: "cours", Weekday: time.Monday, Start: 8*60 + 15, End: 10 * 60, Rooms: []string{"CO1", "GC_A1_416"}, Semester: "Fall 2026", Weeks: []source.WeekRange{{1, 6}, {8, 14}}, Row: 2},
			{Course: "MATH-101", Label: "exercice", Weekday: time.Tuesday, Start: 13*60 + 15, End: 15 * 60, Semester: "Spring 2027", Row: 3},
		},
		Bookings: []source.Booking{
			{Date: day(2026, 12, 21), Start: 9 * 60, End: 12 * 60, Rooms: []string{"CO1"}, Course: "CS-305", Label: "exam", Row: 2},
			{Date: day(2026, 10, 5), Start: 18 * 60, End: 20 * 60, Rooms: []string{"GC_A1_416"}, Label: "event", Name: "Evénements", Description: "Forum", Row: 3},
		},
	}
	if diff := cmp.Diff(want, rel); diff != "" {
		t.Errorf("Check mismatch (-want +got):\n%s", diff)
	}
	if id := source.StudyPlanID("IN-BA5", "Fall 2026"); len(id) != 24 || id != source.StudyPlanID("IN-BA5", "Fall 2026") || id == source.StudyPlanID("IN-BA5", "Spring 2027") {
		t.Errorf("StudyPlanID not a stable 24-hex id per unit and semester: %q", id)
	}
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(r *source.Raw)
		want   []string // every problem, in order
		is     error
	}{
		{"end time out of range", func(r *source.Raw) { r.Sessions.Rows[0].End = "25:00" },
			[]string{`t.xlsx: sessions row 2, column end: "25:00" is not a time (HH:MM)`}, source.ErrBadTime},
		{"end before start", func(r *source.Raw) { r.Sessions.Rows[1].End = "13:15" },
			[]string{`t.xlsx: sessions row 3, column end: "13:15" is not after the start (start 13:15)`}, source.ErrEndBeforeStart},
		{"booking end before start", func(r *source.Raw) { r.Bookings.Rows[0].Start = "12:30" },
			[]string{`t.xlsx: bookings row 2, column end: "12:00" is not after the start (start 12:30)`}, source.ErrEndBeforeStart},
		{"unknown room", func(r *source.Raw) { r.Sessions.Rows[0].Rooms = "CO1;XX9" },
			[]string{`t.xlsx: sessions row 2, column rooms: "XX9" is not a room of the rooms sheet`}, source.ErrUnknownRoom},
		{"unknown course in session and plan", func(r *source.Raw) {
			r.Sessions.Rows[1].Course = "NOPE-1"
			r.StudyPlans.Rows[1].Courses = "CS-305;NOPE-1"
		}, []string{
			`t.xlsx: studyplans row 3, column courses: "NOPE-1" is not a course of the courses sheet`,
			`t.xlsx: sessions row 3, column course: "NOPE-1" is not a course of the courses sheet`,
		}, source.ErrUnknownCourse},
		{"unknown teacher", func(r *source.Raw) { r.Courses.Rows[1].Teachers = "Nobody" },
			[]string{`t.xlsx: courses row 3, column teachers: "Nobody" is not a teacher of the teachers sheet`}, source.ErrUnknownTeacher},
		{"unknown semester", func(r *source.Raw) { r.StudyPlans.Rows[0].Semester = "Fall 2099" },
			[]string{`t.xlsx: studyplans row 2, column semester: "Fall 2099" is not a semester of the semesters sheet`}, source.ErrUnknownSem},
		{"semester needed with two", func(r *source.Raw) { r.Sessions.Rows[1].Semester = "" },
			[]string{`t.xlsx: sessions row 3, column semester: "" is empty, but the release has several semesters: name one`}, source.ErrAmbiguousSem},
		{"duplicate room", func(r *source.Raw) { r.Rooms.Rows[2].Name = "CO1" },
			[]string{`t.xlsx: rooms row 4, column name: "CO1" is a duplicate of row 2`}, source.ErrDuplicate},
		{"duplicate course", func(r *source.Raw) { r.Courses.Rows[1].Code = "CS-305" },
			[]string{`t.xlsx: courses row 3, column code: "CS-305" is a duplicate of row 2`,
				`t.xlsx: studyplans row 2, column courses: "MATH-101" is not a course of the courses sheet`,
				`t.xlsx: sessions row 3, column course: "MATH-101" is not a course of the courses sheet`,
			}, source.ErrDuplicate},
		{"duplicate plan", func(r *source.Raw) {
			r.StudyPlans.Rows[1].UnitCode = "IN-BA5"
			r.StudyPlans.Rows[1].Semester = "Fall 2026"
		},
			[]string{`t.xlsx: studyplans row 3, column unit_code: "IN-BA5" is a duplicate of row 2 in semester "Fall 2026"`}, source.ErrDuplicate},
		{"bad plan id", func(r *source.Raw) { r.StudyPlans.Rows[0].ID = "xyz" },
			[]string{`t.xlsx: studyplans row 2, column id: "xyz" is not an id of 24 hexadecimal digits`}, source.ErrBadID},
		{"room name not a URL segment", func(r *source.Raw) { r.Rooms.Rows[2].Name = "A/B" },
			[]string{`t.xlsx: rooms row 4, column name: "A/B" cannot be a URL segment (no /, \, control characters, "." or "..")`}, source.ErrBadName},
		{"course code dot-dot", func(r *source.Raw) { r.Courses.Rows[1].Code = ".." },
			[]string{`t.xlsx: courses row 3, column code: ".." cannot be a URL segment (no /, \, control characters, "." or "..")`,
				`t.xlsx: studyplans row 2, column courses: "MATH-101" is not a course of the courses sheet`,
				`t.xlsx: sessions row 3, column course: "MATH-101" is not a course of the courses sheet`,
			}, source.ErrBadName},
		{"skip date outside semester", func(r *source.Raw) { r.Semesters.Rows[0].SkipDates = "2026-12-24" },
			[]string{`t.xlsx: semesters row 2, column skip_dates: "2026-12-24" is outside the semester (2026-09-07..2026-12-18)`}, source.ErrOutsideSem},
		{"weeks beyond the semester", func(r *source.Raw) { r.Sessions.Rows[0].Weeks = "1-16" },
			[]string{`t.xlsx: sessions row 2, column weeks: "1-16" is outside the semester: "Fall 2026" has 15 weeks`}, source.ErrOutsideSem},
		{"semester ends before it starts", func(r *source.Raw) { r.Semesters.Rows[1].EndDate = "2027-01-01" },
			[]string{`t.xlsx: semesters row 3, column end_date: "2027-01-01" is not after the start (start_date 2027-02-15)`}, source.ErrEndBeforeStart},
		{"semester too long", func(r *source.Raw) { r.Semesters.Rows[1].EndDate = "2028-05-28" },
			[]string{`t.xlsx: semesters row 3, column end_date: "2028-05-28" is out of range: a semester lasts at most 400 days`}, source.ErrOutOfRange},
		{"date out of the supported years", func(r *source.Raw) { r.Bookings.Rows[1].Date = "1969-12-31" },
			[]string{`t.xlsx: bookings row 3, column date: "1969-12-31" is out of range: years 1971 to 2199`}, source.ErrOutOfRange},
		{"bad semester type", func(r *source.Raw) { r.Semesters.Rows[1].Type = "summer" },
			[]string{`t.xlsx: semesters row 3, column type: "summer" is not one of the allowed values: fall, spring or year`}, source.ErrBadEnum},
		{"bad weekday", func(r *source.Raw) { r.Sessions.Rows[0].Weekday = "Moonday" },
			[]string{`t.xlsx: sessions row 2, column weekday: "Moonday" is not a weekday (Monday…Sunday, Mon…Sun, lundi…dimanche, Lu…Di)`}, source.ErrBadWeekday},
		{"required label", func(r *source.Raw) { r.Sessions.Rows[0].Label = "" },
			[]string{`t.xlsx: sessions row 2, column label: "" is empty but required`}, source.ErrRequired},
		{"booking with course needs label", func(r *source.Raw) { r.Bookings.Rows[0].Label = "" },
			[]string{`t.xlsx: bookings row 2, column label: "" is empty but required`}, source.ErrRequired},
		{"event needs name", func(r *source.Raw) { r.Bookings.Rows[1].Name = "" },
			[]string{`t.xlsx: bookings row 3, column name: "" is empty but required`}, source.ErrRequired},
		{"booking needs rooms", func(r *source.Raw) { r.Bookings.Rows[1].Rooms = " ; " },
			[]string{`t.xlsx: bookings row 3, column rooms: "" is empty but required`}, source.ErrRequired},
		{"bad numbers", func(r *source.Raw) {
			r.Rooms.Rows[0].Capacity = "many"
			r.Rooms.Rows[0].Level = "1.5"
			r.Rooms.Rows[0].Latitude = "91"
			r.Courses.Rows[0].Credits = "-1"
		}, []string{
			`t.xlsx: rooms row 2, column capacity: "many" is not a whole number`,
			`t.xlsx: rooms row 2, column level: "1.5" is not a whole number`,
			`t.xlsx: rooms row 2, column latitude: "91" is out of range: from -90 to 90`,
			`t.xlsx: courses row 2, column credits: "-1" is out of range: credits cannot be negative`,
		}, source.ErrOutOfRange},
		{"latitude without longitude", func(r *source.Raw) { r.Rooms.Rows[0].Longitude = "" },
			[]string{`t.xlsx: rooms row 2, column longitude: "" is empty but required: latitude and longitude go together`}, source.ErrRequired},
		{"bad available", func(r *source.Raw) { r.Rooms.Rows[1].Available = "maybe" },
			[]string{`t.xlsx: rooms row 3, column available: "maybe" is not a yes/no value (true, false, yes, no, 1, 0)`}, source.ErrBadBool},
		{"bad date", func(r *source.Raw) { r.Bookings.Rows[1].Date = "05.10.2026" },
			[]string{`t.xlsx: bookings row 3, column date: "05.10.2026" is not a date (YYYY-MM-DD)`}, source.ErrBadDate},
		{"missing sheet", func(r *source.Raw) { r.Rooms = source.Table[source.RoomRow]{File: "t.xlsx"} },
			[]string{
				`t.xlsx: rooms: missing required sheet`,
				`t.xlsx: sessions row 2, column rooms: "CO1" is not a room of the rooms sheet`,
				`t.xlsx: sessions row 2, column rooms: "GC_A1_416" is not a room of the rooms sheet`,
				`t.xlsx: bookings row 2, column rooms: "CO1" is not a room of the rooms sheet`,
				`t.xlsx: bookings row 3, column rooms: "GC_A1_416" is not a room of the rooms sheet`,
			}, source.ErrMissingSheet},
		{"a broken room does not cascade", func(r *source.Raw) { r.Rooms.Rows[0].Type = "" },
			[]string{`t.xlsx: rooms row 2, column type: "" is empty but required`}, source.ErrRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := validRaw()
			tt.break_(raw)
			rel, err := source.Check(raw)
			if err == nil {
				t.Fatalf("Check accepted it: %+v", rel)
			}
			if rel != nil {
				t.Errorf("Check returned a release with an error")
			}
			var es *source.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not *source.Errors: %v", err, err)
			}
			if got := strings.Split(err.Error(), "\n"); !cmp.Equal(got, tt.want) {
				t.Errorf("problems (-want +got):\n%s", cmp.Diff(tt.want, got))
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false", tt.is)
			}
		})
	}
}

func TestCheckSingleSemesterDefaults(t *testing.T) {
	raw := validRaw()
	raw.Semesters.Rows = raw.Semesters.Rows[:1]
	raw.StudyPlans.Rows = raw.StudyPlans.Rows[:1]
	raw.Sessions.Rows[1].Semester = ""
	rel, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := rel.Sessions[1].Semester; got != "Fall 2026" {
		t.Errorf("session semester = %q, want the only one", got)
	}
}

func TestErrorsCap(t *testing.T) {
	raw := validRaw()
	row := raw.Sessions.Rows[0]
	row.End = "99:99"
	for i := 0; i < source.MaxErrors+10; i++ {
		row.Line = i + 2
		raw.Sessions.Rows = append(raw.Sessions.Rows, row)
	}
	_, err := source.Check(raw)
	var es *source.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v", err)
	}
	if len(es.List) != source.MaxErrors || es.Len() != source.MaxErrors+10 {
		t.Errorf("kept %d of %d, want %d of %d", len(es.List), es.Len(), source.MaxErrors, source.MaxErrors+10)
	}
	if !strings.HasSuffix(err.Error(), "… and 10 more problems") {
		t.Errorf("message does not say how many were dropped: …%s", err.Error()[len(err.Error())-40:])
	}
}

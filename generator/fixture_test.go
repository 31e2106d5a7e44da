package generator_test

import (
	"testing"

	"occupancy/source"
)

func rows[R any](sheet string, rs []R, setLine func(*R, int)) source.Table[R] {
	for i := range rs {
		setLine(&rs[i], i+2)
	}
	return source.Table[R]{File: "fixture.xlsx", Sheet: sheet, Found: true, Rows: rs}
}

// fixtureRaw is the small release behind the golden files: two semesters,
// a room out of service, a room of unknown capacity and coordinates, a
// course in plans of both semesters, a course in no plan, a weekly session
// in two rooms, one in an unavailable room, a dated exam and an event.
func fixtureRaw() *source.Raw {
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

func fixture(t testing.TB) *source.Release {
	t.Helper()
	rel, err := source.Decode(fixtureRaw())
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
